"""Phonemes for Piper/VITS voices from the real espeak-ng program: clauses keep their punctuation,
sentences end at . ! ?, characters are decomposed as Piper's phonemizer gives them."""

import unicodedata

import pytest

from tts.engines import EngineFailed, EngineUnavailable
from tts.phonemes import clauses, phonemize


def test_clauses_keep_their_punctuation():
    assert clauses("Xin chào bà con, đây là câu thử;  hai nghìn người. Một: hai! ba? bốn") == [
        ("Xin chào bà con", ","), ("đây là câu thử", ";"), ("hai nghìn người", "."), ("Một", ":"),
        ("hai", "!"), ("ba", "?"), ("bốn", "")]
    assert clauses("... , ;") == []


def test_vietnamese_and_english_ipa_sentences():
    vi = phonemize("Xin chào bà con, hai nghìn người. Một hai ba", "vi", timeout_s=10)
    assert len(vi) == 2 and vi[0].endswith(".") and ", " in vi[0] and vi[1].endswith(".")
    assert "ŋ" in vi[0] and vi[0] == unicodedata.normalize("NFD", vi[0])
    en = phonemize("The clinic opens at nine! Come early?", "en-us", timeout_s=10)
    assert [s[-1] for s in en] == ["!", "?"] and "klˈɪnɪk" in en[0]


def test_nothing_to_read_or_no_program():
    with pytest.raises(EngineFailed):
        phonemize(" , . ", "vi", timeout_s=10)
    with pytest.raises(EngineUnavailable):
        phonemize("Xin chào", "vi", timeout_s=10, binary="/khong/co/espeak-ng")
