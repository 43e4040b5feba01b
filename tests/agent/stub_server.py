"""A small HTTP server on loopback that speaks the device side of docs/devices.md, for what the real
server does not do yet (relay items, heartbeat commands, pairing, non-content as-run events) and for
faults a real server does not make on demand (a download cut halfway, a live stream).

It is a real HTTP server (the agent's real httpx client talks to it over TCP); the test sets what it
answers and reads what it received.
"""

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class StubState:
    playlists: dict[str, dict[str, Any]] = field(default_factory=dict)       # date → playlist JSON
    media: dict[str, bytes] = field(default_factory=dict)                    # "sha.ext" → bytes
    cut_once: set[str] = field(default_factory=set)                          # media names to cut halfway once
    slow_media: dict[str, float] = field(default_factory=dict)               # media name → seconds to send it
    stream_up: bool = True
    stream_bytes: int = 0
    plays: list[dict[str, Any]] = field(default_factory=list)
    refuse_non_content: bool = False
    busy: int = 0                                                            # answer 429 this many times
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    heartbeat_commands: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    pair_answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # code → (status, body)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def add_media(state: StubState, data: bytes, ext: str = "mp3") -> str:
    sha = hashlib.sha256(data).hexdigest()
    state.media[f"{sha}.{ext}"] = data
    return sha


class _Handler(BaseHTTPRequestHandler):
    server: "StubServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:
        st = self.server.state
        path = urlsplit(self.path).path
        with st.lock:
            st.requests.append(("GET", path, dict(self.headers)))
        if m := re.fullmatch(r"/api/v1/clusters/\d+/playlists/([\d-]+)", path):
            playlist = st.playlists.get(m.group(1))
            if playlist is None:
                return self._json(404, {"detail": "Chưa có danh sách phát."})
            etag = '"' + hashlib.md5(json.dumps(playlist, sort_keys=True).encode()).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._json(200, playlist, {"ETag": etag})
        if re.fullmatch(r"/api/v1/clusters/\d+/alerts", path):
            return self._json(200, st.alerts)
        if m := re.fullmatch(r"/media/(\w+\.\w+)", path):
            return self._media(m.group(1))
        if path == "/stream.mp3":
            return self._stream()
        return self._json(404, {"detail": "Not Found"})

    def _media(self, name: str) -> None:
        st = self.server.state
        data = st.media.get(name)
        if data is None:
            return self._json(404, {"detail": "Không có tệp."})
        start = 0
        if m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", "")):
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if name in st.cut_once:
            st.cut_once.discard(name)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the link drops in the middle of the file
            return None
        if name in st.slow_media:  # a slow 3G link: the body trickles in over the given time
            pieces = 20
            step = max(1, len(body) // pieces + 1)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(st.slow_media[name] / pieces)
            return None
        self.wfile.write(body)
        return None

    def _stream(self) -> None:
        """A live MP3-like stream: endless chunks at a live rate (40 kB/s), as a radio server sends them."""
        st = self.server.state
        if not st.stream_up:
            return self._json(503, {"detail": "luồng tắt"})
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"\xff\xfb\x90\x00" + bytes(4092)
        try:
            while st.stream_up:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
                with st.lock:
                    st.stream_bytes += len(chunk)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            return None
        self.close_connection = True
        return None

    def do_POST(self) -> None:
        st = self.server.state
        path = urlsplit(self.path).path
        body = self._body()
        with st.lock:
            st.requests.append(("POST", path, dict(self.headers)))
        if re.fullmatch(r"/api/v1/clusters/\d+/plays", path):
            return self._plays(body["events"])
        if re.fullmatch(r"/api/v1/clusters/\d+/heartbeat", path):
            with st.lock:
                st.heartbeats.append(body)
                acked = set(body.get("acked_commands") or [])
                st.heartbeat_commands = [c for c in st.heartbeat_commands if c["id"] not in acked]
                commands = list(st.heartbeat_commands)
            return self._json(200, {"server_time": "2026-12-03T08:00:00+07:00", "interval_s": 1,
                                    "commands": commands})
        if path == "/api/v1/devices/pair":
            status, answer = st.pair_answers.get(str(body.get("code")), (404, {"detail": "Không có mã ghép này."}))
            return self._json(status, answer)
        return self._json(404, {"detail": "Not Found"})

    def _plays(self, events: list[dict[str, Any]]) -> None:
        st = self.server.state
        with st.lock:
            if st.busy:
                st.busy -= 1
                return self._json(429, {"detail": "Máy chủ bận."}, {"Retry-After": "1"})
        accepted = duplicates = 0
        errors = []
        with st.lock:
            known = {e["event_id"] for e in st.plays}
            for index, event in enumerate(events):
                if st.refuse_non_content and event.get("content_id") is None:
                    errors.append({"index": index, "event_id": event["event_id"], "field": "content_id",
                                   "message": "Thiếu content_id."})
                elif event["event_id"] in known:
                    duplicates += 1
                else:
                    known.add(event["event_id"])
                    st.plays.append(event)
                    accepted += 1
        status = 422 if events and len(errors) == len(events) else 200
        return self._json(status, {"accepted": accepted, "duplicates": duplicates, "rejected": len(errors),
                                   "errors": errors})


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = StubState()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> "StubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.stream_up = False
        self.shutdown()
        self.server_close()

