"""Readings of numbers, dates and times (tts.numbers), checked word for word."""

import pytest

from tts.numbers import (
    is_valid_date,
    is_valid_time,
    read_cardinal,
    read_date,
    read_decimal,
    read_digits,
    read_integer_string,
    read_ordinal,
    read_time,
    roman_to_int,
)

CARDINALS = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (204, "hai trăm linh bốn"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1010, "một nghìn không trăm mười"),
    (1948, "một nghìn chín trăm bốn mươi tám"),
    (2000, "hai nghìn"),
    (2017, "hai nghìn không trăm mười bảy"),
    (2021, "hai nghìn không trăm hai mươi mốt"),
    (2025, "hai nghìn không trăm hai mươi lăm"),
    (10_000, "mười nghìn"),
    (21_000, "hai mươi mốt nghìn"),
    (50_000, "năm mươi nghìn"),
    (250_000, "hai trăm năm mươi nghìn"),
    (1_000_000, "một triệu"),
    (1_000_001, "một triệu không trăm linh một"),
    (1_500_000, "một triệu năm trăm nghìn"),
    (2_000_050, "hai triệu không trăm năm mươi"),
    (3_005_000, "ba triệu không trăm linh năm nghìn"),
    (1_000_000_000, "một tỷ"),
    (1_000_000_005, "một tỷ không trăm linh năm"),
    (1_500_000_000, "một tỷ năm trăm triệu"),
    (1_000_000_000_000, "một nghìn tỷ"),
    (-5, "âm năm"),
]


@pytest.mark.parametrize(("number", "spoken"), CARDINALS)
def test_cardinal(number: int, spoken: str) -> None:
    assert read_cardinal(number) == spoken


@pytest.mark.parametrize(
    ("number", "zero_tens", "thousand", "spoken"),
    [
        (105, "lẻ", "nghìn", "một trăm lẻ năm"),
        (2021, "linh", "ngàn", "hai ngàn không trăm hai mươi mốt"),
        (1005, "lẻ", "ngàn", "một ngàn không trăm lẻ năm"),
        (50_000, "lẻ", "ngàn", "năm mươi ngàn"),
    ],
)
def test_regional_style(number: int, zero_tens: str, thousand: str, spoken: str) -> None:
    assert read_cardinal(number, zero_tens=zero_tens, thousand=thousand) == spoken


def test_absurdly_long_number_is_read_digit_by_digit() -> None:
    assert read_cardinal(10**20) == "một" + " không" * 20


@pytest.mark.parametrize(
    ("digits", "spoken"),
    [("01", "một"), ("0", "không"), ("00", "không"), ("1.500.000", "một triệu năm trăm nghìn"), ("007", "bảy")],
)
def test_integer_string(digits: str, spoken: str) -> None:
    assert read_integer_string(digits) == spoken


@pytest.mark.parametrize(
    ("integer", "fraction", "spoken"),
    [
        ("0", "5", "không phẩy năm"),
        ("12", "5", "mười hai phẩy năm"),
        ("3", "14", "ba phẩy mười bốn"),
        ("0", "05", "không phẩy không năm"),
        ("1", "25", "một phẩy hai mươi lăm"),
    ],
)
def test_decimal(integer: str, fraction: str, spoken: str) -> None:
    assert read_decimal(integer, fraction) == spoken


def test_digits() -> None:
    assert read_digits("0912") == "không chín một hai"


@pytest.mark.parametrize(("n", "spoken"), [(1, "nhất"), (2, "hai"), (4, "tư"), (7, "bảy"), (14, "mười bốn")])
def test_ordinal(n: int, spoken: str) -> None:
    assert read_ordinal(n) == spoken


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("I", 1),
        ("IV", 4),
        ("IX", 9),
        ("XIII", 13),
        ("XVI", 16),
        ("XXI", 21),
        ("MCMXLVIII", 1948),
        ("IIII", None),
        ("VX", None),
        ("", None),
        ("ABC", None),
        ("ii", None),
    ],
)
def test_roman(token: str, value: int | None) -> None:
    assert roman_to_int(token) == value


@pytest.mark.parametrize(
    ("args", "spoken"),
    [
        ((28, 4, 2021), "ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt"),
        ((3, 3, 2021), "ngày ba tháng ba năm hai nghìn không trăm hai mươi mốt"),
        ((11, 6, None), "ngày mười một tháng sáu"),
        ((None, 5, 2021), "tháng năm năm hai nghìn không trăm hai mươi mốt"),
        ((1, 1, None), "ngày một tháng một"),
        ((24, 12, None), "ngày hai mươi tư tháng mười hai"),
    ],
)
def test_date(args: tuple[int | None, int, int | None], spoken: str) -> None:
    assert read_date(*args) == spoken


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        ((29, 2, 2024), True),
        ((29, 2, 2023), False),
        ((31, 4, None), False),
        ((31, 12, 2021), True),
        ((0, 1, None), False),
        ((1, 13, None), False),
        ((29, 2, None), True),
    ],
)
def test_valid_date(args: tuple[int, int, int | None], valid: bool) -> None:
    assert is_valid_date(*args) is valid


@pytest.mark.parametrize(
    ("args", "spoken"),
    [
        ((6, 30), "sáu giờ ba mươi phút"),
        ((14, 0), "mười bốn giờ"),
        ((7, 5), "bảy giờ năm phút"),
        ((0, 15), "không giờ mười lăm phút"),
        ((23, 59, 30), "hai mươi ba giờ năm mươi chín phút ba mươi giây"),
    ],
)
def test_time(args: tuple[int, ...], spoken: str) -> None:
    assert read_time(*args) == spoken


@pytest.mark.parametrize(("args", "valid"), [((24, 0), True), ((24, 30), False), ((7, 60), False), ((25, 0), False)])
def test_valid_time(args: tuple[int, int], valid: bool) -> None:
    assert is_valid_time(*args) is valid
