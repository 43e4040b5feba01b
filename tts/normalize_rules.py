"""Word-level rewriting of one block: every number, date, symbol and abbreviation into words.

Long on purpose: the passes share one fixed order and one set of compiled expressions; split up, the order
that makes them correct would live in no one place.

The passes run in a fixed order; each one only sees what the earlier ones left, so a date is never
read as two numbers and a document symbol never as abbreviations. All regular expressions are
compiled once; one combined expression per lexicon finds the abbreviations.

Readings chosen (see also tts/normalizer.py):
- document symbols: "Kế hoạch số 205/KH-UBND-LĐLĐ" -> "Kế hoạch số hai trăm linh năm, Ủy ban nhân
  dân, Liên đoàn Lao động": the number, the kind of document unless the text just named it, then
  each issuer expanded; codes not in the lexicon are spelled; "Số: /SNV-TĐKT" (no number yet) reads
  the issuers only.
- dates: "ngày hai mươi tám tháng tư năm ...": "ngày" is added unless the text already has it (or
  "mồng"/"mùng"), days are plain numbers (no "mồng"), month 4 is "tư"; ranges take "đến".
- times: "6h30", "06:30" -> "sáu giờ ba mươi phút"; ":00" minutes are not spoken.
- number ranges "18-25", "2021 - 2025" -> "... đến ..."; phone numbers digit by digit in groups.
- "kinh tế - xã hội", "Độc lập - Tự do": a dash between words is a short pause (a comma);
  "xã/phường" -> "xã hoặc phường"; "50.000 đồng/tháng" -> "... đồng một tháng".
"""

import re
from collections.abc import Mapping
from contextvars import ContextVar
from functools import lru_cache

from tts.lexicon import DEFAULT_LEXICON, DOCUMENT_DESKS, DOCUMENT_TYPES, PER_UNITS, PHRASES, UNITS
from tts.normalize_spell import is_syllable, letter_name, read_address, spell
from tts.numbers import (
    is_valid_date,
    is_valid_time,
    read_cardinal,
    read_date,
    read_decimal,
    read_digits,
    read_integer_string,
    read_month,
    read_ordinal,
    read_time,
    roman_to_int,
)

_UPPER = "".join(ch for ch in map(chr, range(0x41, 0x1F00)) if ch.isalpha() and ch.isupper())
_UPPER_CLASS = "[" + re.escape(_UPPER) + "]"
_NOT_AFTER_NUMBER = r"(?![\w/]|[.,]\d)"

# "(ĐHTT, NTVT)" right after "điển hình tiên tiến, người tốt, việc tốt" only defines abbreviations.
_DEFINITION_RE = re.compile(r"\((?P<keys>[^()]{1,80})\)")
_KEY_SPLIT_RE = re.compile(r"[,;\s]+")
_FOREIGN_ACRONYM_RE = re.compile(r"[A-Z]{2,6}")  # Latin capitals only: no Vietnamese code has none of Đ/vowels

# --- addresses -------------------------------------------------------------------------------
# Starts are fenced by look-behinds and runs are possessive (*+, ++): long garbage such as
# "A-A-A-...-A" is scanned once, never once per character.
_EMAIL_RE = re.compile(
    r"(?<![\w.@%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*+@[A-Za-z0-9][A-Za-z0-9-]*+(?:\.[A-Za-z0-9][A-Za-z0-9-]*+)+"
)
_URL_RE = re.compile(
    r"(?<![\w@./-])(?:(?:https?|ftp)://[^\s<>\"“”()]*[^\s<>\"“”().,;:!?]"
    r"|(?:www\.)?(?:[A-Za-z0-9-]++\.)+(?:vn|com|net|org|gov|edu|info|biz|io|asia)(?![\w-])"
    r"(?:/[^\s<>\"“”()]*[^\s<>\"“”().,;:!?])?)",
    re.IGNORECASE,
)

_URL_HINT_RE = re.compile(r"\.(?i:vn|com|net|org|gov|edu|info|biz|io|asia)(?![\w])|://")

# --- document symbols: 205/KH-UBND-LĐLĐ, 08-CT/TU, 39/2020/TT-BTTTT, 05 – CT/TW, /SNV-TĐKT ---------
_CODE = r"[A-ZĐ][A-ZĐ&]*[a-zđ]{0,2}\d{0,3}"
_SYMBOL_RE = re.compile(
    rf"(?<![\w/.,-])(?:(?P<num>\d{{1,6}})(?:/(?P<year>(?:19|20)\d\d))?(?P<sep>/|\s?[-–]\s?)|/)"
    rf"(?P<codes>{_CODE}(?:[-/]{_CODE})*)(?![\w/&-])"
)
_SO_COLON_RE = re.compile(r"([Ss]ố|SỐ)(?<!\w..)\s*:\s*(?=[\d/])")
_CODE_SPLIT_RE = re.compile(r"[-/]")
_QH_RE = re.compile(r"QH(\d{1,2})")
_FOLLOWED_BY_WORD_RE = re.compile(r"\s+[^\W\d_]")

# --- dates and times -------------------------------------------------------------------------
_DAY_WORD = r"(?:(?:[Nn]gày|NGÀY)\s+(?:(?:[Mm]ồng|[Mm]ùng)\s+)?|(?:[Mm]ồng|[Mm]ùng)\s+)"


def _date(p: str) -> str:
    return (
        rf"(?P<{p}pre>{_DAY_WORD})?(?P<{p}d>\d{{1,2}})(?P<{p}s>[/.-])(?P<{p}m>\d{{1,2}})"
        rf"(?:(?P={p}s)(?P<{p}y>\d{{4}}))?"
    )


_DATE_RANGE_RE = re.compile(rf"(?<![\w/.,]){_date('a')}\s*(?:[-–—]|đến)\s*{_date('b')}{_NOT_AFTER_NUMBER}")
_DATE_RE = re.compile(rf"(?<![\w/.,]){_date('')}{_NOT_AFTER_NUMBER}")
_DAY_SPAN_RE = re.compile(
    rf"(?<![\w/.,])(?P<pre>{_DAY_WORD})?(?P<d1>\d{{1,2}})\s*[-–]\s*(?P<d2>\d{{1,2}})/(?P<m>\d{{1,2}})"
    rf"(?:/(?P<y>\d{{4}}))?{_NOT_AFTER_NUMBER}"
)
# Before a date without "ngày": a list that began with "ngày" ("các ngày 10, 11 và") or a named day
# ("Ngày Quốc khánh", "ngày Thương binh - Liệt sĩ"): the date follows without another "ngày".
_DAY_NAMED_BEFORE_RE = re.compile(
    r"(?:[Nn]gày|NGÀY)\s+(?:(?:\d{1,2}|mười|\w+ mươi)(?:\s*,\s*|\s+(?:và|,)\s+)(?:\d{1,2}\s*(?:,\s*|\s+và\s+))*"
    r"|[A-ZĐ][^\W\d]*(?:\s*[-–]?\s*[^\W\d]+){0,5}\s+)$"
    r"|(?<![\w])(?i:đêm|sáng|trưa|chiều|tối|rạng sáng)\s+$"
)
_FRACTION_BEFORE_RE = re.compile(r"(?i:đạt|được|chiếm|tỷ lệ|tỉ lệ|bằng)\s+$")
_FRACTION_AFTER_RE = re.compile(r"\s+(?:tiêu chí|chỉ tiêu|hộ|người|thôn|xã|phường|đơn vị|trường|lớp|bản|tổ|số)(?!\w)")
_MONTH_SPAN_YEAR_RE = re.compile(
    rf"(?<![\w/.,])(?P<w>[Tt]háng|THÁNG)\s+(?P<m1>0?[1-9]|1[0-2])\s*[-–]\s*(?P<m2>0?[1-9]|1[0-2])"
    rf"/(?P<y>(?:19|20)\d\d){_NOT_AFTER_NUMBER}"
)
_MONTH_YEAR_RE = re.compile(
    rf"(?<![\w/.,])(?P<pre>(?:[Tt]háng|THÁNG)\s+)?(?P<m>\d{{1,2}})[/-](?P<y>(?:1[89]|2\d)\d\d){_NOT_AFTER_NUMBER}"
)
_MONTH_RE = re.compile(
    rf"(?<![\w])(?P<w>[Tt]háng|THÁNG)\s+(?P<m>0?[1-9]|1[0-2])(?:\s*[-–]\s*(?P<m2>0?[1-9]|1[0-2]))?{_NOT_AFTER_NUMBER}"
)


def _time(p: str) -> str:
    return (
        rf"(?:(?P<{p}h>\d{{1,2}})\s?[hg](?P<{p}min>[0-5]\d)(?:\s?(?:'|phút|ph|p)(?![\w]))?"
        rf"|(?P<{p}hh>\d{{1,2}})h(?![\w])"
        rf"|(?P<{p}ch>\d{{1,2}}):(?P<{p}cm>[0-5]\d)(?::(?P<{p}cs>[0-5]\d))?(?![\w:]))"
    )


_ZERO_MINUTES_RE = re.compile(r"(?<=giờ)\s+00(?:\s*phút)?(?![\w])")
_TIME_RANGE_RE = re.compile(rf"(?<![\w:.,/]){_time('a')}\s*[-–—]\s*{_time('b')}")
_TIME_RE = re.compile(rf"(?<![\w:.,/]){_time('')}")

# --- phone numbers ---------------------------------------------------------------------------
_PHONE_RE = re.compile(
    r"(?P<p>(?:\+(?<![\w.,+]\+)84[ .-]?|0(?<![\w.,+]0))\d{1,3}(?:[ .-]?\d{2,4}){2,3})(?![\w]|[.,]\d)"
)
# Short numbers (113, 1900 1234) are read digit by digit after a word that says "phone".
_PHONE_CONTEXT_RE = re.compile(r"\d(?<![\w.,]\d)\d{2,}+(?:[ .]\d{2,}+)*+(?![\w]|[.,]\d)")
_PHONE_WORD_RE = re.compile(
    r"(?:(?i:điện thoại|hotline|đường dây nóng|số máy|gọi(?:\s+(?:ngay|ngay cho|đến|tới|vào))?(?:\s+số)?|tổng đài)"
    r"|ĐT|SĐT)\s*:?\s*$"
)
# The emergency numbers (111 child protection, 112 rescue, 113 police, 114 fire, 115 ambulance) after
# "số" or a few words after "gọi" are read digit by digit ("qua số 113", "gọi cứu hộ 112"), not in "nhà số 113".
_EMERGENCY_RE = re.compile(
    r"(?:(?<![Nn]hà )(?P<w>[Ss]ố\s+)|(?P<g>(?i:gọi)(?:\s+[^\W\d]+){0,3}\s+))(?P<n>11[1-5])(?![\w]|[.,]\d)"
    r"(?!\s+(?:người|hộ|lần|cuộc|em|khẩu|học sinh|trường hợp|ca)(?![\w]))"  # "gọi cho 115 người" is a count
)
_PHONE_GROUP_RE = re.compile(r"[ .-]")

# Vehicle plates (24B1-123.45, 29A-12345): digit by digit, letters spelled.
_PLATE_RE = re.compile(
    r"(?<![\w.,/-])(?P<a>\d{2})(?P<s>[A-ZĐ]{1,2})(?P<d>\d?)[- ](?P<b>\d{3})\.?(?P<c>\d{2})(?![\w]|[.,]\d)"
)
# Influenza strains: "A/H5N1" is "a hát năm en một", not "A or H5N1".
_STRAIN_RE = re.compile(r"(?<![\w/])(?P<a>[AB])/(?P<b>H\d{1,2}N\d{1,2})(?![\w])")
# "hoạt động 24/7" is round the clock, not the 24th of July.
_ROUND_THE_CLOCK_RE = re.compile(
    r"(?P<w>(?i:hoạt động|trực|phục vụ|làm việc|mở cửa|tiếp nhận|túc trực))\s+24/7(?![\w/]|[.,]\d)"
)
# Road numbers: ĐT.152 (provincial road), ĐH.15 (district road), before "ĐT" is read as a phone.
ROADS = {"ĐT": "đường tỉnh", "ĐH": "đường huyện"}
_ROAD_RE = re.compile(r"(?<![\w])(?P<pre>[Đđ]ường\s+)?(?P<r>ĐT|ĐH)[.\s]?(?=\d{1,3}(?![\d.,]))")

# --- units, money, percent -------------------------------------------------------------------
_NEGATIVE_RE = re.compile(r"(?<![\w)])[-−–](?=\d[\d,]*\s*(?:°|℃|độ))")
_PLUS_RE = re.compile(r"\+(?:(?<=\d\+)|(?<=\d \+))\s*(?=\d)")
_UNIT_RE = re.compile(
    r"(?<=\d)\s?(?P<u>" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?![\w²³])"
)
_DEGREE_C_RE = re.compile(r"(?<=độ)\s+C(?![\w])")
_CURRENCY_RE = re.compile(r"(?<=\d)\s?(?:đồng|đ|₫|VNĐ|VND|vnđ)(?![\w])")
_DOLLAR_RE = re.compile(r"\$\s?(?P<n>\d[\d.,]*\d|\d)")
_MULTIPLIER_RE = re.compile(r"(?<=\d)(?P<u>k|tr)(?![\w])")
_PERCENT_RE = re.compile(r"%")
_PERMILLE_RE = re.compile(r"‰")
_PER_RE = re.compile(
    r"/\s*(?P<u>" + "|".join(re.escape(u) for u in sorted(PER_UNITS, key=len, reverse=True)) + r")(?![\w])"
)
_DIGIT_RE = re.compile(r"\d")
_DIGITS = frozenset("0123456789")
_ROMAN_LETTERS = frozenset("IVXLCDM")

# --- ordinals and Roman numerals in context ----------------------------------------------------
_ROMAN_RE = re.compile(r"[IVXLCDM](?<!\w[IVXLCDM])[IVXLCDM]*+(?![\w])")
_ROMAN_CONTEXT_RE = re.compile(
    r"(?<![\w])(?i:lần thứ|kỳ họp thứ|thứ|khóa|khoá|đại hội|thế kỷ|thế kỉ|quý|phần|chương|mục|đợt|"
    r"giai đoạn|hạng|loại|vòng|quân khu|khu vực|tập|cấp độ|hội nghị trung ương)\s+$"
)
# "quý II/2026", "đợt I/2025": a Roman period number and its year (only I, V, X: no letter code is made of them).
_ROMAN_YEAR_RE = re.compile(r"(?<![\w/])(?P<r>[IVX]{1,4})/(?P<y>(?:19|20)\d\d)(?![\w/])")
# Abbreviations joined by hyphens, slashes or "&" ("TN-MT", "LĐ-TB&XH", "VH-TT&TT"), read as one when the
# lexicon knows the whole or its parts run together ("TNMT"); otherwise each part is read as before.
_JOINED_RE = re.compile(rf"(?<![\w/&-]){_UPPER_CLASS}++(?:[-/&]{_UPPER_CLASS}++)++(?![\w/&-])")
_JOIN_SEPARATORS_RE = re.compile(r"[-/&]")
# A capital letter naming a place or a group ("khu B", "tổ dân phố A", "loại C", "lô D") is spelled the
# Vietnamese way ("bê"); elsewhere a lone capital is a name or a word ("Nguyễn Văn A", "Y tế") and stays.
_LONE_LETTER_RE = re.compile(
    r"(?<![\w])(?P<w>(?i:khu|tiểu khu|phân khu|tổ|đội|lớp|nhóm|loại|hạng|lô|dãy|tầng|cổng|điểm|khối|ô|ấp|xóm|"
    r"đợt|ca|khu vực|nhà|block|mẫu|phương án|tuyến|vùng|cấp|trường|dãy nhà|khu phố))"
    rf"\s+(?P<l>{_UPPER_CLASS})(?![\w'’-]|\.\w)"
)
_ORDINAL_RE = re.compile(rf"(?P<w>(?i:thứ))(?<!\w...)\s+(?P<n>\d{{1,3}}){_NOT_AFTER_NUMBER}")

# --- plain numbers ---------------------------------------------------------------------------
_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+(?:,\d+)?)"
_RANGE_RE = re.compile(rf"(?<![\w.,/])(?P<a>{_NUM})\s*[-–—]\s*(?P<b>{_NUM}){_NOT_AFTER_NUMBER}")
_FRACTION_RE = re.compile(rf"(?<![\w.,/])(?P<a>\d+)/(?P<b>\d+){_NOT_AFTER_NUMBER}")
_NUMBER_RE = re.compile(r"(?<![\w])(?:\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+,\d+|\d+\.\d+|\d+)")
_ANY_DIGITS_RE = re.compile(r"\d+")
_ALNUM_RE = re.compile(r"(?<![\w])(?:[A-Za-zĐđ]+\d+|\d+[A-Za-zĐđ]+)[A-Za-zĐđ\d]*(?![\w])")
_RUNS_RE = re.compile(r"\d+|[^\d]+")
_CAPS_RE = re.compile(rf"{_UPPER_CLASS}(?<!\w{_UPPER_CLASS}){_UPPER_CLASS}++(?![\w])")

# --- punctuation -----------------------------------------------------------------------------
_END_MARK_RE = re.compile(r"\.\s*/\s*\.")
_TRAILING_SLASH_TOKEN_RE = re.compile(r"\s/[^\W\d_]{1,4}\s*$")
_QUOTE_CHARS = frozenset("\"“”„‟«»‹›'‘’`")
_QUOTES_RE = re.compile(r"[\"“”„‟«»‹›]|['‘’`](?:(?<!\w.)|(?!\w))")
_BRACKETS_RE = re.compile(r"[()\[\]{}]")
_ELLIPSIS_RE = re.compile(r"(?:\.{3,}+|…)++")
_NEXT_VISIBLE_RE = re.compile(r"\s*(\S)")
_WHITESPACE_RE = re.compile(r"\s+")
_WORD_SLASH_RE = re.compile(r"/(?:(?<=\w/)|(?<=\w /))\s*(?=\w)")
_STRAY_SLASH_RE = re.compile(r"/")
_COLON_RE = re.compile(r":\s*")
# Text reaching these passes has single spaces; every pattern starts with a literal character.
_DASH_COMMA_RE = re.compile(r",\s?[-–—]++\s?|[-–—](?<![-–—][-–—])[-–—]*+\s?,\s?")
_SPACED_DASH_RE = re.compile(r" [-–—]++ ?|[–—](?<![–—][–—])[–—]*+ ")
_INNER_HYPHEN_RE = re.compile(r"[-–](?<=\w[-–])(?=\w)")
_INNER_DOT_RE = re.compile(r"\.(?<=[^\W\d_]\.)(?=[^\W\d_])")
_LEADING_DASHES = "-–— "
_SYMBOL_WORDS = {
    "&": " và ",
    "=": " bằng ",
    "≈": " khoảng ",
    "~": " khoảng ",
    "≥": " lớn hơn hoặc bằng ",
    "≤": " nhỏ hơn hoặc bằng ",
    ">": " lớn hơn ",
    "<": " nhỏ hơn ",
    "×": " nhân ",
    "→": " đến ",
    "@": " a còng ",
    "|": ", ",
    "+": " ",
}
_SYMBOLS_RE = re.compile("|".join(re.escape(s) for s in _SYMBOL_WORDS))
_UNREADABLE_RE = re.compile(r"[^\w\s.,;:!?']|_")  # an apostrophe inside a word stays: "user's"

# Capital codes the lexicon does not know and the reader had to spell (or leave to the voice), collected
# while a caller (tts.normalizer.unknown_terms) asks for them: per thread and task, the expander is shared.
SPELLED: ContextVar[list[str] | None] = ContextVar("spelled_codes", default=None)


def _note_spelled(token: str) -> None:
    found = SPELLED.get()
    if found is not None and sum(ch.isalpha() for ch in token) >= 2 and token not in found:
        found.append(token)


_ORGAN_WORDS = frozenset({"TU", "HU", "ĐU", "HĐND", "UBND", "Thị", "Thành", "Tỉnh", "Huyện", "Đảng", "Quận", "Ủy"})
_NEXT_WORD_RE = re.compile(r"[\s.:]*([^\W\d_]+)")


class Expander:
    """Rewrites one block's text for a given lexicon and regional number style."""

    def __init__(self, lexicon: Mapping[str, str], zero_tens: str, thousand: str) -> None:
        self.lexicon = dict(lexicon)
        self.keys = frozenset(self.lexicon)
        self._num = {"zero_tens": zero_tens, "thousand": thousand}
        alternatives = []
        for key in sorted(self.lexicon, key=lambda k: (-len(k), k)):
            pattern = re.escape(key)
            if key.endswith("."):
                # "TP. Lào Cai" is an abbreviation, a sentence-final "TP." is "TP" and a full stop.
                pattern += r"(?=[ \t]*[^\W_])"
            alternatives.append(pattern)
        # The expression starts with the keys themselves so the regex engine can skip ahead to
        # their first letters; the word boundary before a key is checked in _abbreviation.
        self._lexicon_re = re.compile("(?:" + "|".join(alternatives) + r")(?![\w])") if alternatives else None
        phrases = sorted(PHRASES, key=lambda k: (-len(k), k))
        self._phrase_re = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in phrases) + r")(?![\w])") \
            if phrases else None

    # --- numbers --------------------------------------------------------------------------
    def cardinal(self, n: int) -> str:
        return read_cardinal(n, **self._num)

    def number(self, token: str) -> str:
        """ "1.500.000", "12,5", "2.5", "01" as written in Vietnamese text."""
        if "," in token:
            integer, fraction = token.split(",", 1)
            return read_decimal(integer, fraction, **self._num)
        if "." in token:
            parts = token.split(".")
            if all(len(p) == 3 for p in parts[1:]) and len(parts[0]) <= 3:
                return read_integer_string(token, **self._num)
            return read_decimal(parts[0], "".join(parts[1:]), separator="chấm", **self._num)
        if token.startswith("0") and len(token) >= 4:
            return read_digits(token)  # codes and account numbers, not quantities
        return read_integer_string(token, **self._num)

    # --- passes ---------------------------------------------------------------------------
    def expand(self, text: str, lexicon: Mapping[str, str] | None = None) -> str:
        lex = self.lexicon if lexicon is None else lexicon
        # Each pass runs only when the block has the characters it looks for: most blocks have no
        # digits, addresses or dashes, and skipping those passes is most of the speed.
        chars = set(text)
        if "/" in chars:
            text = _END_MARK_RE.sub(".", text)
            text = _TRAILING_SLASH_TOKEN_RE.sub("", text)
        if "(" in chars:
            text = _DEFINITION_RE.sub(lambda m: _drop_definition(m, lex), text)
        if "@" in chars:
            text = _EMAIL_RE.sub(lambda m: " " + read_address(m.group()) + " ", text)
        if "." in chars and _URL_HINT_RE.search(text):
            text = _URL_RE.sub(lambda m: " " + read_address(m.group()) + " ", text)
        has_digit = not chars.isdisjoint(_DIGITS)
        if has_digit:
            text = self._codes_with_digits(text, chars)
        if has_digit and "/" in chars:
            text = _ROMAN_YEAR_RE.sub(self._roman_year, text)
        if has_digit or "/" in chars:
            text = _SO_COLON_RE.sub(r"\1 ", text)
            text = _SYMBOL_RE.sub(lambda m: self._symbol(m, lex), text)
        if has_digit:
            text = self._numeric(text, chars)
        if not chars.isdisjoint(_ROMAN_LETTERS):
            text = _ROMAN_RE.sub(self._roman, text)
        if self._phrase_re is not None:
            text = self._phrase_re.sub(lambda m: PHRASES[m.group()], text)
        if not chars.isdisjoint("-/&"):
            text = _JOINED_RE.sub(lambda m: self._joined(m, lex), text)
        if self._lexicon_re is not None:
            text = self._lexicon_re.sub(lambda m: self._abbreviation(m, lex), text)
        if has_digit:
            text = _ALNUM_RE.sub(lambda m: self._alnum(m.group(), lex), text)
            text = _RANGE_RE.sub(lambda m: self.number(m["a"]) + " đến " + self.number(m["b"]), text)
            text = _FRACTION_RE.sub(lambda m: self.number(m["a"]) + " trên " + self.number(m["b"]), text)
            text = _NUMBER_RE.sub(lambda m: self.number(m.group()), text)
            text = _ANY_DIGITS_RE.sub(lambda m: self.number(m.group()), text)  # digits glued to letters
        text = _CAPS_RE.sub(self._caps, text)
        text = _LONE_LETTER_RE.sub(lambda m: m["w"] + " " + letter_name(m["l"]), text)
        return self._punctuation(text, chars)

    def _codes_with_digits(self, text: str, chars: set[str]) -> str:
        """Number plates, virus strains, road numbers and "24/7": read before dates and symbols see them."""
        if not chars.isdisjoint("-. "):
            text = _PLATE_RE.sub(lambda m: f" {self._phone_digits(m['a'])} {spell(m['s'])}"
                                           f" {self._phone_digits(m['d'])}, {self._phone_digits(m['b'])},"
                                           f" {self._phone_digits(m['c'])} ", text)
        if "/" in chars:
            text = _STRAIN_RE.sub(lambda m: f"{letter_name(m['a'])} {m['b']}", text)
            text = _ROUND_THE_CLOCK_RE.sub(lambda m: m["w"] + " hai mươi tư trên bảy", text)
        if "Đ" in chars:
            # "Đường ĐH 15": the road word is said once
            text = _ROAD_RE.sub(lambda m: (m["pre"] + ROADS[m["r"]].split()[1] if m["pre"] else ROADS[m["r"]]) + " ",
                                text)
        return text

    def _numeric(self, text: str, chars: set[str]) -> str:
        """Dates, times, phone numbers, units, money and ordinals: the passes that need digits."""
        text = _DATE_RANGE_RE.sub(self._date_range, text)
        text = _DAY_SPAN_RE.sub(self._day_span, text)
        text = _DATE_RE.sub(lambda m: self._date(m, ""), text)
        text = _MONTH_SPAN_YEAR_RE.sub(lambda m: f"{m['w']} {read_month(int(m['m1']))} đến tháng "
                                       f"{read_month(int(m['m2']))} năm {self.cardinal(int(m['y']))}", text)
        text = _MONTH_YEAR_RE.sub(self._month_year, text)
        text = _MONTH_RE.sub(self._month, text)
        text = _TIME_RANGE_RE.sub(self._time_range, text)
        text = _TIME_RE.sub(self._time, text)
        text = _ZERO_MINUTES_RE.sub("", text)
        text = _PHONE_RE.sub(self._phone, text)
        text = _EMERGENCY_RE.sub(lambda m: (m["w"] or m["g"]) + self._phone_digits(m["n"]), text)
        text = _PHONE_CONTEXT_RE.sub(self._phone_after_word, text)
        if not chars.isdisjoint("-−–"):
            text = _NEGATIVE_RE.sub("âm ", text)
        if "+" in chars:
            text = _PLUS_RE.sub(" cộng ", text)
        if "/" in chars:
            text = _PER_RE.sub(self._per, text)
        text = _UNIT_RE.sub(lambda m: " " + UNITS[m["u"]], text)
        if "C" in chars:
            text = _DEGREE_C_RE.sub(" xê", text)
        text = _CURRENCY_RE.sub(" đồng", text)
        if "$" in chars:
            text = _DOLLAR_RE.sub(lambda m: m["n"] + " đô la", text)
        text = _MULTIPLIER_RE.sub(lambda m: " " + (self._num["thousand"] if m["u"] == "k" else "triệu"), text)
        if "%" in chars:
            text = _PERCENT_RE.sub(" phần trăm", text)
        if "‰" in chars:
            text = _PERMILLE_RE.sub(" phần nghìn", text)
        return _ORDINAL_RE.sub(lambda m: m["w"] + " " + read_ordinal(int(m["n"]), **self._num), text)

    def _symbol(self, m: re.Match[str], lex: Mapping[str, str]) -> str:
        codes = _CODE_SPLIT_RE.split(m["codes"])
        sep = m["sep"]
        if sep is not None and sep != "/" and len(codes) < 2:
            return m.group()  # "5-CT" alone is not a symbol; party symbols are "08-CT/TU"
        parts: list[str] = []
        if m["num"] is not None:
            spoken = self.number(m["num"].lstrip("0") or "0")
            if m["year"]:
                spoken += " năm " + self.cardinal(int(m["year"]))
            parts.append(spoken)
        kind = DOCUMENT_TYPES.get(codes[0])
        if kind is not None:
            codes = codes[1:]
            before = m.string[max(0, m.start() - 40) : m.start()].casefold()
            if kind.casefold() not in before:
                parts.append(kind)
        parts += self._codes([code for code in codes if code], lex, desks=True)
        spoken = ", ".join(parts)
        if m["num"] is None:
            spoken = ", " + spoken
        if _FOLLOWED_BY_WORD_RE.match(m.string, m.end()):
            spoken += ","
        return spoken

    def _codes(self, codes: list[str], lex: Mapping[str, str], *, desks: bool = False) -> list[str]:
        """The issuers of a symbol; neighbours that the lexicon knows together are read as one
        ("QĐ-LĐ-TBXH": "LĐ" + "TBXH" is "LĐTBXH", Lao động, Thương binh và Xã hội). With `desks`
        (a document symbol), a code after the first that the lexicon does not know may be the
        drafting desk (88/UBND-NN: the agriculture desk)."""
        spoken: list[str] = []
        i = 0
        while i < len(codes):
            for j in range(len(codes), i + 1, -1):
                joined = self._known_join(codes[i:j], lex)
                if joined is not None:
                    spoken.append(joined)
                    i = j
                    break
            else:
                code = codes[i]
                desk = DOCUMENT_DESKS.get(code) if desks and i > 0 and code not in lex else None
                spoken.append(desk or self._code(code, lex))
                i += 1
        return spoken

    @staticmethod
    def _known_join(parts: list[str], lex: Mapping[str, str]) -> str | None:
        for candidate in ("-".join(parts), "&".join(parts), "".join(parts)):
            if candidate in lex:
                return lex[candidate]
        return None

    def _joined(self, m: re.Match[str], lex: Mapping[str, str]) -> str:
        token = m.group()
        if token in lex:
            return lex[token]
        parts = _JOIN_SEPARATORS_RE.split(token)
        whole = "".join(parts)
        if whole in lex:
            return lex[whole]
        if "/" in token:
            return token  # "UBND/HĐND": one or the other, read by the later passes
        spoken = self._codes(parts, lex)
        if len(spoken) == len(parts):
            return token  # nothing read together: the later passes read each part
        return ", ".join(spoken)

    def _roman_year(self, m: re.Match[str]) -> str:
        value = roman_to_int(m["r"])
        if value is None:
            return m.group()
        return f"{self.cardinal(value)} năm {m['y']}"

    def _code(self, code: str, lex: Mapping[str, str]) -> str:
        if code in lex:
            return lex[code]
        qh = _QH_RE.fullmatch(code)
        if qh:
            return "Quốc hội khóa " + self.cardinal(int(qh.group(1)))
        return self._alnum(code, lex)

    def _alnum(self, token: str, lex: Mapping[str, str]) -> str:
        words = []
        for run in _RUNS_RE.findall(token):
            if run.isdigit():
                words.append(self.number(run))
            elif run in lex:
                words.append(lex[run])
            elif run.isupper() or not is_syllable(run):
                if run.isupper():
                    _note_spelled(run)
                words.append(spell(run))
            else:
                words.append(run)
        return " ".join(words)

    def _date(self, m: re.Match[str], p: str) -> str:
        day, month = int(m[p + "d"]), int(m[p + "m"])
        year = int(m[p + "y"]) if m[p + "y"] else None
        if not is_valid_date(day, month, year) or (year is None and m[p + "s"] != "/"):
            return m.group() if not p else ""
        pre = m[p + "pre"]
        if not p and not pre and year is None and self._is_fraction(m):
            return f"{self.number(m['d'])} trên {self.number(m['m'])}"
        spoken = read_date(day, month, year, day_word="", **self._num)
        if pre:
            return " ".join(pre.split()) + " " + spoken
        if _DAY_NAMED_BEFORE_RE.search(m.string, max(0, m.start() - 60), m.start()):
            return spoken  # "các ngày 10, 11 và 12/7", "Ngày Quốc khánh 2/9": "ngày" is said already
        return "ngày " + spoken

    @staticmethod
    def _is_fraction(m: re.Match[str]) -> bool:
        """ "đạt 9/10 tiêu chí", "tỷ lệ 1/2" are fractions, not the 9th of October."""
        if _FRACTION_BEFORE_RE.search(m.string, max(0, m.start() - 12), m.start()):
            return True
        return _FRACTION_AFTER_RE.match(m.string, m.end()) is not None

    def _date_range(self, m: re.Match[str]) -> str:
        first, second = self._date(m, "a"), self._date(m, "b")
        if not first or not second:
            return m.group()  # not two dates: the single-date pass reads what is a date
        return f"{first} đến {second}"

    def _day_span(self, m: re.Match[str]) -> str:
        d1, d2, month = int(m["d1"]), int(m["d2"]), int(m["m"])
        year = int(m["y"]) if m["y"] else None
        if not (d1 < d2 and is_valid_date(d1, month, year) and is_valid_date(d2, month, year)):
            return m.group()
        pre = " ".join(m["pre"].split()) if m["pre"] else "ngày"
        tail = read_date(d2, month, year, day_word="", **self._num)
        return f"{pre} {self.cardinal(d1)} đến {tail}"

    def _month_year(self, m: re.Match[str]) -> str:
        month = int(m["m"])
        if not 1 <= month <= 12:
            return m.group()
        pre = m["pre"].strip() if m["pre"] else "tháng"
        return f"{pre} {read_month(month)} năm {self.cardinal(int(m['y']))}"

    def _month(self, m: re.Match[str]) -> str:
        spoken = f"{m['w']} {read_month(int(m['m']))}"
        if m["m2"]:
            spoken += f" đến tháng {read_month(int(m['m2']))}"
        return spoken

    @staticmethod
    def _time_values(m: re.Match[str], p: str) -> tuple[int, int, int] | None:
        if m[p + "h"] is not None:
            hour, minute, second = int(m[p + "h"]), int(m[p + "min"]), 0
        elif m[p + "hh"] is not None:
            hour, minute, second = int(m[p + "hh"]), 0, 0
        else:
            hour, minute = int(m[p + "ch"]), int(m[p + "cm"])
            second = int(m[p + "cs"]) if m[p + "cs"] else 0
        return (hour, minute, second) if is_valid_time(hour, minute, second) else None

    def _time(self, m: re.Match[str]) -> str:
        values = self._time_values(m, "")
        if values is None:
            # "25:99" is no time: read its numbers as they are.
            return " ".join(self.number(n) for n in re.findall(r"\d+", m.group()))
        return self._read_time(values)

    def _read_time(self, values: tuple[int, int, int]) -> str:
        hour, minute, second = values
        return read_time(hour, minute, second, **self._num)

    def _time_range(self, m: re.Match[str]) -> str:
        first, second = self._time_values(m, "a"), self._time_values(m, "b")
        if first is None or second is None:
            return m.group()
        return self._read_time(first) + " đến " + self._read_time(second)

    def _phone_digits(self, phone: str) -> str:
        groups = [g for g in _PHONE_GROUP_RE.split(phone) if g]
        if len(groups) == 1 and len(groups[0]) >= 9:
            digits = groups[0]
            cut = (4, 7) if len(digits) == 10 else (4, 8) if len(digits) == 11 else (3, 6)
            groups = [digits[: cut[0]], digits[cut[0] : cut[1]], digits[cut[1] :]]
        return ", ".join(read_digits(g) for g in groups)

    def _phone(self, m: re.Match[str]) -> str:
        phone = m["p"]
        plus = phone.startswith("+")
        digits = sum(ch.isdigit() for ch in phone)
        if not (11 <= digits <= 12 if plus else 10 <= digits <= 11):
            return m.group()
        if plus:
            return "cộng " + self._phone_digits(phone[1:])
        return self._phone_digits(phone)

    def _per(self, m: re.Match[str]) -> str:
        """ "đồng/tháng" after a number is "đồng một tháng"; "xã/năm" without one is left alone."""
        text, start = m.string, m.start()
        before = text[start - 2] if start >= 2 and text[start - 1] == " " else text[start - 1] if start else ""
        if not (before.isalpha() or before in "%‰") or not _DIGIT_RE.search(text, max(0, start - 40), start):
            return m.group()
        return " một " + UNITS.get(m["u"], m["u"])

    def _phone_after_word(self, m: re.Match[str]) -> str:
        if _PHONE_WORD_RE.search(m.string, max(0, m.start() - 30), m.start()) is None:
            return m.group()
        return self._phone_digits(m.group())

    def _roman(self, m: re.Match[str]) -> str:
        """A Roman numeral after "lần thứ", "khóa", "Đại hội", "thế kỷ" ...; elsewhere left alone."""
        context = _ROMAN_CONTEXT_RE.search(m.string, max(0, m.start() - 30), m.start())
        value = roman_to_int(m.group())
        if context is None or value is None:
            return m.group()
        if context.group().rstrip().casefold().endswith("thứ"):
            return read_ordinal(value, **self._num)
        return self.cardinal(value)

    def _abbreviation(self, m: re.Match[str], lex: Mapping[str, str]) -> str:
        text, start, end = m.string, m.start(), m.end()
        before = text[start - 1] if start else ""
        if before and (before.isalnum() or before == "_"):
            return m.group()  # inside a word: "xUBND" is no abbreviation
        key = m.group()
        spoken = lex[key]
        if key in ("TT", "TT.") and spoken == DEFAULT_LEXICON.get(key):
            spoken = self._tt(m)
        # "Báo cáo-VBĐT", "TĐKT-Sở": a hyphen glued to an abbreviation separates two names; the
        # hyphen stays and the dash clean-up turns ", -" into a single pause.
        if before in ("-", "–") and start >= 2 and text[start - 2].isalpha():
            spoken = ", " + spoken
        if end + 1 < len(text) and text[end] in "-–" and text[end + 1].isalpha() and not text[end + 1].isdigit():
            spoken += ", "
        return spoken

    @staticmethod
    def _tt(m: re.Match[str]) -> str:
        """TT before an organ (TT Thành ủy, TT: HĐND) is "Thường trực"; before a name, "Trung tâm"."""
        following = _NEXT_WORD_RE.match(m.string, m.end())
        if following is None:
            return "Thường trực"
        word = following.group(1)
        if word in _ORGAN_WORDS or not word[0].isupper():
            return "Thường trực"
        return "Trung tâm"

    def _caps(self, m: re.Match[str]) -> str:
        token = m.group()
        if is_syllable(token):
            return token.lower()
        _note_spelled(token)
        if len(token) <= 5:
            return spell(token)
        return token  # a long acronym or an English word in capitals: left to the voice

    @staticmethod
    def _punctuation(text: str, chars: set[str]) -> str:
        if not chars.isdisjoint(_QUOTE_CHARS):
            text = _QUOTES_RE.sub("", text)
        # Single spaces from here on: removed characters can leave long blank runs.
        text = _WHITESPACE_RE.sub(" ", text)
        if not chars.isdisjoint("()[]{}"):
            text = _BRACKETS_RE.sub(", ", text)
        if "." in chars or "…" in chars:
            text = _ELLIPSIS_RE.sub(_ellipsis, text)
            text = _INNER_DOT_RE.sub(" ", text)
        if "/" in chars:
            text = _WORD_SLASH_RE.sub(" hoặc ", text)
            text = _STRAY_SLASH_RE.sub(" ", text)
        if ":" in chars:
            text = _COLON_RE.sub(_colon, text)
        if not chars.isdisjoint("-–—"):
            text = _DASH_COMMA_RE.sub(", ", text.lstrip(_LEADING_DASHES))
            text = _SPACED_DASH_RE.sub(", ", text)
            text = _INNER_HYPHEN_RE.sub(" ", text)
        if not chars.isdisjoint(_SYMBOL_WORDS):
            text = _SYMBOLS_RE.sub(lambda m: _SYMBOL_WORDS[m.group()], text)
        return _WHITESPACE_RE.sub(" ", _UNREADABLE_RE.sub(" ", text))


def _drop_definition(m: re.Match[str], lex: Mapping[str, str]) -> str:
    """Drop a parenthesis that only repeats, as abbreviations, what the text just said."""
    keys = [k for k in _KEY_SPLIT_RE.split(m["keys"]) if k]
    if len(keys) == 1 and keys[0] not in lex and _FOREIGN_ACRONYM_RE.fullmatch(keys[0]) and m.start() > 0:
        return ""  # "dịch tả lợn châu Phi (ASF)": the English acronym of what was just said
    if not keys or any(k not in lex for k in keys):
        return m.group()
    before = m.string[max(0, m.start() - 200) : m.start()].casefold()
    if all(lex[k].casefold() in before for k in keys):
        return ""
    return m.group()


def _ellipsis(m: re.Match[str]) -> str:
    """ "..." ends a sentence before a capital or at the end; inside a list it is a pause."""
    before = m.string[max(0, m.start() - 8) : m.start()].rstrip()
    if before and before[-1] in ",;:.!?":
        return ""
    following = _NEXT_VISIBLE_RE.match(m.string, m.end())
    if following is None or following.group(1).isupper():
        return "."
    if following.group(1) in ".;!?,":
        return ""
    return ","


def _colon(m: re.Match[str]) -> str:
    return "" if m.end() == len(m.string) else ", "


@lru_cache(maxsize=64)
def _cached_expander(items: tuple[tuple[str, str], ...], zero_tens: str, thousand: str) -> Expander:
    return Expander(dict(items), zero_tens, thousand)


_DEFAULT_EXPANDERS: dict[tuple[str, str], Expander] = {}


def expander_for(lexicon: Mapping[str, str] | None, zero_tens: str, thousand: str) -> Expander:
    """A compiled expander, built once per lexicon content and number style."""
    if lexicon is None or lexicon is DEFAULT_LEXICON:
        key = (zero_tens, thousand)
        found = _DEFAULT_EXPANDERS.get(key)
        if found is None:
            found = _DEFAULT_EXPANDERS[key] = Expander(DEFAULT_LEXICON, zero_tens, thousand)
        return found
    return _cached_expander(tuple(sorted(lexicon.items())), zero_tens, thousand)
