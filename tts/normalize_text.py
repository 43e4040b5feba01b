"""Character-level clean-up before anything is read: Unicode NFC, one tone placement, no control or
foreign-script characters.

Choices (documented for operators):
- Tone marks follow the traditional placement used by the seed directives and most administrative
  text: "hoà" -> "hòa", "thuỷ" -> "thủy", "uỷ" -> "ủy" (only open syllables ending in oa/oe/uy
  change; "hoàn", "quý", "khuyến" are the same in both styles).
- Control characters are removed; tabs and exotic spaces become plain spaces; line breaks are kept
  (the layout step needs them).
- Letters of scripts a Vietnamese voice cannot read (Chinese, Japanese, Korean, Cyrillic, Thai,
  emoji ...) are dropped. Latin letters, so English words, pass through unchanged. Full-width
  ASCII ("１２") becomes plain ASCII.
"""

import re
import unicodedata

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_GLIDE_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _tone_table() -> dict[str, str]:
    """New-style syllable endings ("oà") -> traditional ("òa"), every case combination."""
    table: dict[str, str] = {}
    for glide, vowel in _GLIDE_PAIRS:
        for g in (glide, glide.upper()):
            for v in (vowel, vowel.upper()):
                for tone in _TONES:
                    new_style = g + unicodedata.normalize("NFC", v + tone)
                    old_style = unicodedata.normalize("NFC", g + tone) + v
                    table[new_style] = old_style
    return table


_TONE_TABLE = _tone_table()
# Only at the end of a word ("hoà" but not "hoàn"), and never after q ("quý" keeps its tone on y).
_TONE_RE = re.compile("(?<![qQ])(" + "|".join(sorted(_TONE_TABLE, key=len, reverse=True)) + r")(?![^\W\d_])")
_NEWLINES_RE = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES_RE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile(r"[\x00-\x09\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_FULLWIDTH_RE = re.compile(r"[\uff01-\uff5e]")
# Everything a Vietnamese reading can use: ASCII, Latin letters (incl. Vietnamese), combining marks,
# general punctuation, currency, letter-like symbols (℃), arrows and maths operators.
_FOREIGN_RE = re.compile(
    r"[^\n\x20-\x7e\u00a0-\u024f\u0300-\u036f\u1e00-\u1eff\u2010-\u205e\u20a0-\u20cf"
    r"\u2100-\u214f\u2190-\u21ff\u2200-\u22ff]+"
)
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ", "\u0189": "Đ"})  # look-alikes typed for Đ/đ


def clean_text(text: str) -> str:
    """NFC, traditional tone placement, no control characters, no unreadable scripts."""
    text = _NEWLINES_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub(lambda m: " " if m.group() == "\t" else "", text)
    text = _SPACES_RE.sub(" ", text)
    text = _FULLWIDTH_RE.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    text = unicodedata.normalize("NFC", text).translate(_ETH)
    text = _TONE_RE.sub(lambda m: _TONE_TABLE[m.group(1)], text)
    return _FOREIGN_RE.sub(" ", text)
