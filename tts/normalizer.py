"""Vietnamese spoken-form normalizer: administrative text in, what the announcer says out.

    normalize("Kế hoạch số 205/KH-UBND-LĐLĐ ngày 28/4/2021").text
    == "Kế hoạch số hai trăm linh năm, Ủy ban nhân dân, Liên đoàn Lao động, ngày hai mươi tám
        tháng tư năm hai nghìn không trăm hai mươi mốt"

Steps: clean characters (tts.normalize_text) -> cut into headings, list items and paragraphs
(tts.normalize_layout) -> rewrite numbers, dates, symbols, abbreviations and punctuation
(tts.normalize_rules) -> split into sentences, each with the pause that follows it.

Pauses (milliseconds after a sentence): 400 after ";" or a "..." pause, 500 after a spoken heading
number ("Một."), 900 after a sentence (measured for outdoor loudspeakers: docs/speech-tuning.md), 900
after a list item, 900 after a heading, 1000 after a paragraph. Output has no digits and no lexicon
abbreviation left; it is deterministic.
Mixed scripts: English words pass through; Chinese/Japanese/Korean and other non-Latin letters
are dropped (a text of nothing else raises NormalizeError).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.formatting import thousands
from tts.lexicon import DEFAULT_LEXICON
from tts.normalize_layout import HEADING, ITEM, split_blocks
from tts.normalize_rules import SPELLED, expander_for
from tts.normalize_text import clean_text

MAX_INPUT_CHARS = 100_000

PAUSE_CLAUSE_MS = 400
PAUSE_NUMBER_MS = 500
PAUSE_SENTENCE_MS = 900  # 600 before issue 13: 900 was heard better on 16 held-out bulletins, 1200 no better
PAUSE_ITEM_MS = 900  # never shorter than a sentence's (not measured separately)
PAUSE_HEADING_MS = 900
PAUSE_PARAGRAPH_MS = 1000

_BLOCK_PAUSES = {HEADING: PAUSE_HEADING_MS, ITEM: PAUSE_ITEM_MS}
_ZERO_TENS = ("linh", "lẻ")
_THOUSANDS = ("nghìn", "ngàn")


class NormalizeError(ValueError):
    """Text that cannot be read; the message is Vietnamese, for the operator."""


@dataclass(frozen=True)
class NormalizeOptions:
    zero_tens: str = "linh"  # "linh" (north) or "lẻ" (south): 105 -> "một trăm linh năm"
    thousand: str = "nghìn"  # "nghìn" or "ngàn"

    def __post_init__(self) -> None:
        if self.zero_tens not in _ZERO_TENS:
            raise NormalizeError(f"Cách đọc số không hợp lệ: zero_tens phải là {' hoặc '.join(_ZERO_TENS)}.")
        if self.thousand not in _THOUSANDS:
            raise NormalizeError(f"Cách đọc số không hợp lệ: thousand phải là {' hoặc '.join(_THOUSANDS)}.")


@dataclass(frozen=True)
class Sentence:
    text: str  # spoken form, natural capitals, no digits, no abbreviations, no final full stop
    pause_ms: int  # silence to insert after this sentence


@dataclass(frozen=True)
class SpokenText:
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        """The sentences as one text ("Một. Mục đích, yêu cầu"), what operators preview."""
        parts: list[str] = []
        last = len(self.sentences) - 1
        for i, sentence in enumerate(self.sentences):
            parts.append(sentence.text)
            if i < last:
                if sentence.text[-1] in "?!":
                    parts.append(" ")
                elif sentence.pause_ms == PAUSE_CLAUSE_MS:
                    parts.append("; ")
                else:
                    parts.append(". ")
        return "".join(parts)


_EMPTY_MESSAGE = "Văn bản trống: không có gì để đọc."
_SENTENCE_SPLIT_RE = re.compile(r"(?<![.!?;])([.!?;]++)(?:\s+|$)")
_COMMAS_RE = re.compile(r"(?:\s*,)+\s*")
_SPACES_RE = re.compile(r"\s+")
_LETTER_RE = re.compile(r"[^\W\d_]")
_EDGE_PUNCTUATION = " ,.;:"


def _tidy(chunk: str) -> str:
    chunk = _COMMAS_RE.sub(", ", _SPACES_RE.sub(" ", chunk)).strip(_EDGE_PUNCTUATION)
    if not _LETTER_RE.search(chunk):
        return ""
    return chunk[0].upper() + chunk[1:]


def _sentences(spoken: str, block_pause: int) -> list[Sentence]:
    pieces = _SENTENCE_SPLIT_RE.split(spoken)
    result: list[Sentence] = []
    for i in range(0, len(pieces), 2):
        text = _tidy(pieces[i])
        if not text:
            continue
        mark = pieces[i + 1] if i + 1 < len(pieces) else "."
        if "?" in mark:
            text += "?"
        elif "!" in mark:
            text += "!"
        only_clause = ";" in mark and not any(ch in mark for ch in ".!?")
        result.append(Sentence(text, PAUSE_CLAUSE_MS if only_clause else PAUSE_SENTENCE_MS))
    if result:
        result[-1] = Sentence(result[-1].text, block_pause)
    return result


def _tu_reading(text: str) -> str | None:
    """ "TU" is "Tỉnh ủy" unless the text speaks of a "Thành ủy" (city party committee) only."""
    folded = text.casefold()
    if "thành ủy" in folded and "tỉnh ủy" not in folded:
        return "Thành ủy"
    if "tỉnh ủy" in folded:
        return "Tỉnh ủy"
    return None


def normalize(
    text: str,
    *,
    lexicon: Mapping[str, str] | None = None,
    options: NormalizeOptions = NormalizeOptions(),
) -> SpokenText:
    """The spoken form of ``text``; ``lexicon`` replaces the default abbreviation table when given."""
    if not isinstance(text, str):
        raise NormalizeError("Văn bản phải là một chuỗi ký tự.")
    if len(text) > MAX_INPUT_CHARS:
        raise NormalizeError(f"Văn bản quá dài: {thousands(len(text))} ký tự, "
                             f"tối đa {thousands(MAX_INPUT_CHARS)} ký tự.")
    cleaned = clean_text(text)
    if not any(ch.isalnum() for ch in cleaned):
        raise NormalizeError(_EMPTY_MESSAGE)
    expander = expander_for(lexicon, options.zero_tens, options.thousand)
    lex = expander.lexicon
    default_tu = DEFAULT_LEXICON.get("TU")
    tu_document = _tu_reading(cleaned)
    city_lex = {**lex, "TU": "Thành ủy"} if lex.get("TU") == default_tu == "Tỉnh ủy" else lex

    sentences: list[Sentence] = []
    for block in split_blocks(cleaned, expander.keys):
        block_pause = _BLOCK_PAUSES.get(block.kind, PAUSE_PARAGRAPH_MS)
        tu = _tu_reading(block.text) or tu_document
        spoken = _sentences(expander.expand(block.text, city_lex if tu == "Thành ủy" else lex), block_pause)
        if block.number is not None:
            number = _tidy(block.number)
            sentences.append(Sentence(number, PAUSE_NUMBER_MS if spoken else block_pause))
        sentences.extend(spoken)
    if not sentences:
        raise NormalizeError(_EMPTY_MESSAGE)
    return SpokenText(tuple(sentences))


def unknown_terms(
    text: str,
    *,
    lexicon: Mapping[str, str] | None = None,
    options: NormalizeOptions = NormalizeOptions(),
) -> list[str]:
    """Capital codes in ``text`` that no lexicon entry reads ("XYZT"), in order of appearance: the
    normalizer spells them letter by letter, which is rarely what an official says. The preview names
    them so the operator can add a reading (the lexicon page) instead of airing a spelled code."""
    found: list[str] = []
    token = SPELLED.set(found)
    try:
        normalize(text, lexicon=lexicon, options=options)
    finally:
        SPELLED.reset(token)
    return sorted(found, key=lambda term: (text.find(term) % (len(text) + 1), term))
