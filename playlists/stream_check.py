"""Is a relay's stream URL a live audio stream? Checked when an operator saves a relay.

Within a few seconds: the URL must answer (HTTP status below 400) with audio — a content type
`audio/*`, or an HLS playlist (an `mpegurl` content type, or a body starting `#EXTM3U`) — or, when the
headers say neither, ffprobe must find an audio stream in it. A failed check never refuses the relay
(the station may be off the air while the operator schedules tomorrow's relay): it is stored and
shown as a warning, and the check runs again on every save.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

HLS_TYPES = frozenset({"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"})
_FIRST_BYTES = 4096


@dataclass(frozen=True)
class StreamCheck:
    ok: bool | None  # None: not checked (checks are turned off)
    message: str


StreamChecker = Callable[[str], StreamCheck]

NOT_CHECKED = StreamCheck(None, "Chưa kiểm tra luồng (tính năng kiểm tra đang tắt).")


def check_stream(url: str, *, timeout_s: float = 4.0) -> StreamCheck:
    """Whether `url` answers with live audio within about `timeout_s` seconds, and why (Vietnamese)."""
    host = urlsplit(url).hostname or url
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=True, headers={"User-Agent": "loaxa-stream-check",
                                                                              "Icy-MetaData": "0"}) as client:
            with client.stream("GET", url) as response:
                if response.status_code >= 400:
                    return StreamCheck(False, f"Địa chỉ luồng trả lời mã lỗi HTTP {response.status_code}.")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                first = b""
                for chunk in response.iter_bytes():
                    first += chunk
                    if len(first) >= _FIRST_BYTES:
                        break
    except httpx.TimeoutException:
        return StreamCheck(False, f"Địa chỉ luồng {host} không trả lời trong {timeout_s:g} giây.")
    except httpx.HTTPError as exc:
        return StreamCheck(False, f"Không kết nối được tới địa chỉ luồng {host}: {exc.__class__.__name__}.")
    if content_type in HLS_TYPES or first.lstrip().startswith(b"#EXTM3U"):
        return StreamCheck(True, "Luồng HLS trả lời bình thường.")
    if content_type.startswith("audio/"):
        return StreamCheck(True, f"Luồng âm thanh trả lời bình thường ({content_type}).")
    if _ffprobe_finds_audio(url, timeout_s):
        return StreamCheck(True, "Luồng trả lời và có kênh âm thanh (ffprobe).")
    shown = content_type or "không rõ"
    return StreamCheck(False, f"Địa chỉ luồng trả lời nhưng không phải âm thanh (kiểu nội dung: {shown}).")


def _ffprobe_finds_audio(url: str, timeout_s: float) -> bool:
    from media.ffmpeg import MediaError, run_ffprobe

    try:
        out = run_ffprobe(["-rw_timeout", str(int(timeout_s * 1_000_000)), "-select_streams", "a",
                           "-show_entries", "stream=codec_type", "-of", "csv=p=0", url], timeout_s=timeout_s + 2)
    except MediaError:
        return False
    return "audio" in out


def stream_checker(enabled: bool, timeout_s: float) -> StreamChecker:
    """The check the settings ask for (`LOAXA_STREAM_CHECK`, `LOAXA_STREAM_CHECK_TIMEOUT_S`)."""
    if not enabled:
        return lambda _url: NOT_CHECKED
    return lambda url: check_stream(url, timeout_s=timeout_s)
