"""How numbers, durations and dates read in Vietnamese, for every place that shows them.

Numbers: a dot for thousands and a comma for decimals (1.234,5), rounded half up as people and
spreadsheets do. Dates: dd/mm/yyyy, times in the deployment's zone. Both are Babel's `vi_VN` locale
(its CLDR symbols and patterns), so this is the one module that knows how Vietnamese numbers and dates
look. The web page filters, the CSV/XLSX/PDF exports, the charts and the command line all format
through these functions.
"""

from datetime import date, datetime, tzinfo
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from core.timeutil import to_local

LOCALE = Locale.parse("vi_VN")
DATE_PATTERN = "dd/MM/yyyy"  # CLDR's vi short date is d/M/yy; officials write the full dd/mm/yyyy

EMPTY = "-"  # a missing value in a document's cell


def vn_number(value: float | Decimal, decimals: int = 1) -> str:
    """Vietnamese number format: dot for thousands, comma for decimals (1.234,5).

    Rounds half up on the shortest decimal form of the float, as a spreadsheet shows it
    (97.25 prints 97,3, not the binary float's 97,2).
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def thousands(value: float) -> str:
    """A whole number with dots for thousands: 12.500 (chart axes, counts, sizes)."""
    return vn_number(value, 0)


def minutes_text(seconds: float | None, empty: str = EMPTY) -> str:
    """Seconds as minutes with one decimal: 90 -> '1,5'."""
    return empty if seconds is None else vn_number(Decimal(repr(float(seconds))) / 60)


def shown_ratio(ratio: float, decimals: int = 1) -> Decimal:
    """The ratio as a percentage with `decimals` places, never rounded up to the target (100%): 59.8 of 60
    minutes is 99,7%, and 0.99996 is 99,9%, not a "100%" shown in the not-met colour. The one rounding
    rule for every place that shows a ratio (pages, charts, CSV, XLSX, PDF)."""
    exact = Decimal(repr(float(ratio))) * 100
    step = Decimal(1).scaleb(-decimals)
    rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
    if exact < 100 <= rounded:
        rounded = exact.quantize(step, rounding=ROUND_DOWN)
    return rounded


def percent_text(ratio: float | None, decimals: int = 1, empty: str = EMPTY) -> str:
    """A ratio as a percentage number, for a column headed '(%)': 0.9725 -> '97,3'; 0.9967 -> '99,6'."""
    return empty if ratio is None else vn_number(shown_ratio(ratio, decimals), decimals)


def percent_label(ratio: float | None, empty: str = EMPTY) -> str:
    """A ratio as a percentage with one decimal and its sign, for a badge or a bar: 0.9725 -> '97,3%'."""
    return empty if ratio is None else percent_text(ratio, 1) + "%"


def duration_text(ms: float | None) -> str:
    """A clip's length as minutes:seconds: 90_000 -> '1:30'; empty when unknown."""
    if ms is None:
        return ""
    seconds = int(round(ms / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def duration_words(ms: int) -> str:
    """1 giờ 5 phút / 30 phút / 2 phút 5 giây / 0,3 giây — a length as an operator reads it in a message."""
    if ms < 60_000:
        seconds = ms / 1000
        text = short_number(seconds) if seconds < 10 else str(round(seconds))
        return f"{text} giây"
    total_s = round(ms / 1000)
    hours, rest = divmod(total_s, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} giờ {minutes} phút"
    return f"{minutes} phút" + (f" {seconds} giây" if seconds else "")


def size_text(size: int) -> str:
    """A file size: 512 KB / 25,5 MB."""
    if size < 1024 * 1024:
        return f"{thousands(size / 1024)} KB"
    return f"{short_number(size / (1024 * 1024))} MB"


def short_number(value: float) -> str:
    """At most one decimal, none when it is zero: 25,5 / 3."""
    exact = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(exact, format="#,##0.#", locale=LOCALE)


def date_text(value: date | datetime) -> str:
    """dd/mm/yyyy (a datetime's own date: convert it to local time first, see `local_date_text`)."""
    return format_date(value, DATE_PATTERN, locale=LOCALE)


def local_date_text(value: datetime, tz: tzinfo) -> str:
    """The local date of an instant, dd/mm/yyyy."""
    return date_text(to_local(value, tz))


def local_datetime_text(value: datetime, tz: tzinfo) -> str:
    """An instant as local dd/mm/yyyy HH:MM."""
    return format_datetime(to_local(value, tz), f"{DATE_PATTERN} HH:mm", locale=LOCALE)


def local_time_text(value: datetime, tz: tzinfo) -> str:
    """An instant as local HH:MM:SS."""
    return format_datetime(to_local(value, tz), "HH:mm:ss", locale=LOCALE)


def shorten(text: str | None, width: int) -> str:
    """Text cut to at most `width` characters at a word boundary, with an ellipsis: never mid-word (a single
    word longer than the width is the one exception). Pages give the whole text in a tooltip or nearby."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    head = text[:width - 1]
    if text[width - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:–-") + "…"


def document_number(number: str | None) -> str:
    """An administrative document's "Số, ký hiệu" as shown. A draft printed before it was numbered reads
    "Số: /KH-UBND": shown as "…/KH-UBND (chưa ghi số)" so it does not look like a number lost on the way."""
    number = (number or "").strip()
    if not number:
        return "(chưa ghi số)"
    if number.startswith("/"):
        return f"…{number} (chưa ghi số)"
    return number
