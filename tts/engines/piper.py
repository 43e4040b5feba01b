"""Piper neural voices, run as a separate program with a voice model the user provides.

piper-tts is GPL: it is never imported here, only run (`<venv>/bin/piper`, else
`python -m piper`). The model is an .onnx file with its .onnx.json beside it, named by
the `voice` argument, the engine's `model` setting, or LOAXA_PIPER_MODEL. No model is
downloaded: neural Vietnamese voices must be fetched and installed by the operator.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from tts.engines.base import (
    Availability,
    BaseEngine,
    EngineUnavailable,
    check_output,
    require_text,
    run_engine,
)

PIPER_MODEL_ENV = "LOAXA_PIPER_MODEL"
PIPER_BIN_ENV = "LOAXA_PIPER_BIN"
# Piper voices speak at about this rate at length_scale 1; rate_wpm scales from it.
NATURAL_RATE_WPM = 150


class PiperEngine(BaseEngine):
    name = "piper"

    def __init__(self, model: str | Path | None = None, binary: str | None = None) -> None:
        self.model = Path(model) if model else None
        self.binary = binary

    def _command(self) -> list[str] | None:
        """How to start piper: configured binary, the one beside our interpreter, PATH, or -m."""
        configured = self.binary or os.environ.get(PIPER_BIN_ENV)
        if configured:
            return [configured] if shutil.which(configured) else None
        beside = Path(sys.executable).parent / "piper"
        if beside.is_file() and os.access(beside, os.X_OK):
            return [str(beside)]
        on_path = shutil.which("piper")
        if on_path:
            return [on_path]
        if importlib.util.find_spec("piper") is not None:  # locates the package, does not import it
            return [sys.executable, "-m", "piper"]
        return None

    def _model(self, voice: str | None) -> Path | None:
        if voice and voice.endswith(".onnx"):
            return Path(voice)
        if self.model:
            return self.model
        env = os.environ.get(PIPER_MODEL_ENV)
        return Path(env) if env else None

    def _model_problem(self, model: Path | None) -> str | None:
        if model is None:
            return f"chưa chỉ định mô hình giọng .onnx (đặt {PIPER_MODEL_ENV} hoặc truyền voice=đường dẫn .onnx)"
        if not model.is_file():
            return f"không thấy tệp mô hình giọng {model}"
        if not model.with_name(model.name + ".json").is_file():
            return f"thiếu tệp cấu hình {model.name}.json bên cạnh mô hình"
        return None

    def voice_id(self, voice: str | None) -> str:
        model = self._model(voice)
        return str(model.resolve()) if model else ""

    def available(self) -> Availability:
        command = self._command()
        if command is None:
            return Availability(False, "chưa cài piper-tts (pip install 'loaxa[piper]')")
        model = self._model(None)
        problem = self._model_problem(model)
        if problem:
            return Availability(False, problem)
        return Availability(True, f"ngoại tuyến, mô hình {model}")

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None:
        # piper reads one utterance per line
        text = " ".join(require_text(self.name, text).split())
        command = self._command()
        if command is None:
            raise EngineUnavailable(self.name, "chưa cài piper-tts (pip install 'loaxa[piper]')")
        model = self._model(voice)
        problem = self._model_problem(model)
        if problem:
            raise EngineUnavailable(self.name, problem)
        length_scale = NATURAL_RATE_WPM / max(rate_wpm, 1)
        cmd = [*command, "--model", str(model), "--output-file", str(out_wav), "--length-scale", f"{length_scale:.3f}"]
        try:
            run_engine(self.name, cmd, timeout_s=timeout_s, input_bytes=(text + "\n").encode("utf-8"))
            check_output(self.name, out_wav)
        except BaseException:
            out_wav.unlink(missing_ok=True)
            raise
