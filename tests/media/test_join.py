"""Joining without gaps: WAV pieces with exact silences, programme files re-encoded as one."""

import wave

import pytest

from media.encode import EncodeSpec, encode
from media.ffmpeg import MediaError
from media.join import Piece, concat_programme, join_wavs, wav_duration_ms, write_concat_list
from media.probe import probe

from .conftest import AUDIO

SEED = AUDIO / "speech_vi.wav"


def frames(path):
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def test_join_inserts_exact_silences(tmp_path):
    out = tmp_path / "joined.wav"
    join_wavs([Piece(SEED, 700), Piece(SEED, 250), Piece(SEED)], out)
    assert frames(out) == 3 * frames(SEED) + (700 + 250) * 16
    with wave.open(str(out), "rb") as w:
        w.setpos(frames(SEED) + 100)  # inside the first silence
        assert set(w.readframes(16 * 500)) == {0}
    assert [p.name for p in tmp_path.iterdir()] == ["joined.wav"]  # list and silences cleaned up


def test_pieces_must_share_a_format(tmp_path):
    other = tmp_path / "8k.wav"
    encode(SEED, other, EncodeSpec(format="wav", sample_rate=22050))
    with pytest.raises(MediaError, match="khác định dạng"):
        write_concat_list([Piece(SEED), Piece(other)], tmp_path / "list.txt")


def test_paths_with_quotes_survive_the_concat_list(tmp_path):
    odd = tmp_path / "bà con's file.wav"
    odd.write_bytes(SEED.read_bytes())
    out = tmp_path / "out.wav"
    join_wavs([Piece(odd, 100), Piece(odd)], out)
    assert frames(out) == 2 * frames(SEED) + 100 * 16


def test_segments_of_pieces(tmp_path):
    out = tmp_path / "part.wav"
    join_wavs([Piece(SEED, start_ms=500, end_ms=1500)], out)
    assert wav_duration_ms(out) == pytest.approx(1000, abs=70)  # cut at packet boundaries


def test_programme_of_mixed_rates_has_no_gaps(tmp_path):
    first, second = tmp_path / "a.mp3", tmp_path / "b.mp3"
    encode(SEED, first, EncodeSpec(format="mp3", sample_rate=22050))
    encode(SEED, second, EncodeSpec(format="mp3", sample_rate=44100))
    out = tmp_path / "programme.mp3"
    concat_programme([first, second, AUDIO / "speech_vi.ogg"], out)
    decoded = tmp_path / "programme.wav"
    encode(out, decoded, EncodeSpec(format="wav"))
    # gapless: the decoded programme is the three items' length, not ~29 ms more per join
    assert wav_duration_ms(decoded) == pytest.approx(3 * wav_duration_ms(SEED), abs=30)
    assert probe(out).sample_rate == 22050


def test_empty_programme_is_an_error(tmp_path):
    with pytest.raises(MediaError):
        concat_programme([], tmp_path / "x.mp3")
