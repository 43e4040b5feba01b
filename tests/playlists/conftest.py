"""Fixtures for playlist tests: a media store with real MP3s, a real HTTP server, and live streams on loopback."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.playlists.helpers import media_store
from tests.ports import free_port


@pytest.fixture
def store(settings):
    return media_store(settings)


@dataclass
class StreamServer:
    """Streams served by the test on loopback (see `stream_server`)."""

    base: str
    down: str  # a loopback port nobody listens on

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


@pytest.fixture
def stream_server(store) -> Iterator[StreamServer]:
    """A real HTTP server on 127.0.0.1 with a live MP3 stream (`live.mp3`, audio/mpeg, sent slowly and
    endlessly like a radio), an HLS playlist (`live.m3u8`), MP3 bytes without an audio content type
    (`octet`), a web page (`page.html`) and a 404 (`gone`)."""
    from tests.playlists.helpers import make_mp3

    audio = make_mp3(store, 2)
    mp3 = store.path_for(audio.sha256, "mp3").read_bytes()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, content_type: str, body: bytes, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/live.mp3":
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                try:
                    for _ in range(200):  # at most ~20 s, like a radio that never ends
                        if stop.is_set():
                            return
                        self.wfile.write(mp3)
                        self.wfile.flush()
                        time.sleep(0.1)
                except (BrokenPipeError, ConnectionResetError):
                    return
            elif self.path == "/live.m3u8":
                self._send("application/vnd.apple.mpegurl",
                           b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg0.ts\n")
            elif self.path == "/octet":
                self._send("application/octet-stream", mp3)
            elif self.path == "/page.html":
                self._send("text/html; charset=utf-8", b"<!doctype html><title>Trang</title><p>Kh\xc3\xb4ng</p>")
            else:
                self._send("text/plain", b"not found", 404)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield StreamServer(base=f"http://127.0.0.1:{server.server_address[1]}", down=f"http://127.0.0.1:{free_port()}/x")
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
