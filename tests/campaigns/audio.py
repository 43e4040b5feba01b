"""Real audio files for upload tests (cached per test run): speech spoken by espeak-ng, encoded by ffmpeg
the way a phone or a recorder would; long silence made by ffmpeg alone."""

import subprocess
import tempfile
from functools import cache
from pathlib import Path

_DIR = Path(tempfile.mkdtemp(prefix="loaxa-campaign-audio-"))


SPOKEN = "Xin chào bà con, đây là bản tin thử của đài truyền thanh xã."


@cache
def _speech_wav() -> Path:
    path = _DIR / "speech-source.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "130", "-w", str(path), SPOKEN], check=True, timeout=60)
    return path


def make_audio(name: str, *, codec_args: tuple[str, ...], seconds: float | None = None) -> Path:
    """The spoken sentence (or, with `seconds`, that much silence) encoded with `codec_args` into _DIR/name."""
    path = _DIR / name
    if not path.exists():
        source = (["-f", "lavfi", "-i", f"anullsrc=r=8000:cl=mono:d={seconds}"] if seconds is not None
                  else ["-i", str(_speech_wav())])
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *source, *codec_args, str(path)],
                       check=True, timeout=300)
    return path


def speech_ms() -> int:
    from media.probe import probe

    return probe(_speech_wav()).duration_ms


@cache
def short_mp3() -> bytes:
    return make_audio("speech.mp3", codec_args=("-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k")).read_bytes()


@cache
def short_wav() -> bytes:
    return make_audio("speech.wav", codec_args=("-ac", "1", "-c:a", "pcm_s16le")).read_bytes()


@cache
def short_m4a() -> bytes:
    return make_audio("speech.m4a", codec_args=("-ac", "1", "-c:a", "aac", "-b:a", "48k")).read_bytes()


@cache
def two_hour_ogg() -> Path:
    """Two hours of near-silence at a tiny bitrate: a few MB, well under the size limit."""
    return make_audio("two-hours.ogg", seconds=7200, codec_args=("-c:a", "libvorbis", "-q:a", "-1"))
