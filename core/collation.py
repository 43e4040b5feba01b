"""Vietnamese alphabetical order, for every list of names people read (areas above all), without ICU.

The alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y: Ă comes after A, Đ after D, and
so on, where code points (or a plain accent-stripping sort) would put Đ after Z or mix Ă into A. Tones are
ignored at the first level (Bàn, Bản and Bạn sort together among the B-a-n words) and break ties at the
second, in the dictionary order ngang, huyền, hỏi, ngã, sắc, nặng; case breaks the last ties. Runs of digits
compare as numbers, so "Thôn 2" comes before "Thôn 10".

`vn_sort_key(text)` is the key for `sorted`; `vn_fold(text)` is the text without tones and letter marks,
lower case (đ as d), for matching what someone types in a search box.
"""

import re
import unicodedata

# Combining marks that make a new letter of the alphabet, with the letter's place after its base.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve ă; circumflex â ê ô; horn ơ ư
# Tones, in dictionary order after the unmarked (ngang) 0.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_SEPARATE_LETTERS = {"đ": ("d", 4)}  # đ has no decomposition: d's fourth variant, after d
_DIGITS = re.compile(r"\d+")

SortKey = tuple[tuple[tuple[int, int, int], ...], tuple[int, ...], tuple[int, ...], str]


def _chunks(text: str) -> list[tuple[str, bool]]:
    """The text split into runs of digits (True) and the rest (False)."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for match in _DIGITS.finditer(text):
        if match.start() > pos:
            out.append((text[pos:match.start()], False))
        out.append((match.group(), True))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def vn_sort_key(text: str | None) -> SortKey:
    """Sort key in Vietnamese alphabetical order (see the module's docstring)."""
    text = unicodedata.normalize("NFD", text or "")
    primary: list[tuple[int, int, int]] = []  # (class: 0 space/punctuation, 1 number, 2 letter; value; variant)
    tones: list[int] = []
    cases: list[int] = []
    for chunk, is_number in _chunks(text):
        if is_number:
            primary.append((1, int(chunk), 0))
            continue
        for ch in chunk:
            if ch in _TONES:
                if tones:
                    tones[-1] = _TONES[ch]
                continue
            if ch in _LETTER_MARKS:
                if primary and primary[-1][0] == 2:
                    cls, value, _variant = primary[-1]
                    primary[-1] = (cls, value, _LETTER_MARKS[ch])
                continue
            if unicodedata.combining(ch):
                continue
            lower = ch.lower()
            base, variant = _SEPARATE_LETTERS.get(lower, (lower, 0))
            primary.append((2 if base.isalpha() else 0, ord(base), variant))
            tones.append(0)
            cases.append(0 if ch == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases), text


def vn_fold(text: str | None) -> str:
    """Lower case without tones and letter marks, đ as d: what a search box matches ("dong" finds "Đông")."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
