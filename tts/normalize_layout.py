"""Layout: cut cleaned text into blocks (headings, list items, paragraphs) before words are read.

- Markdown emphasis (**bold**, *italic*, __x__), "#" heading marks, ">" quotes and rules are removed.
- A line starting with "-", "+", "•", "*", "–" and a space is a list item; the marker is not read.
- Lines broken inside a sentence (PDF copy, page breaks, two-space Markdown breaks) are joined:
  a line that does not end in . ! ? : ; is continued by the next line when that one starts with a
  lower-case letter or an opening quote.
- "I.", "II.", "1.", "1.1.", "a)", "B." at the start of a block become a spoken number said on its
  own ("Một", "Một chấm một", "a", "bê") before the block; I, V, X, L there are Roman numerals.
- A line in capitals ("I. MỤC ĐÍCH, YÊU CẦU", "KT. GIÁM ĐỐC") is a heading: its words are
  lower-cased (abbreviations from the lexicon and unpronounceable codes are kept for reading),
  then names such as "Việt Nam" get their capitals back (lexicon [proper_nouns]).
"""

import re
from collections.abc import Collection
from dataclasses import dataclass

from tts.lexicon import LETTER_NAMES, PROPER_NOUNS
from tts.normalize_spell import is_syllable
from tts.numbers import read_cardinal, read_integer_string, roman_to_int

HEADING = "heading"
ITEM = "item"
PARAGRAPH = "paragraph"


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    number: str | None = None  # spoken numbering said before the block ("Một chấm một")


_EMPHASIS_RE = re.compile(r"\*+|(?<![\w])__|__(?![\w])")
_MD_HEADING_RE = re.compile(r"^#{1,6}\s*")
_QUOTE_MARK_RE = re.compile(r"^>+\s*")
_RULE_RE = re.compile(r"^[-*_=~]{3,}$")
_BULLET_RE = re.compile(r"^(?:[-+•·▪◦●○■□–—►➢✓*]+)\s+")
_NUMBERING_RE = re.compile(
    r"^(?:(?P<roman>[IVXL]{1,7})|(?P<arabic>\d{1,3}(?:\.\d{1,3}){0,3})|(?P<letter>[a-zđA-HJKM-UWYZĐ]))[.)]\s+(?=\S)"
)
_TERMINAL = ".!?:;"
_OPENING_QUOTES = "“\"‘'«("
_WORD_RE = re.compile(r"[^\W\d_]+(?:[./&-][^\W\d_]+)*\.?")
_HEADING_MAX_WORDS = 12
_PROPER_RE = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(n) for n in sorted(PROPER_NOUNS, key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE,
)
_PROPER_CANON = {n.casefold(): n for n in PROPER_NOUNS}


def _clean_line(line: str) -> tuple[str, str | None]:
    """Strip Markdown marks and a bullet; return the text and its kind if the marks tell it."""
    # One space between words: later patterns that start with \s* then never rescan long blank runs.
    line = _QUOTE_MARK_RE.sub("", " ".join(line.split()))
    if _RULE_RE.match(line):
        return "", None
    kind = None
    heading = _MD_HEADING_RE.match(line)
    if heading:
        line, kind = line[heading.end() :], HEADING
    bullet = _BULLET_RE.match(line)
    if bullet:
        line, kind = line[bullet.end() :], ITEM
    return _EMPHASIS_RE.sub("", line).strip(), kind


def _continues(previous: str, line: str) -> bool:
    if not previous or previous[-1] in _TERMINAL:
        return False
    first = line[0]
    if first.islower():
        return True
    return first in _OPENING_QUOTES and previous[-1].islower()


def _lines_to_paragraphs(text: str) -> list[tuple[str, str | None]]:
    # Lines are collected per paragraph and joined once: no quadratic string building.
    paragraphs: list[tuple[list[str], str | None]] = []
    for raw in text.split("\n"):
        line, kind = _clean_line(raw)
        if not line:
            continue
        if paragraphs and kind is None and not _NUMBERING_RE.match(line) and _continues(paragraphs[-1][0][-1], line):
            paragraphs[-1][0].append(line)
        else:
            paragraphs.append(([line], kind))
    return [(" ".join(lines), kind) for lines, kind in paragraphs]


def _spoken_numbering(match: re.Match[str]) -> str | None:
    if match["roman"]:
        value = roman_to_int(match["roman"])
        return read_cardinal(value) if value else None
    if match["arabic"]:
        return " chấm ".join(read_integer_string(part) for part in match["arabic"].split("."))
    return LETTER_NAMES.get(match["letter"].upper(), match["letter"])


def _is_key(token: str, keys: Collection[str]) -> bool:
    return token in keys or token.rstrip(".") in keys


def _caps_heading(text: str, keys: Collection[str]) -> bool:
    """A line written in capitals: no lower-case word except lexicon abbreviations, at least one
    ordinary capitalised word of two letters or more."""
    found = False
    for token in _WORD_RE.findall(text):
        if _is_key(token, keys):
            continue
        if any(ch.islower() for ch in token):
            return False
        if len(token.rstrip(".")) >= 2:
            found = True
    return found


def _lower_heading(text: str, keys: Collection[str]) -> str:
    def lower(match: re.Match[str]) -> str:
        token = match.group()
        if _is_key(token, keys) or roman_to_int(token) is not None or not is_syllable(token.rstrip(".")):
            return token
        return token.lower()

    lowered = _WORD_RE.sub(lower, text)
    return _PROPER_RE.sub(lambda m: _PROPER_CANON.get(m.group().casefold(), m.group()), lowered)


def _looks_like_heading(text: str) -> bool:
    """Short numbered titles such as "1. Mục đích" or "1.1. Đối tượng:"."""
    if text[-1] in ".!?;":
        return False
    return len(text.split()) <= _HEADING_MAX_WORDS


def split_blocks(text: str, keys: Collection[str]) -> list[Block]:
    """Blocks in reading order; ``keys`` are the lexicon abbreviations (kept in capital headings)."""
    blocks: list[Block] = []
    for paragraph, kind in _lines_to_paragraphs(text):
        number = None
        match = _NUMBERING_RE.match(paragraph)
        if match and kind != ITEM:
            number = _spoken_numbering(match)
            if number is not None:
                paragraph = paragraph[match.end() :]
        if _caps_heading(paragraph, keys):
            blocks.append(Block(HEADING, _lower_heading(paragraph, keys), number))
        elif kind is not None:
            blocks.append(Block(kind, paragraph, number))
        elif (number is not None or paragraph.endswith(":")) and _looks_like_heading(paragraph):
            blocks.append(Block(HEADING, paragraph, number))
        else:
            blocks.append(Block(PARAGRAPH, paragraph, number))
    return blocks
