"""Delivery encodings: mono speech settings, and the same audio always gives the same bytes."""

import re

import pytest

from media.encode import EncodeSpec, encode
from media.probe import probe

from .conftest import AUDIO


@pytest.mark.parametrize(
    ("spec", "codec", "format_name"),
    [
        (EncodeSpec(format="mp3"), "mp3", "mp3"),
        (EncodeSpec(format="mp3", sample_rate=44100, bitrate_kbps=96), "mp3", "mp3"),
        (EncodeSpec(format="ogg"), "vorbis", "ogg"),
        (EncodeSpec(format="wav"), "pcm_s16le", "wav"),
    ],
)
def test_encode_formats(tmp_path, spec, codec, format_name):
    out = tmp_path / f"out.{spec.ext}"
    encode(AUDIO / "speech_vi.wav", out, spec)
    info = probe(out)
    assert (info.codec, info.format_name, info.sample_rate, info.channels) == (
        codec,
        format_name,
        spec.sample_rate,
        1,
    )


def test_encoding_is_deterministic(tmp_path):
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    encode(AUDIO / "speech_vi.wav", a)
    encode(AUDIO / "speech_vi.wav", b)
    assert a.read_bytes() == b.read_bytes()
    # no version string, so the content hash does not change with the ffmpeg build
    assert re.search(rb"Lav[fc]\d", a.read_bytes()) is None


@pytest.mark.parametrize("kwargs", [{"format": "flac"}, {"sample_rate": 11025}, {"bitrate_kbps": 8}, {"channels": 6}])
def test_bad_specs_are_refused(kwargs):
    with pytest.raises(ValueError):
        EncodeSpec(**kwargs)
