"""Piper/VITS voices in-process through sherpa-onnx (Apache-2.0), phonemes from the espeak-ng program.

The voice is the model.onnx of a voice folder prepared by tts.voice_files (sherpa-onnx's metadata in the
graph, tokens.txt beside it): `loaxa tts voices add` makes one. sherpa-onnx 2.x no longer phonemizes, so
each sentence goes to espeak-ng as a separate program (tts.phonemes: IPA, Piper's punctuation kept) and
its codepoints to sherpa-onnx (GenerationConfig.phoneme_codepoints). A loaded model is kept per file for
the life of the process: a render worker loads a voice once, not once per chunk.
"""

import importlib.util
import os
import threading
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tts.engines.base import (
    Availability,
    BaseEngine,
    EngineFailed,
    EngineUnavailable,
    Phrase,
    require_text,
)
from tts.engines.espeak import ESPEAK_ENV
from tts.phonemes import phonemize
from tts.voice_files import CONFIG, TOKENS, VoiceConfig, read_config

NATURAL_RATE_WPM = 150  # as the Piper engine: speed = rate / this
MAX_PAUSE_MS = 10_000
THREADS = 2  # onnxruntime threads per synthesis; the pipeline already runs chunks side by side

_LOCK = threading.Lock()
_LOADED: dict[str, tuple[Any, VoiceConfig, threading.Lock]] = {}


def installed() -> bool:
    return importlib.util.find_spec("sherpa_onnx") is not None


def unload(model: Path) -> None:
    """Forget a loaded model (a voice checked in a staging folder that then moves)."""
    with _LOCK:
        _LOADED.pop(str(model.resolve()), None)


def _load(model: Path) -> tuple[Any, VoiceConfig, threading.Lock]:
    key = str(model.resolve())
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        import sherpa_onnx

        config = read_config(model.parent)
        vits = sherpa_onnx.OfflineTtsVitsModelConfig(
            model=key, tokens=str(model.parent / TOKENS), noise_scale=config.noise_scale,
            noise_scale_w=config.noise_w, length_scale=config.length_scale)
        tts = sherpa_onnx.OfflineTts(sherpa_onnx.OfflineTtsConfig(
            model=sherpa_onnx.OfflineTtsModelConfig(vits=vits, num_threads=THREADS, provider="cpu")))
        _LOADED[key] = (tts, config, threading.Lock())
        return _LOADED[key]


class SherpaEngine(BaseEngine):
    name = "sherpa-onnx"

    def __init__(self, model: str | Path | None = None, espeak: str | None = None) -> None:
        self.model = Path(model) if model else None
        self.espeak = espeak or os.environ.get(ESPEAK_ENV) or "espeak-ng"

    def _model(self, voice: str | None) -> Path | None:
        if voice and voice.endswith(".onnx"):
            return Path(voice)
        return self.model

    def _problem(self, model: Path | None) -> str | None:
        if not installed():
            return "chưa cài sherpa-onnx (pip install 'loaxa[neural]')"
        if model is None:
            return "chưa chỉ định giọng (thêm giọng bằng loaxa tts voices add MODEL.onnx)"
        for path in (model, model.parent / TOKENS, model.parent / CONFIG):
            if not path.is_file():
                return f"thiếu tệp {path} (thêm lại giọng bằng loaxa tts voices add)"
        return None

    def voice_id(self, voice: str | None) -> str:
        model = self._model(voice)
        return str(model.resolve()) if model else ""

    def available(self) -> Availability:
        if not installed():
            return Availability(False, "chưa cài sherpa-onnx (pip install 'loaxa[neural]')")
        return Availability(True, "trong tiến trình, giọng Piper/VITS đã thêm (loaxa tts voices add)")

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None:
        self.synthesize_phrases([Phrase(text, 0)], out_wav, voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s)

    def synthesize_phrases(
        self, phrases: Sequence[Phrase], out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float
    ) -> None:
        """Every sentence into one WAV in this process, each followed by its pause except the last."""
        import numpy as np

        model = self._model(voice)
        problem = self._problem(model)
        if problem or model is None:
            raise EngineUnavailable(self.name, problem or "chưa chỉ định giọng")
        try:
            tts, config, lock = _load(model)
        except (OSError, ValueError, RuntimeError) as exc:
            raise EngineUnavailable(self.name, f"không nạp được giọng {model}: {exc}") from exc
        speed = max(rate_wpm, 1) / NATURAL_RATE_WPM
        pieces: list[Any] = []
        last = len(phrases) - 1
        for i, phrase in enumerate(phrases):
            text = require_text(self.name, phrase.text)
            sentences = phonemize(text, config.espeak_voice, timeout_s=timeout_s, binary=self.espeak)
            samples = self._generate(tts, lock, sentences, speed)
            pieces.append(samples)
            if i < last:
                if not 0 <= phrase.pause_ms <= MAX_PAUSE_MS:
                    raise EngineFailed(self.name, f"khoảng lặng {phrase.pause_ms} ms ngoài khoảng 0-{MAX_PAUSE_MS} ms")
                pieces.append(np.zeros(config.sample_rate * phrase.pause_ms // 1000, dtype=np.float32))
        audio = np.concatenate(pieces)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
        try:
            with wave.open(str(out_wav), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(config.sample_rate)
                out.writeframes(pcm.tobytes())
        except BaseException:
            out_wav.unlink(missing_ok=True)
            raise

    def _generate(self, tts: Any, lock: threading.Lock, sentences: list[str], speed: float) -> Any:
        import numpy as np
        import sherpa_onnx

        gen = sherpa_onnx.GenerationConfig()
        gen.sid, gen.speed = 0, speed
        gen.phoneme_codepoints = [[ord(c) for c in sentence] for sentence in sentences]
        with lock:  # one synthesis per loaded model at a time; onnxruntime uses THREADS inside it
            audio = tts.generate("", gen)
        samples = np.asarray(audio.samples, dtype=np.float32)
        if samples.size == 0:
            raise EngineFailed(self.name, "không tạo ra âm thanh (mô hình không nhận các âm vị)")
        return samples
