"""Human recordings that replace TTS: validated with ffprobe, loudness-normalized like TTS output,
then stored content-addressed. A refused file leaves nothing behind.

Limits (documented in the API): MP3, WAV, OGG or M4A; at most 50 MB; 0.5 s to 30 minutes.
"""

import logging
import secrets
from pathlib import Path

from campaigns.contents import Recording
from core.config import Settings
from core.errors import Invalid
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
