"""ffmpeg's reports are parsed with named regexes; these are real stderr texts saved from ffmpeg 5.1."""

import math

import pytest

from media.ffmpeg import MediaError
from media.loudness import LoudnessError, named_mean, parse_delivered_levels, parse_ebur128

from .conftest import STDERR


def read(name: str) -> str:
    return (STDERR / name).read_text()


def test_ebur128_summary_with_true_and_sample_peak():
    summary = parse_ebur128(read("ebur128_speech_wav.txt"))
    assert summary.integrated_lufs == -20.8
    assert summary.lra == 0.0
    assert summary.sample_peak_dbfs == -3.0
    assert summary.true_peak_dbfs == -2.9


def test_ebur128_last_summary_wins_when_the_graph_was_reconfigured():
    text = read("delivered_mp3.txt")
    assert text.count("Summary:") == 2  # the first, empty one reads -70 LUFS
    summary = parse_ebur128(text)
    assert summary.integrated_lufs == -21.2
    assert summary.true_peak_dbfs is None


def test_ebur128_silence_reads_minus_70_and_minus_infinity():
    summary = parse_ebur128(read("ebur128_silence.txt"))
    assert summary.integrated_lufs == -70.0
    assert summary.true_peak_dbfs == -math.inf


def test_missing_summary_is_an_error_carrying_the_stderr_tail():
    with pytest.raises(MediaError, match="ebur128") as caught:
        parse_ebur128("Input #0, wav, from 'x.wav':\n  Duration: 00:00:01.00\n")
    assert "Duration: 00:00:01.00" in caught.value.stderr_tail


def test_pass_one_reads_loudness_and_both_named_means():
    text = read("pass1_standard.txt")
    assert "n_samples: 0" in text  # the reconfigured graph's empty instances print no mean
    assert parse_ebur128(text).integrated_lufs == -20.8
    assert named_mean(text, "raw") == -20.5
    assert named_mean(text, "out") == -15.7


def test_delivered_levels_mean_and_oversampled_peak():
    assert parse_delivered_levels(read("delivered_levels_mp3.txt")) == (-20.9, -3.4)


def test_missing_meter_is_an_error():
    with pytest.raises(LoudnessError, match="tone"):
        named_mean(read("pass1_standard.txt"), "tone")
