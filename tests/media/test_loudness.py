"""Loudness measured with ffmpeg's EBU R128 meter, and normalization that lands on target."""

import pytest

from media.encode import EncodeSpec
from media.ffmpeg import run_ffmpeg
from media.loudness import LoudnessError, encoder_gain_db, measure, named_mean, normalize

from .conftest import AUDIO, EXPECTED

TP_TOLERANCE_DB = 0.1


def test_meter_reads_the_reference_tone():
    loud = measure(AUDIO / "tone_997hz.wav")
    assert loud.integrated_lufs == pytest.approx(-23.0, abs=0.1)  # EBU R128: -20 dBFS sine at 997 Hz
    assert loud.true_peak_dbtp == pytest.approx(-19.8, abs=0.2)


@pytest.mark.parametrize("name", ["speech_vi.wav", "speech_vi.mp3", "speech_vi.ogg", "speech_vi.m4a"])
def test_fixtures_measure_as_recorded(name):
    _, lufs, peak = EXPECTED[name]
    loud = measure(AUDIO / name)
    assert loud.integrated_lufs == pytest.approx(lufs, abs=0.3)
    assert loud.true_peak_dbtp == pytest.approx(peak, abs=0.3)


def test_mp3_encoder_gain_is_calibrated():
    assert encoder_gain_db(EncodeSpec(format="mp3")) == pytest.approx(-0.45, abs=0.1)
    assert encoder_gain_db(EncodeSpec(format="wav")) == 0.0


@pytest.mark.parametrize(
    ("fmt", "profile", "target", "peak"),
    [
        ("wav", "standard", -16.0, -1.5),
        ("mp3", "standard", -16.0, -1.5),
        ("mp3", "horn", -16.0, -1.5),
        ("ogg", "standard", -18.0, -2.0),
    ],
)
def test_normalize_lands_on_target(tmp_path, fmt, profile, target, peak):
    out = tmp_path / f"out.{fmt}"
    reported = normalize(
        AUDIO / "speech_vi.wav",
        out,
        target_lufs=target,
        true_peak_dbtp=peak,
        profile=profile,
        output=EncodeSpec(format=fmt),
    )
    measured = measure(out)  # the reference meter, 192 kHz true peak
    assert measured.integrated_lufs == pytest.approx(target, abs=1.0)
    assert measured.true_peak_dbtp <= peak + TP_TOLERANCE_DB
    # the report is I0 (EBU R128) + the mean power the chain added: within 0.2 LU of the meter
    assert reported.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.25)
    assert reported.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=0.3)
    assert not list(tmp_path.glob(".*.tmp"))


def _low_band_mean(path):
    # two 2-pole low-passes: what is left below ~120 Hz
    stderr = run_ffmpeg(["-i", str(path), "-af", "lowpass=f=120,lowpass=f=120,volumedetect@low", "-f", "null", "-"])
    return named_mean(stderr, "low")


def test_horn_profile_removes_what_a_horn_cannot_play(tmp_path):
    standard, horn = tmp_path / "standard.wav", tmp_path / "horn.wav"
    normalize(AUDIO / "speech_vi.wav", standard, profile="standard")
    normalize(AUDIO / "speech_vi.wav", horn, profile="horn")
    assert _low_band_mean(horn) < _low_band_mean(standard) - 6.0


def test_silence_cannot_be_normalized(tmp_path):
    silence = tmp_path / "silence.wav"
    run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "3", str(silence)])
    out = tmp_path / "out.wav"
    with pytest.raises(LoudnessError, match="im lặng"):
        normalize(silence, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [silence]


@pytest.mark.parametrize(("target", "peak", "profile"), [(-3.0, -1.5, "standard"), (-16.0, 1.0, "standard"),
                                                          (-16.0, -1.5, "stadium")])  # fmt: skip
def test_unreasonable_targets_are_refused(tmp_path, target, peak, profile):
    with pytest.raises(ValueError):
        normalize(AUDIO / "speech_vi.wav", tmp_path / "x.wav", target_lufs=target, true_peak_dbtp=peak, profile=profile)


@pytest.mark.parametrize("seconds, gain_db", [(2, 0), (10, 0), (5, 17)])
def test_steady_tones_reach_the_target_too(tmp_path, seconds, gain_db):
    """Jingles and music behave unlike speech through the limiter (a quiet tone is never limited):
    the correction must learn that from the delivered file instead of overshooting."""
    tone = tmp_path / "tone.wav"
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=44100",
                "-af", f"volume={gain_db}dB", "-y", str(tone)])
    out = tmp_path / "tone.mp3"
    normalize(tone, out, output=EncodeSpec())
    measured = measure(out)
    assert measured.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert measured.true_peak_dbtp <= -1.4
