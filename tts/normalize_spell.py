"""Spelling: letter names, "is this a Vietnamese syllable?", and e-mail / web addresses read aloud.

Codes nobody can pronounce (GN, VHHT) are spelled with Vietnamese letter names ("giê en").
Addresses are read so a listener can write them down: "btdkt@khanhhoa.gov.vn" ->
"bê tê đê ca tê a còng khánh hòa chấm gốp chấm vê en". Each part between separators is read as a
known word (lexicon [domain_words]: provinces, gov, vn, gmail ...), else as toneless Vietnamese
syllables when it splits into them ("nguyenvana" -> "nguyen van a"), else letter by letter;
digits are read one by one. "@" is "a còng", "." "chấm", "/" "gạch chéo", "-" "gạch ngang",
"_" "gạch dưới". The scheme (https://) is not read.
"""

import re
import unicodedata
from functools import lru_cache

from tts.lexicon import DOMAIN_WORDS, LETTER_NAMES
from tts.numbers import read_digits

# Toneless Vietnamese phonotactics: spelling rules for onsets (ngh/gh/k before i e y, c elsewhere),
# the vowel groups that may end a syllable and those that take a final consonant.
_ONSET = r"(?:ngh(?=[iey])|ng(?![iey])|nh|ch|gh(?=[iey])|gi|kh|ph|qu|th|tr|k(?=[iey])|c(?![iey])|[bdghlmnprstvx])"
_OPEN = "oai|oay|oeo|uay|uoi|uou|uya|uyu|ieu|yeu|uo|ai|ao|au|ay|eo|eu|ia|iu|oa|oe|oi|ua|ue|ui|uu|uy|a|e|i|o|u|y"
_CLOSED = "uye|oa|oe|ie|ye|uo|uy|ue|oo|ua|a|e|i|o|u"
_ONSET_RE = re.compile(_ONSET)
_SYLLABLE_RE = re.compile(f"{_ONSET}?(?:(?:{_CLOSED})(?:ng|nh|ch|[cmnpt])|(?:{_OPEN}))")
_RUNS_RE = re.compile(r"\d+|[^\d]+")
MAX_SEGMENT_CHARS = 40  # longer address parts are spelled, never split into syllables
_URL_SEPARATORS = {
    ".": "chấm",
    "/": "gạch chéo",
    "-": "gạch ngang",
    "_": "gạch dưới",
    "@": "a còng",
    ":": "hai chấm",
    "?": "hỏi chấm",
    "=": "bằng",
    "&": "và",
    "#": "thăng",
    "~": "ngã",
    "+": "cộng",
    "%": "phần trăm",
}
_URL_SPLIT_RE = re.compile(r"([./\-_@:?=&#~+%])")
_SCHEME_RE = re.compile(r"^(?:https?|ftp)://", re.I)


@lru_cache(maxsize=4096)
def strip_marks(word: str) -> str:
    """Lower-case letters without tone or vowel marks, đ as d ("HỘI" -> "hoi")."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=4096)
def is_syllable(word: str) -> bool:
    """True for one pronounceable Vietnamese syllable, tones ignored ("HỘI", "NGHIÊNG"; not "VHHT")."""
    return _SYLLABLE_RE.fullmatch(strip_marks(word)) is not None


def letter_name(ch: str) -> str:
    upper = ch.upper()
    name = LETTER_NAMES.get(upper)
    if name is None:
        base = unicodedata.normalize(
            "NFC", "".join(c for c in unicodedata.normalize("NFD", upper) if c not in "\u0300\u0301\u0303\u0309\u0323")
        )
        name = LETTER_NAMES.get(base, ch.lower())
    return name


def spell(token: str) -> str:
    """Letter by letter with Vietnamese letter names; digits one by one ("GN" -> "giê en")."""
    return " ".join(read_digits(ch) if ch.isdigit() else letter_name(ch) for ch in token if ch.isalnum())


def _unlikeliness(syllable: str) -> int:
    """Syllables without an initial consonant, or ending in a stop, are rarer: "ha noi", not "han oi"."""
    penalty = 0 if _ONSET_RE.match(syllable) else 2
    if syllable.endswith(("p", "t", "c", "ch")):
        penalty += 1
    return penalty


@lru_cache(maxsize=1024)
def _segment(label: str) -> tuple[str, ...] | None:
    """Split a toneless ASCII label into Vietnamese syllables: fewest syllables, then the most likely
    ones, then the longer syllable first ("vanhoa" -> "van hoa", "xaphucloc" -> "xa phuc loc")."""
    best: dict[int, tuple[tuple[int, int], tuple[str, ...]] | None] = {len(label): ((0, 0), ())}
    for start in range(len(label) - 1, -1, -1):
        choice: tuple[tuple[int, int], tuple[str, ...]] | None = None
        for end in range(min(len(label), start + 7), start, -1):
            rest = best[end]
            piece = label[start:end]
            if rest is None or not _SYLLABLE_RE.fullmatch(piece):
                continue
            (count, bare), syllables = rest
            cost = (count + 1, bare + _unlikeliness(piece))
            if choice is None or cost < choice[0]:
                choice = (cost, (piece, *syllables))
        best[start] = choice
    found = best[0]
    return found[1] if found else None


def read_label(label: str) -> str:
    """One part of an address: known word, toneless syllables, or spelled; digits one by one."""
    words: list[str] = []
    for run in _RUNS_RE.findall(label):
        if run.isdigit():
            words.append(read_digits(run))
            continue
        lower = run.lower()
        known = DOMAIN_WORDS.get(lower)
        if known is not None:
            words.append(known)
            continue
        syllables = _segment(lower) if lower.isascii() and 2 <= len(lower) <= MAX_SEGMENT_CHARS else None
        words.append(" ".join(syllables) if syllables else spell(run))
    return " ".join(words)


def read_address(address: str) -> str:
    """An e-mail or web address read part by part with its separators named."""
    address = _SCHEME_RE.sub("", address).rstrip("/")
    words: list[str] = []
    for piece in _URL_SPLIT_RE.split(address):
        if not piece:
            continue
        separator = _URL_SEPARATORS.get(piece)
        words.append(separator if separator is not None else read_label(piece))
    return " ".join(words)
