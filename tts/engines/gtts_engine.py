"""gTTS: Google's online voice, an optional extra (`pip install loaxa[gtts]`).

It needs the internet, so it fails fast offline; the pipeline then falls back to
espeak-ng and records which engine produced the audio. gTTS is imported only when
used: it is not installed by default and pins an old click.
"""

import importlib.util
from pathlib import Path

from media.encode import EncodeSpec, encode
from media.ffmpeg import MediaError
from tts.engines.base import Availability, BaseEngine, EngineFailed, EngineUnavailable, require_text

DEFAULT_LANG = "vi"
SAMPLE_RATE = 24000  # what Google's MP3s carry; every piece of one render shares it
SLOW_BELOW_WPM = 110  # gTTS has two speeds only: normal, or "slow" for low rates


class GTTSEngine(BaseEngine):
    name = "gtts"

    def __init__(self, tld: str = "com") -> None:
        self.tld = tld

    def available(self) -> Availability:
        if importlib.util.find_spec("gtts") is None:
            return Availability(False, "chưa cài gói gTTS (pip install 'loaxa[gtts]')")
        return Availability(True, "trực tuyến: cần kết nối Internet tới Google")

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None:
        text = require_text(self.name, text)
        try:
            from gtts import gTTS
            from gtts.tts import gTTSError
        except ImportError as exc:
            raise EngineUnavailable(self.name, "chưa cài gói gTTS (pip install 'loaxa[gtts]')") from exc
        mp3 = out_wav.with_suffix(".gtts.mp3")
        try:
            speech = gTTS(
                text,
                lang=voice or DEFAULT_LANG,
                tld=self.tld,
                slow=rate_wpm < SLOW_BELOW_WPM,
                lang_check=False,  # the check would itself go online
                timeout=timeout_s,
            )
            speech.save(str(mp3))
            encode(mp3, out_wav, EncodeSpec(format="wav", sample_rate=SAMPLE_RATE), timeout_s=timeout_s)
        except gTTSError as exc:
            raise EngineFailed(self.name, f"không gọi được dịch vụ Google ({exc})") from exc
        except (MediaError, OSError) as exc:
            raise EngineFailed(self.name, f"không đọc được âm thanh Google trả về ({exc})") from exc
        finally:
            mp3.unlink(missing_ok=True)
