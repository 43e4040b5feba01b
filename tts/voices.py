"""Voices a province installs itself: a Piper/VITS model file it obtained, checked and named.

    add_voice(root, Path("vi_VN-x.onnx"), name="giong-nam", licence="CC BY 4.0 ...")
    list_voices(root)
    resolve(root, "giong-nam")  -> ("piper", "<root>/giong-nam/model.onnx")

The model and its config are copied into ``root/NAME/`` (``root`` is ``<data dir>/voices``) and checked
by synthesising a test sentence before they are recorded, so a broken file never becomes selectable.
The registry is ``root/voices.json``. A voice is selected by its name where a voice is chosen
(``LOAXA_TTS_VOICE=giong-nam``, ``loaxa tts speak --voice giong-nam``): tts.config resolves the name to
the engine and the model. The models run through the Piper engine, a separate program (piper-tts is
GPL: never imported). sherpa-onnx could run them in-process but, from version 2.0, needs an external
phonemizer and model metadata that a plain Piper export lacks: see docs/speech-tuning.md.
"""

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from media.join import wav_duration_ms
from media.store import atomic_write_text
from tts.engines import EngineFailed, EngineUnavailable
from tts.engines.piper import PiperEngine

REGISTRY = "voices.json"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TEST_SENTENCE = "Xin chào bà con. Đây là câu đọc thử của giọng mới."
TEST_TIMEOUT_S = 120.0
MAX_LICENCE_CHARS = 20_000
ENGINE = "piper"


class VoiceError(ValueError):
    """A voice that cannot be added; the message is Vietnamese, for the operator."""


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str
    model: str  # absolute path of the installed copy
    licence: str | None
    added_at: str  # ISO 8601, UTC
    test_ms: int  # length of the test sentence as the voice read it

    @property
    def model_path(self) -> Path:
        return Path(self.model)


def _load(root: Path) -> dict[str, Voice]:
    path = root / REGISTRY
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: Voice(**entry) for name, entry in data.items()}


def list_voices(root: Path) -> list[Voice]:
    return sorted(_load(root).values(), key=lambda v: v.name)


def get_voice(root: Path, name: str) -> Voice | None:
    return _load(root).get(name)


def resolve(root: Path, voice: str | None) -> tuple[str, str] | None:
    """(engine, model path) for an installed voice's name, else None (an engine's own voice, e.g. "vi")."""
    if not voice or not NAME_RE.fullmatch(voice):
        return None
    found = get_voice(root, voice)
    return (found.engine, found.model) if found else None


def add_voice(root: Path, model: Path, *, config: Path | None = None, name: str | None = None,
              licence: str | None = None, engine: PiperEngine | None = None) -> Voice:
    """Install a model: copy it, read the test sentence with it, record it. Raises VoiceError."""
    config = config or model.with_name(model.name + ".json")
    name = name or model.name.removesuffix(".onnx").lower().replace(".", "-")
    if not NAME_RE.fullmatch(name):
        raise VoiceError(f"Tên giọng «{name}» không hợp lệ: chữ thường không dấu, số, '-' hoặc '_', tối đa 40 ký tự.")
    if name in ("vi",) or get_voice(root, name) is not None:
        raise VoiceError(f"Đã có giọng tên «{name}»: chọn tên khác (--name).")
    if model.suffix != ".onnx" or not model.is_file():
        raise VoiceError(f"Không thấy tệp mô hình .onnx: {model}")
    if not config.is_file():
        raise VoiceError(f"Thiếu tệp cấu hình {config.name} của mô hình (--config).")
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VoiceError(f"Tệp cấu hình {config.name} không phải JSON hợp lệ: {exc}") from exc
    if licence is not None and len(licence) > MAX_LICENCE_CHARS:
        raise VoiceError(f"Văn bản giấy phép quá dài (tối đa {MAX_LICENCE_CHARS} ký tự).")

    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        staged = staging / "model.onnx"
        shutil.copyfile(model, staged)
        shutil.copyfile(config, staging / "model.onnx.json")
        test_ms = _check(staged, engine or PiperEngine())
        folder = root / name
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    voice = Voice(name=name, engine=ENGINE, model=str((folder / "model.onnx").resolve()),
                  licence=licence.strip() if licence and licence.strip() else None,
                  added_at=datetime.now(UTC).isoformat(timespec="seconds"), test_ms=test_ms)
    voices = _load(root)
    voices[name] = voice
    atomic_write_text(root / REGISTRY, json.dumps({k: asdict(v) for k, v in sorted(voices.items())},
                                                  ensure_ascii=False, indent=2))
    return voice


def _check(model: Path, engine: PiperEngine) -> int:
    """Read the test sentence with the model; its length in ms, or VoiceError saying why it cannot."""
    with tempfile.TemporaryDirectory(prefix="voice-check-") as tmp:
        out = Path(tmp) / "test.wav"
        try:
            engine.synthesize(TEST_SENTENCE, out, voice=str(model), rate_wpm=150, timeout_s=TEST_TIMEOUT_S)
        except (EngineUnavailable, EngineFailed) as exc:
            raise VoiceError(f"Giọng không đọc được câu thử: {exc}") from exc
        ms = wav_duration_ms(out)
    if ms < 500:
        raise VoiceError(f"Giọng đọc câu thử chỉ dài {ms} ms: mô hình có vẻ hỏng.")
    return ms
