"""What an audio file is (ffprobe), and whether an uploaded file is audio we can broadcast."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.formatting import duration_words, size_text
from media.ffmpeg import MediaError, run_ffprobe

# ffprobe format names we accept for uploads, and how operators know them.
ACCEPTED_FORMATS = {
    "mp3": "MP3",
    "wav": "WAV",
    "ogg": "OGG",
    "mov,mp4,m4a,3gp,3g2,mj2": "M4A",
}
ACCEPTED_CODECS = frozenset(
    {"mp3", "vorbis", "opus", "flac", "aac", "alac"}
    | {f"pcm_{kind}" for kind in ("s16le", "s24le", "s32le", "u8", "f32le", "f64le", "alaw", "mulaw")}
)
NOT_AUDIO = "Tệp không phải là âm thanh hợp lệ"


@dataclass(frozen=True)
class AudioInfo:
    duration_ms: int
    codec: str
    sample_rate: int
    channels: int
    format_name: str
    size_bytes: int


class InvalidAudio(ValueError):
    """An upload we refuse; the message is for the operator (Vietnamese), `code` for programs."""

    def __init__(self, message: str, *, code: str) -> None:
        self.code = code
        super().__init__(message)


def _probe_json(path: Path) -> dict[str, Any]:
    out = run_ffprobe(["-show_format", "-show_streams", "-of", "json", "file:" + str(path)])
    try:
        data = json.loads(out)
    except json.JSONDecodeError as exc:
        raise MediaError(f"ffprobe trả về dữ liệu không đọc được cho {path.name}", stderr=out) from exc
    if not isinstance(data, dict) or not isinstance(data.get("format"), dict):
        raise MediaError(f"ffprobe không nhận ra định dạng của {path.name}", stderr=out)
    return data


def _info(path: Path, data: dict[str, Any]) -> AudioInfo:
    fmt = data["format"]
    audio = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not audio:
        raise MediaError(f"{path.name}: không có luồng âm thanh")
    stream = audio[0]
    duration = stream.get("duration") or fmt.get("duration")
    try:
        return AudioInfo(
            duration_ms=round(float(duration) * 1000) if duration not in (None, "N/A") else 0,
            codec=str(stream.get("codec_name", "")),
            sample_rate=int(stream.get("sample_rate") or 0),
            channels=int(stream.get("channels") or 0),
            format_name=str(fmt.get("format_name", "")),
            size_bytes=int(fmt.get("size") or path.stat().st_size),
        )
    except ValueError as exc:
        raise MediaError(f"ffprobe trả về giá trị không hợp lệ cho {path.name}") from exc


def probe(path: Path) -> AudioInfo:
    """Describe the first audio stream of `path`. Raises MediaError if ffprobe finds none."""
    return _info(path, _probe_json(path))


def _has_video(data: dict[str, Any]) -> bool:
    """A real picture stream (cover art in an M4A/MP3 does not count)."""
    return any(
        s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        for s in data.get("streams", [])
    )


def validate_upload(path: Path, *, max_bytes: int, max_duration_ms: int, min_duration_ms: int = 500) -> AudioInfo:
    """Accept an uploaded MP3/WAV/OGG/M4A of sensible size and length, or raise InvalidAudio."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidAudio(f"{NOT_AUDIO}: tệp rỗng", code="empty")
    if size > max_bytes:
        raise InvalidAudio(f"Tệp quá lớn: {size_text(size)}, tối đa {size_text(max_bytes)}", code="too_large")
    try:
        data = _probe_json(path)
        info = _info(path, data)
    except MediaError as exc:
        raise InvalidAudio(NOT_AUDIO, code="not_audio") from exc
    if info.format_name not in ACCEPTED_FORMATS or info.codec not in ACCEPTED_CODECS or _has_video(data):
        kinds = ", ".join(dict.fromkeys(ACCEPTED_FORMATS.values()))
        raise InvalidAudio(f"{NOT_AUDIO}: chỉ nhận {kinds} (tệp này: {info.format_name}/{info.codec})", code="format")
    if info.duration_ms <= 0:
        raise InvalidAudio(f"{NOT_AUDIO}: không đọc được thời lượng", code="not_audio")
    if info.duration_ms > max_duration_ms:
        raise InvalidAudio(
            f"Tệp quá dài: {duration_words(info.duration_ms)}, tối đa {duration_words(max_duration_ms)}",
            code="too_long",
        )
    if info.duration_ms < min_duration_ms:
        raise InvalidAudio(
            f"Tệp quá ngắn: {duration_words(info.duration_ms)}, tối thiểu {duration_words(min_duration_ms)}",
            code="too_short",
        )
    return info
