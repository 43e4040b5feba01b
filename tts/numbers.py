"""Vietnamese readings of numbers, dates and times, the way a commune announcer says them.

Pure functions on already-parsed values (ints, digit strings); finding them in text is the
normalizer's job. Regional style comes in as two words: ``zero_tens`` ("linh" in the north,
"lẻ" in the south: 105 -> "một trăm linh năm") and ``thousand`` ("nghìn" or "ngàn").
"""

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MONTHS = ("", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "mười hai")
_BILLION = 1_000_000_000
# Beyond this many digits a cardinal reading helps nobody: read the digits.
MAX_CARDINAL_DIGITS = 15

_ROMAN_RE = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _below_thousand(n: int, full: bool, zero_tens: str) -> list[str]:
    """Words for 0 < n < 1000; ``full`` when a higher group precedes (1.005 -> "không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_tens)
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append("tư")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def _below_billion(n: int, full: bool, zero_tens: str, thousand: str) -> list[str]:
    words: list[str] = []
    for size, unit in ((1_000_000, "triệu"), (1000, thousand), (1, "")):
        group = n // size % 1000
        if not group:
            continue
        words += _below_thousand(group, full, zero_tens)
        if unit:
            words.append(unit)
        full = True  # every later group is read with its hundreds
    return words


def _cardinal_words(n: int, full: bool, zero_tens: str, thousand: str) -> list[str]:
    if n >= _BILLION:
        head, tail = divmod(n, _BILLION)
        words = _cardinal_words(head, full, zero_tens, thousand) + ["tỷ"]
        if tail:
            words += _below_billion(tail, True, zero_tens, thousand)
        return words
    return _below_billion(n, full, zero_tens, thousand)


def read_cardinal(n: int, *, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    """2021 -> "hai nghìn không trăm hai mươi mốt"; negative numbers get "âm"."""
    if n < 0:
        return "âm " + read_cardinal(-n, zero_tens=zero_tens, thousand=thousand)
    if n == 0:
        return DIGITS[0]
    if len(str(n)) > MAX_CARDINAL_DIGITS:
        return read_digits(str(n))
    return " ".join(_cardinal_words(n, False, zero_tens, thousand))


def read_digits(digits: str) -> str:
    """Digit by digit ("0912" -> "không chín một hai"); non-digits are ignored."""
    return " ".join(DIGITS[int(c)] for c in digits if c.isdigit())


def read_integer_string(digits: str, *, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    """An integer as written, leading zeros dropped ("01" -> "một"); absurdly long ones digit by digit."""
    digits = digits.replace(".", "")
    stripped = digits.lstrip("0")
    if len(stripped) > MAX_CARDINAL_DIGITS:
        return read_digits(digits)
    return read_cardinal(int(stripped or "0"), zero_tens=zero_tens, thousand=thousand)


def read_fraction_digits(digits: str, *, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    """The part after the decimal comma: leading zeros one by one, then a number ("05" -> "không năm")."""
    stripped = digits.lstrip("0")
    words = [DIGITS[0]] * (len(digits) - len(stripped))
    if stripped:
        if len(stripped) <= 3:
            words.append(read_cardinal(int(stripped), zero_tens=zero_tens, thousand=thousand))
        else:
            words.append(read_digits(stripped))
    return " ".join(words)


def read_decimal(
    integer: str, fraction: str, *, separator: str = "phẩy", zero_tens: str = "linh", thousand: str = "nghìn"
) -> str:
    """ "12", "5" -> "mười hai phẩy năm" (Vietnamese writes a decimal comma)."""
    head = read_integer_string(integer, zero_tens=zero_tens, thousand=thousand)
    tail = read_fraction_digits(fraction, zero_tens=zero_tens, thousand=thousand)
    return f"{head} {separator} {tail}"


def read_ordinal(n: int, *, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    """The word after "thứ": 1 -> "nhất", 4 -> "tư", otherwise the cardinal."""
    if n == 1:
        return "nhất"
    if n == 4:
        return "tư"
    return read_cardinal(n, zero_tens=zero_tens, thousand=thousand)


def roman_to_int(token: str) -> int | None:
    """Value of a well-formed upper-case Roman numeral (I..MMMCMXCIX), else None."""
    if not token or not _ROMAN_RE.fullmatch(token):
        return None
    total = 0
    for i, ch in enumerate(token):
        value = _ROMAN_VALUES[ch]
        if i + 1 < len(token) and _ROMAN_VALUES[token[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


def is_valid_date(day: int, month: int, year: int | None = None) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2:
        leap = year is None or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)


def read_month(month: int) -> str:
    """Month names used after "tháng": 4 is "tư" (tháng tư), 1 is "một"."""
    return MONTHS[month]


def read_date(
    day: int | None,
    month: int,
    year: int | None = None,
    *,
    day_word: str = "ngày",
    zero_tens: str = "linh",
    thousand: str = "nghìn",
) -> str:
    """ "ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt".

    Days are plain cardinals ("ngày ba", not "mồng ba"): the administrative reading. An empty
    ``day_word`` leaves the caller's own word (e.g. "mồng") in front.
    """
    parts: list[str] = []
    if day is not None:
        if day_word:
            parts.append(day_word)
        parts.append(read_cardinal(day, zero_tens=zero_tens, thousand=thousand))
    parts += ["tháng", read_month(month)]
    if year is not None:
        parts += ["năm", read_cardinal(year, zero_tens=zero_tens, thousand=thousand)]
    return " ".join(parts)


def read_time(hour: int, minute: int = 0, second: int = 0, *, zero_tens: str = "linh", thousand: str = "nghìn") -> str:
    """6:30 -> "sáu giờ ba mươi phút"; zero minutes are not spoken ("mười bốn giờ")."""
    words = [read_cardinal(hour, zero_tens=zero_tens, thousand=thousand), "giờ"]
    if minute or second:
        words += [read_cardinal(minute, zero_tens=zero_tens, thousand=thousand), "phút"]
    if second:
        words += [read_cardinal(second, zero_tens=zero_tens, thousand=thousand), "giây"]
    return " ".join(words)


def is_valid_time(hour: int, minute: int = 0, second: int = 0) -> bool:
    return 0 <= hour <= 24 and 0 <= minute < 60 and 0 <= second < 60 and (hour < 24 or minute == second == 0)
