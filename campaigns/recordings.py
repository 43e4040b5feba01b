"""Human recordings that replace TTS: streamed to a temp file, validated with ffprobe, loudness-normalized
like TTS output, then stored content-addressed and attached to the content. A refused file leaves nothing behind.

The one upload path for the API (`POST /contents/{id}/audio`) and the web form alike. Limits (stated by
both): MP3, WAV, OGG or M4A; at most MAX_UPLOAD_BYTES (50 MB); 0.5 s to 30 minutes.
"""

import logging
import secrets
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from campaigns.contents import Recording, attach_recording, require_uploadable
from campaigns.models import Content
from core.config import Settings
from core.errors import Invalid, TooLarge
from core.formatting import duration_words, size_text
from core.users import Principal
from media.encode import EncodeSpec
from media.ffmpeg import MediaError, ProcessTimedOut
from media.loudness import LoudnessError, normalize
from media.probe import InvalidAudio, probe, validate_upload
from media.store import MediaStore

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_DURATION_MS = 30 * 60 * 1000
ACCEPTED_EXTENSIONS = (".mp3", ".wav", ".ogg", ".m4a")
# Delivered like TTS output: mono MP3 (media.encode's speech defaults).
DELIVERY = EncodeSpec()
_CHUNK = 1024 * 1024


def upload_limits_vi() -> str:
    """The limits in the words of the refusals ("50 MB, 30 phút"), for forms and help texts."""
    return f"{size_text(MAX_UPLOAD_BYTES)}, {duration_words(MAX_UPLOAD_DURATION_MS)}"


def upload_recording(session: Session, content: Content, upload: BinaryIO, filename: str, *, actor: Principal,
                     settings: Settings) -> Content:
    """Attach an uploaded recording to `content`: who may is checked first (the processing is slow), then the
    file is received, validated, normalized and stored. Raises TooLarge (413) or Invalid (422)."""
    require_uploadable(session, content, actor=actor)
    recording = receive_recording(upload, filename, settings)
    return attach_recording(session, content, recording, actor=actor)


def receive_recording(upload: BinaryIO, filename: str, settings: Settings) -> Recording:
    """Copy `upload` to a temp file, stopping at MAX_UPLOAD_BYTES, then `store_recording` it; the temp file goes."""
    name = filename.lower()
    suffix = next((ext for ext in ACCEPTED_EXTENSIONS if name.endswith(ext)), ".bin")
    tmp = MediaStore(settings.media_dir).tmp_dir() / f"upload-{secrets.token_hex(8)}{suffix}"
    try:
        size = 0
        with tmp.open("wb") as out:
            while chunk := upload.read(_CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise TooLarge(f"Tệp ghi âm quá lớn: tối đa {size_text(MAX_UPLOAD_BYTES)}.")
                out.write(chunk)
        return store_recording(tmp, settings)
    finally:
        tmp.unlink(missing_ok=True)


def store_recording(source: Path, settings: Settings) -> Recording:
    """Validate `source` (a temp file), normalize its loudness and store it; `source` is left to the caller."""
    try:
        validate_upload(source, max_bytes=MAX_UPLOAD_BYTES, max_duration_ms=MAX_UPLOAD_DURATION_MS)
    except InvalidAudio as exc:
        raise Invalid(f"{exc}.") from exc
    store = MediaStore(settings.media_dir)
    out = store.tmp_dir() / f"recording-{secrets.token_hex(8)}.{DELIVERY.ext}"
    try:
        normalize(source, out, target_lufs=settings.tts_target_lufs, true_peak_dbtp=settings.tts_true_peak_dbtp,
                  profile=settings.tts_profile, output=DELIVERY)
        duration_ms = probe(out).duration_ms
        stored = store.put(out, DELIVERY.ext)
    except LoudnessError as exc:  # silence, for one: the message says what was measured
        raise Invalid(f"Không chuẩn hóa được độ lớn của bản ghi âm: {exc}.") from exc
    except (MediaError, ProcessTimedOut) as exc:
        log.warning("recording %s could not be processed: %s", source.name, exc)
        raise Invalid("Không xử lý được bản ghi âm (tệp hỏng hoặc mã hóa không chuẩn).") from exc
    finally:
        out.unlink(missing_ok=True)
    return Recording(sha256=stored.sha256, ext=stored.ext, duration_ms=duration_ms)
