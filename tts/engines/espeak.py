"""espeak-ng, the offline default: run as a program, Vietnamese voice, rate in words per minute."""

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from tts.engines.base import (
    Availability,
    BaseEngine,
    EngineFailed,
    Phrase,
    check_output,
    require_text,
    run_engine,
)

ESPEAK_ENV = "LOAXA_ESPEAK"
DEFAULT_VOICE = "vi"
MIN_RATE_WPM = 80
MAX_RATE_WPM = 450
MAX_BREAK_MS = 10_000
# Extra pause between words (-g, 10 ms units) and base pitch (-p, 0-99): espeak-ng's own defaults
# until measured otherwise (bench/bench_intelligibility.py, docs/speech-tuning.md).
WORD_GAP = 0
PITCH = 50
# Extra silence after a comma inside a sentence (SSML break; 0 = espeak-ng's own short pause).
COMMA_BREAK_MS = 0
_FINAL = ".?!"


def _sentence(text: str) -> str:
    # Normalized sentences come without their full stop; espeak-ng needs one for falling intonation.
    return text if text[-1] in _FINAL else text + "."


def _commas(text: str) -> str:
    if COMMA_BREAK_MS <= 0:
        return text
    return text.replace(", ", f', <break time="{COMMA_BREAK_MS}ms"/>')


class EspeakEngine(BaseEngine):
    name = "espeak-ng"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or os.environ.get(ESPEAK_ENV) or "espeak-ng"

    def voice_id(self, voice: str | None) -> str:
        return voice or DEFAULT_VOICE

    def available(self) -> Availability:
        path = shutil.which(self.binary)
        if path is None:
            return Availability(False, f"chưa cài espeak-ng (không thấy {self.binary}; apt-get install espeak-ng)")
        return Availability(True, f"ngoại tuyến, {path}")

    def _run(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float, ssml: bool) -> None:
        if not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
            raise EngineFailed(self.name, f"tốc độ đọc {rate_wpm} từ/phút ngoài khoảng {MIN_RATE_WPM}-{MAX_RATE_WPM}")
        # -z: no pause after the last sentence, the pipeline places every pause itself.
        cmd = [self.binary, "-v", voice or DEFAULT_VOICE, "-s", str(rate_wpm), "-z", "-b", "1"]
        cmd += ["-g", str(WORD_GAP), "-p", str(PITCH)]
        cmd += ["-m"] if ssml else []
        cmd += ["-w", str(out_wav), "--stdin"]
        try:
            run_engine(self.name, cmd, timeout_s=timeout_s, input_bytes=text.encode("utf-8"))
            check_output(self.name, out_wav)
        except BaseException:
            out_wav.unlink(missing_ok=True)
            raise

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None:
        text = _sentence(require_text(self.name, text))
        self._run(text, out_wav, voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s, ssml=False)

    def synthesize_phrases(
        self, phrases: Sequence[Phrase], out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float
    ) -> None:
        """All sentences in one espeak-ng process, pauses as SSML breaks (exact to a few ms)."""
        parts: list[str] = []
        last = len(phrases) - 1
        for i, phrase in enumerate(phrases):
            parts.append(_commas(escape(_sentence(require_text(self.name, phrase.text)))))
            if i < last:
                if not 0 <= phrase.pause_ms <= MAX_BREAK_MS:
                    raise EngineFailed(self.name, f"khoảng lặng {phrase.pause_ms} ms ngoài khoảng 0-{MAX_BREAK_MS} ms")
                parts.append(f'<break time="{phrase.pause_ms}ms"/>')
        self._run("".join(parts), out_wav, voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s, ssml=True)
