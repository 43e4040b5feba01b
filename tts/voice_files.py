"""The files of an installed Piper/VITS voice, prepared so that sherpa-onnx can load it in-process.

A plain Piper export is an .onnx graph plus MODEL.onnx.json (sample rate, espeak-ng voice, phoneme ids).
sherpa-onnx 2.x reads what it needs from the graph's metadata instead (sample_rate, n_speakers, language,
comment "piper" chooses Piper's inputs input/input_lengths/scales[/sid]: sherpa-onnx
offline-tts-vits-model.cc) and maps phonemes to ids through tokens.txt ("symbol id" per line). prepare()
writes that copy once, at `loaxa tts voices add`, with the `onnx` package (Apache-2.0); the Piper
program ignores the metadata, so the same folder serves both engines:

    <voices>/NAME/model.onnx        the graph, with sherpa-onnx's metadata added
    <voices>/NAME/model.onnx.json   Piper's config, as given
    <voices>/NAME/tokens.txt        phoneme -> id, from the config's phoneme_id_map
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL = "model.onnx"
CONFIG = "model.onnx.json"
TOKENS = "tokens.txt"
PIPER_INPUTS = ("input", "input_lengths", "scales")


class VoiceFileError(ValueError):
    """A model or config that is not a Piper/VITS voice; the message is Vietnamese, for the operator."""


@dataclass(frozen=True)
class VoiceConfig:
    sample_rate: int
    espeak_voice: str  # the espeak-ng voice its phonemes come from, e.g. "vi", "en-us"
    language: str
    speakers: int
    phoneme_ids: dict[str, int]
    noise_scale: float
    length_scale: float
    noise_w: float


def parse_config(data: Any) -> VoiceConfig:
    """The parts of Piper's MODEL.onnx.json the engines use; VoiceFileError naming what is missing."""
    try:
        ids = {str(sym): int(v[0] if isinstance(v, list) else v) for sym, v in data["phoneme_id_map"].items()}
        rate = int(data["audio"]["sample_rate"])
        espeak = str(data.get("espeak", {}).get("voice") or "")
        inference = data.get("inference", {})
        language = data.get("language", {})
        config = VoiceConfig(
            sample_rate=rate, espeak_voice=espeak,
            language=str(language.get("name_english") or language.get("code") or espeak),
            speakers=int(data.get("num_speakers", 1)), phoneme_ids=ids,
            noise_scale=float(inference.get("noise_scale", 0.667)),
            length_scale=float(inference.get("length_scale", 1.0)),
            noise_w=float(inference.get("noise_w", 0.8)))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise VoiceFileError(f"Tệp cấu hình không phải của giọng Piper (thiếu hoặc sai {exc}).") from exc
    if not config.espeak_voice:
        raise VoiceFileError("Tệp cấu hình không ghi giọng espeak-ng của âm vị (espeak.voice).")
    if not 8000 <= config.sample_rate <= 48000 or not ids:
        raise VoiceFileError("Tệp cấu hình có tần số lấy mẫu hoặc bảng âm vị không hợp lệ.")
    return config


def read_config(folder: Path) -> VoiceConfig:
    return parse_config(json.loads((folder / CONFIG).read_text(encoding="utf-8")))


def prepare(model: Path, config: Path, folder: Path) -> VoiceConfig:
    """Write the voice's three files into `folder` (which exists). VoiceFileError if it is no Piper voice."""
    import onnx  # only `voices add` needs it

    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VoiceFileError(f"Tệp cấu hình {config.name} không phải JSON hợp lệ: {exc}") from exc
    parsed = parse_config(data)
    try:
        graph = onnx.load(str(model))
    except Exception as exc:  # onnx raises DecodeError, ValueError, ... on a file that is no model
        raise VoiceFileError(f"Tệp {model.name} không phải mô hình ONNX đọc được.") from exc
    inputs = [i.name for i in graph.graph.input]
    if tuple(inputs[:3]) != PIPER_INPUTS:
        raise VoiceFileError(f"Mô hình không có các đầu vào của giọng Piper/VITS ({', '.join(PIPER_INPUTS)}); "
                             f"nó có: {', '.join(inputs) or 'không có'}.")
    metadata = {
        "model_type": "vits", "comment": "piper", "language": parsed.language, "voice": parsed.espeak_voice,
        "has_espeak": 1, "n_speakers": parsed.speakers, "sample_rate": parsed.sample_rate, "add_blank": 0,
        "punctuation": " ".join(sorted(p for p in ",.;:!?" if p in parsed.phoneme_ids)),
    }
    kept = [p for p in graph.metadata_props if p.key not in metadata]
    del graph.metadata_props[:]
    graph.metadata_props.extend(kept)
    for key, value in metadata.items():
        prop = graph.metadata_props.add()
        prop.key, prop.value = key, str(value)
    onnx.save(graph, str(folder / MODEL))
    (folder / CONFIG).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [f"{sym} {i}" for sym, i in parsed.phoneme_ids.items() if sym not in ("\n", "\r")]
    (folder / TOKENS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return parsed
