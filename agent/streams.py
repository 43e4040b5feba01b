"""Checking a relay stream without sound (`--player none`): connect, then read audio bytes without a
pause for as long as the relay lasts, no faster than a live listener would (`relay_max_kbps`), so a
dry run proves the stream really carried audio for the whole window."""

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx

from agent.playback import Outcome

AUDIO_TYPES = ("audio/", "application/ogg", "application/octet-stream", "video/mp2t", "application/x-mpegurl",
               "application/vnd.apple.mpegurl")
STALL_S = 10.0

Opener = Callable[[str, float], AbstractContextManager[httpx.Response]]


class StreamCheck:
    """A `Playback` that reads a stream on a thread until stopped; any break before that is a failure."""

    def __init__(self, url: str, opener: Opener, max_bytes_per_s: float) -> None:
        self.url = url
        self._opener = opener
        self._rate = max(1.0, max_bytes_per_s)
        self._stop = threading.Event()
        self._outcome: Outcome | None = None
        self.bytes_read = 0
        self._thread = threading.Thread(target=self._read, name="relay-check", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        started = time.monotonic()
        try:
            with self._opener(self.url, STALL_S) as response:
                if response.status_code != 200:
                    self._outcome = Outcome(False, f"luồng tiếp sóng trả mã {response.status_code}")
                    return
                kind = response.headers.get("content-type", "").lower()
                if not kind.startswith(AUDIO_TYPES):
                    self._outcome = Outcome(False, f"luồng tiếp sóng không phải âm thanh ({kind or 'không rõ'})")
                    return
                for chunk in response.iter_bytes(4096):
                    self.bytes_read += len(chunk)
                    if self._stop.is_set():
                        return
                    ahead = self.bytes_read / self._rate - (time.monotonic() - started)
                    if ahead > 0 and self._stop.wait(ahead):
                        return
                if not self._stop.is_set():
                    self._outcome = Outcome(False, f"luồng tiếp sóng kết thúc sớm sau {self.bytes_read} byte")
        except httpx.TimeoutException:
            self._outcome = Outcome(False, f"luồng tiếp sóng không gửi dữ liệu trong {STALL_S:.0f} giây")
        except httpx.HTTPError as exc:
            self._outcome = Outcome(False, f"không kết nối được luồng tiếp sóng: {type(exc).__name__}: {exc}")

    def poll(self) -> Outcome | None:
        return self._outcome

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
