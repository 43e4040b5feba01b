"""Vietnamese numbers, durations and dates: the one format the pages, exports and charts share."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core import formatting
from core.formatting import minutes_text, percent_label, percent_text, vn_number


def test_vietnamese_number_format() -> None:
    assert vn_number(1234.5) == "1.234,5"
    assert vn_number(1_234_567.25, 2) == "1.234.567,25"
    assert minutes_text(90) == "1,5"
    assert percent_text(0.9725) == "97,3"
    assert minutes_text(None) == percent_text(None) == "-"


def test_rounding_is_half_up_on_the_decimal_form() -> None:
    assert vn_number(97.25) == "97,3" and vn_number(0.5, 0) == "1" and vn_number(2.5, 0) == "3"
    assert formatting.thousands(12_500) == "12.500" and formatting.thousands(999) == "999"


def test_percent_labels_and_empty_marks() -> None:
    assert percent_label(0.9725) == "97,3%" and percent_label(0) == "0,0%" and percent_label(1.235) == "123,5%"
    assert percent_label(None) == "-" and percent_label(None, empty="—") == "—"
    assert minutes_text(90_000) == "1.500,0" and minutes_text(None, empty="—") == "—"


def test_a_ratio_is_never_rounded_up_to_the_target() -> None:
    """59.8 of 60 minutes is not "100%": one decimal, and what falls short of the target never shows it."""
    assert percent_label(59.8 / 60) == "99,7%" and percent_text(59.8 / 60) == "99,7"
    assert percent_label(0.99996) == "99,9%" and percent_text(0.99996, 0) == "99"
    assert percent_label(1.0) == "100,0%" and percent_label(1.00004) == "100,0%"
    assert percent_label(0.5004) == "50,0%" and percent_label(0.50051) == "50,1%"
    assert float(formatting.shown_ratio(0.99996)) == 99.9


def test_durations_and_dates() -> None:
    assert formatting.duration_text(90_000) == "1:30" and formatting.duration_text(59_600) == "1:00"
    assert formatting.duration_text(None) == ""
    assert formatting.date_text(date(2026, 1, 5)) == "05/01/2026"
    at = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)  # 01:30 on the 22nd in Hà Nội
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    assert formatting.local_date_text(at, hanoi) == "22/11/2026"
    assert formatting.local_date_text(at, ZoneInfo("UTC")) == "21/11/2026"
    assert formatting.local_datetime_text(at, hanoi) == "22/11/2026 01:30"
    assert formatting.local_time_text(at, hanoi) == "01:30:00"


MB = 1024 * 1024


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (300, "0,3 giây"),
        (2848, "2,8 giây"),
        (45_000, "45 giây"),
        (30 * 60_000, "30 phút"),
        (125_000, "2 phút 5 giây"),
        (7_200_000, "2 giờ 0 phút"),
        (3_900_000, "1 giờ 5 phút"),
    ],
)
def test_durations_read_as_an_operator_would(ms, text):
    assert formatting.duration_words(ms) == text


def test_sizes_in_vietnamese_notation():
    assert formatting.size_text(25 * MB + MB // 2) == "25,5 MB"
    assert formatting.size_text(20 * MB) == "20 MB"


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    name = "Tuyên truyền phong trào thi đua yêu nước giai đoạn 2021-2025"
    assert formatting.shorten(name, 30) == "Tuyên truyền phong trào thi…"
    assert len(formatting.shorten(name, 30)) <= 30 and formatting.shorten(name, 100) == name
    assert formatting.shorten("Phòng chống, cháy rừng", 13) == "Phòng chống…"  # no comma before the ellipsis
    assert formatting.shorten("Một  câu\nngắn", 50) == "Một câu ngắn"
    assert formatting.shorten("Siêudàikhôngcókhoảngtrắng", 10) == "Siêudàikh…"
    assert formatting.shorten("Bản tin sáng", 8) == "Bản tin…" and formatting.shorten(None, 5) == ""


def test_document_numbers_never_look_cut() -> None:
    assert formatting.document_number("205/KH-UBND") == "205/KH-UBND"
    assert formatting.document_number(" /KH-UBND ") == "…/KH-UBND (chưa ghi số)"
    assert formatting.document_number("") == "(chưa ghi số)"


def test_formats_are_babels_vi_vn_locale():
    """The symbols come from CLDR's vi_VN through Babel: one source for every page, export and chart."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    assert (get_group_symbol("vi_VN"), get_decimal_symbol("vi_VN")) == (".", ",")
    assert formatting.vn_number(-1234567.25, 2) == "-1.234.567,25"
    assert formatting.thousands(1_000_000) == "1.000.000"
    assert formatting.size_text(1000 * 1024) == "1.000 KB"
    assert formatting.short_number(3.04) == "3"
    assert formatting.date_text(date(2026, 1, 5)) == "05/01/2026"
