"""Voices a province installs itself: a Piper/VITS model file it obtained, checked and named.

    add_voice(root, Path("vi_VN-x.onnx"), name="giong-nam", licence="CC BY 4.0 ...")
    list_voices(root)
    resolve(root, "giong-nam")  -> ("sherpa-onnx", "<root>/giong-nam/model.onnx")

The model and its config are prepared into ``root/NAME/`` (``root`` is ``<data dir>/voices``; the files:
tts.voice_files) and checked by synthesising a test sentence before they are recorded, so a broken file
never becomes selectable; the test sentence's audio stays beside them (``preview.wav``, played by the
voices page). The registry is ``root/voices.json``. A voice is selected by its name where a voice is
chosen (``LOAXA_TTS_VOICE=giong-nam``, ``loaxa tts speak --voice giong-nam``, an area's or a content's
voice): tts.config resolves the name to the engine and the model. The engine is sherpa-onnx, in-process,
where it is installed, else the Piper program (piper-tts is GPL: run, never imported).
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
from tts.engines import Engine, EngineFailed, EngineUnavailable, get_engine
from tts.engines.sherpa import installed as sherpa_installed
from tts.engines.sherpa import unload
from tts.voice_files import MODEL, VoiceFileError, prepare

REGISTRY = "voices.json"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TEST_SENTENCE = "Xin chào bà con. Đây là câu đọc thử của giọng mới."
TEST_TIMEOUT_S = 120.0
MAX_LICENCE_CHARS = 20_000
ENGINES = ("sherpa-onnx", "piper")
PREVIEW = "preview.wav"


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

    @property
    def preview_path(self) -> Path:
        return self.model_path.parent / PREVIEW


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


def require_installed(root: Path, voice: str | None) -> str | None:
    """The name of an installed voice, or None for "inherit / the default"; VoiceError otherwise."""
    voice = (voice or "").strip() or None
    if voice is not None and get_voice(root, voice) is None:
        known = ", ".join(v.name for v in list_voices(root)) or "chưa cài giọng nào"
        raise VoiceError(f"Không có giọng «{voice}» (các giọng đã cài: {known}).")
    return voice


def resolve(root: Path, voice: str | None) -> tuple[str, str] | None:
    """(engine, model path) for an installed voice's name, else None (an engine's own voice, e.g. "vi")."""
    if not voice or not NAME_RE.fullmatch(voice):
        return None
    found = get_voice(root, voice)
    return (found.engine, found.model) if found else None


def default_engine() -> str:
    return "sherpa-onnx" if sherpa_installed() else "piper"


def add_voice(root: Path, model: Path, *, config: Path | None = None, name: str | None = None,
              licence: str | None = None, engine: str | None = None) -> Voice:
    """Install a model: prepare its files, read the test sentence with it, record it. Raises VoiceError.
    `engine`: sherpa-onnx (in-process, the default where installed) or piper (the separate program)."""
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise VoiceError(f"Bộ đọc «{engine}» không chạy được giọng Piper/VITS; chọn {' hoặc '.join(ENGINES)}.")
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
    if licence is not None and len(licence) > MAX_LICENCE_CHARS:
        raise VoiceError(f"Văn bản giấy phép quá dài (tối đa {MAX_LICENCE_CHARS} ký tự).")

    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        try:
            prepare(model, config, staging)
        except VoiceFileError as exc:
            raise VoiceError(str(exc)) from exc
        test_ms = _check(staging / MODEL, get_engine(engine), staging / PREVIEW)
        folder = root / name
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        unload(staging / MODEL)  # the render loads it again from its final place
    voice = Voice(name=name, engine=engine, model=str((folder / MODEL).resolve()),
                  licence=licence.strip() if licence and licence.strip() else None,
                  added_at=datetime.now(UTC).isoformat(timespec="seconds"), test_ms=test_ms)
    voices = _load(root)
    voices[name] = voice
    atomic_write_text(root / REGISTRY, json.dumps({k: asdict(v) for k, v in sorted(voices.items())},
                                                  ensure_ascii=False, indent=2))
    return voice


def _check(model: Path, engine: Engine, out: Path) -> int:
    """Read the test sentence with the model into `out`; its length in ms, or VoiceError saying why not."""
    try:
        engine.synthesize(TEST_SENTENCE, out, voice=str(model), rate_wpm=150, timeout_s=TEST_TIMEOUT_S)
    except (EngineUnavailable, EngineFailed) as exc:
        raise VoiceError(f"Giọng không đọc được câu thử: {exc}") from exc
    ms = wav_duration_ms(out)
    if ms < 500:
        raise VoiceError(f"Giọng đọc câu thử chỉ dài {ms} ms: mô hình có vẻ hỏng.")
    return ms
