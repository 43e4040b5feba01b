"""Speech engines behind one interface: espeak-ng (default, offline), gTTS (online), Piper (model file, a
separate program) and sherpa-onnx (the same model files, in-process).

engine = get_engine("espeak-ng")
engine.synthesize("Xin chào bà con", Path("out.wav"), voice="vi", rate_wpm=130, timeout_s=30)
list_engines()  # what `loaxa tts engines` and the API show
"""

from collections.abc import Callable
from typing import Any

from tts.engines.base import (
    Availability,
    BaseEngine,
    Engine,
    EngineFailed,
    EngineStatus,
    EngineUnavailable,
    Phrase,
)
from tts.engines.espeak import EspeakEngine
from tts.engines.gtts_engine import GTTSEngine
from tts.engines.piper import PiperEngine
from tts.engines.sherpa import SherpaEngine

DEFAULT_ENGINE = "espeak-ng"
FALLBACK_ENGINE = "espeak-ng"  # offline: what the pipeline uses when another engine fails

_FACTORIES: dict[str, Callable[..., Engine]] = {
    "espeak-ng": EspeakEngine,
    "gtts": GTTSEngine,
    "piper": PiperEngine,
    "sherpa-onnx": SherpaEngine,
}
ENGINE_NAMES = tuple(_FACTORIES)


class UnknownEngine(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Không có bộ đọc {name!r}; chọn một trong: {', '.join(ENGINE_NAMES)}")


def get_engine(name: str = DEFAULT_ENGINE, **config: Any) -> Engine:
    """An engine by name; `config` goes to its constructor (e.g. model= for piper)."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise UnknownEngine(name)
    return factory(**config)


def list_engines() -> list[EngineStatus]:
    """Every known engine and whether it can run here (never raises)."""
    statuses = []
    for name in ENGINE_NAMES:
        availability = get_engine(name).available()
        statuses.append(EngineStatus(name, availability.ok, availability.reason))
    return statuses


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "FALLBACK_ENGINE",
    "Availability",
    "BaseEngine",
    "Engine",
    "EngineFailed",
    "EngineStatus",
    "EngineUnavailable",
    "Phrase",
    "UnknownEngine",
    "get_engine",
    "list_engines",
]
