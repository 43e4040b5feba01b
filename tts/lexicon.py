"""The abbreviation lexicon: the editable table in lexicon_vi.toml, loaded once, plus per-area overrides.

``DEFAULT_LEXICON`` maps an abbreviation to its spoken form ("UBND" -> "Ủy ban nhân dân").
Callers with per-area overrides build the full mapping with ``merged(overrides)`` and pass it to
``tts.normalizer.normalize(lexicon=...)``. The other tables of the file (document types, letter
names, units, words of web addresses, proper nouns) are read-only data for the normalizer.
"""

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

LEXICON_PATH = Path(__file__).with_name("lexicon_vi.toml")
MAX_TERM_CHARS = 40
MAX_SPOKEN_CHARS = 200

# A spoken form is words: letters, spaces and light punctuation that the reader turns into pauses.
_SPOKEN_ALLOWED_RE = re.compile(r"[^\W\d_]|[ ,.\-']")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _load(path: Path) -> dict[str, object]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


_DATA = _load(LEXICON_PATH)


def _table(name: str) -> Mapping[str, str]:
    table = _DATA.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"Bảng [{name}] trong {LEXICON_PATH.name} không hợp lệ.")
    return MappingProxyType({str(k): str(v) for k, v in table.items()})


def _word_list(name: str, key: str) -> tuple[str, ...]:
    table = _DATA.get(name, {})
    words = table.get(key, []) if isinstance(table, dict) else []
    return tuple(str(w) for w in words)


def validate_entry(term: str, spoken: str) -> None:
    """Raise ValueError (message in Vietnamese) unless ``term -> spoken`` is a usable lexicon entry."""
    if not isinstance(term, str) or not isinstance(spoken, str):
        raise ValueError("Từ viết tắt và cách đọc phải là chuỗi ký tự.")
    if not term.strip():
        raise ValueError("Từ viết tắt không được để trống.")
    if term != term.strip() or any(ch.isspace() for ch in term):
        raise ValueError(f"Từ viết tắt «{term.strip()}» không được chứa khoảng trắng.")
    if len(term) > MAX_TERM_CHARS:
        raise ValueError(f"Từ viết tắt «{term[:20]}…» quá dài (tối đa {MAX_TERM_CHARS} ký tự).")
    if _CONTROL_RE.search(term):
        raise ValueError("Từ viết tắt chứa ký tự điều khiển.")
    if not any(ch.isalpha() for ch in term):
        raise ValueError(f"Từ viết tắt «{term}» phải có ít nhất một chữ cái.")
    if not spoken.strip():
        raise ValueError(f"Cách đọc của «{term}» không được để trống.")
    if len(spoken) > MAX_SPOKEN_CHARS:
        raise ValueError(f"Cách đọc của «{term}» quá dài (tối đa {MAX_SPOKEN_CHARS} ký tự).")
    if any(ch.isdigit() for ch in spoken):
        raise ValueError(f"Cách đọc của «{term}» không được chứa chữ số: hãy viết số bằng chữ.")
    bad = sorted({ch for ch in spoken if not _SPOKEN_ALLOWED_RE.fullmatch(ch)})
    if bad:
        raise ValueError(f"Cách đọc của «{term}» chứa ký tự không đọc được: {' '.join(bad)}")


def merged(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """The default lexicon with ``overrides`` (validated) laid over it; a new dict every call."""
    result = dict(DEFAULT_LEXICON)
    for term, spoken in (overrides or {}).items():
        validate_entry(term, spoken)
        result[term] = spoken.strip()
    return result


DEFAULT_LEXICON: Mapping[str, str] = _table("abbreviations")
DOCUMENT_TYPES: Mapping[str, str] = _table("document_types")
DOCUMENT_DESKS: Mapping[str, str] = _table("document_desks")
LETTER_NAMES: Mapping[str, str] = _table("letters")
UNITS: Mapping[str, str] = _table("units")
DOMAIN_WORDS: Mapping[str, str] = _table("domain_words")
PER_UNITS: tuple[str, ...] = _word_list("per_units", "words")
PROPER_NOUNS: tuple[str, ...] = _word_list("proper_nouns", "names")
# Runs of abbreviations read as one phrase ("HTX NN": the "NN" of a cooperative is agriculture).
PHRASES: Mapping[str, str] = _table("phrases")

for _term, _spoken in DEFAULT_LEXICON.items():
    validate_entry(_term, _spoken)
