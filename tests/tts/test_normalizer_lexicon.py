"""The editable lexicon: default table, validation, per-area overrides and regional number style."""

import pytest

from tts.lexicon import DEFAULT_LEXICON, DOCUMENT_TYPES, LETTER_NAMES, merged, validate_entry
from tts.normalizer import NormalizeError, NormalizeOptions, normalize

REQUIRED_ABBREVIATIONS = [
    "UBND", "HĐND", "MTTQ", "MTTQVN", "TĐKT", "LĐLĐ", "ĐHTT", "NTVT", "TTĐT", "CNVCLĐ", "BCH", "TW", "TU",
    "TP", "TX", "KH", "VHTT", "TTTT", "STTTT", "SNV", "PTTH", "VT", "NV", "CV", "LĐVP", "HĐTĐKT", "BTĐKT",
    "PTĐKT", "TT", "KT.", "TM.", "V/v", "đ/c", "FB", "MNPB", "VBĐT", "TĐ",
]  # fmt: skip


@pytest.mark.parametrize("term", REQUIRED_ABBREVIATIONS)
def test_default_lexicon_has_the_seed_abbreviations(term: str) -> None:
    assert DEFAULT_LEXICON[term]
    validate_entry(term, DEFAULT_LEXICON[term])


def test_default_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT_LEXICON["UBND"] = "x"  # type: ignore[index]
    assert DOCUMENT_TYPES["KH"] == "kế hoạch"
    assert DOCUMENT_TYPES["CV"] == "công văn"
    assert LETTER_NAMES["G"] == "giê"


@pytest.mark.parametrize(
    ("term", "spoken", "message"),
    [
        ("", "gì đó", "trống"),
        ("   ", "gì đó", "trống"),
        ("UB ND", "ủy ban", "khoảng trắng"),
        ("X" * 41, "ích", "quá dài"),
        ("123", "một hai ba", "chữ cái"),
        ("UBND", "", "trống"),
        ("UBND", "  ", "trống"),
        ("UBND", "ủy ban số 1", "chữ số"),
        ("UBND", "a" * 201, "quá dài"),
        ("UBND", "ủy <ban>", "không đọc được"),
        ("UB\x00ND", "ủy ban", "điều khiển"),
    ],
)
def test_bad_entries_are_refused_in_vietnamese(term: str, spoken: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_entry(term, spoken)


def test_merged_lays_overrides_over_the_default() -> None:
    lexicon = merged({"UBND": "Ủy ban", "HTX": "hợp tác xã nông nghiệp", "ABC": "a bê xê"})
    assert lexicon["UBND"] == "Ủy ban"
    assert lexicon["ABC"] == "a bê xê"
    assert lexicon["HĐND"] == DEFAULT_LEXICON["HĐND"]
    assert DEFAULT_LEXICON["UBND"] == "Ủy ban nhân dân"  # the default is untouched
    assert merged(None) == dict(DEFAULT_LEXICON)


def test_merged_refuses_a_bad_override() -> None:
    with pytest.raises(ValueError, match="chữ số"):
        merged({"UBND": "ủy ban 2"})


@pytest.mark.parametrize(
    ("overrides", "text", "expected"),
    [
        ({"UBND": "Ủy ban"}, "UBND xã họp", "Ủy ban xã họp"),
        ({"HTX": "hợp tác xã nông nghiệp"}, "HTX Tân Tiến", "Hợp tác xã nông nghiệp Tân Tiến"),
        ({"BQLDA": "Ban Quản lý dự án"}, "BQLDA huyện", "Ban Quản lý dự án huyện"),
        ({"TU": "Thành ủy"}, "08-CT/TU của Tỉnh ủy", "Tám, chỉ thị, Thành ủy, của Tỉnh ủy"),
        ({"TT": "Trung tâm"}, "TT: TU", "Trung tâm, Tỉnh ủy"),
        ({"Tân-Tiến": "Tân Tiến"}, "xã Tân-Tiến", "Xã Tân Tiến"),
    ],
)
def test_overrides_change_the_reading(overrides: dict[str, str], text: str, expected: str) -> None:
    assert normalize(text, lexicon=merged(overrides)).text == expected


def test_a_given_lexicon_replaces_the_default() -> None:
    # Without UBND in the table, the code is spelled letter by letter.
    assert normalize("UBND xã", lexicon={"ABC": "a bê xê"}).text == "U bê en đê xã"
    assert normalize("ABC", lexicon={"ABC": "a bê xê"}).text == "A bê xê"
    assert normalize("UBND xã", lexicon={}).text == "U bê en đê xã"


def test_same_lexicon_twice_gives_the_same_reading() -> None:
    first = normalize("HTX Tân Tiến", lexicon=merged({"HTX": "hợp tác xã"}))
    second = normalize("HTX Tân Tiến", lexicon=merged({"HTX": "hợp tác xã"}))
    assert first == second


@pytest.mark.parametrize(
    ("options", "text", "expected"),
    [
        (NormalizeOptions(zero_tens="lẻ"), "105 hộ", "Một trăm lẻ năm hộ"),
        (NormalizeOptions(thousand="ngàn"), "năm 2021", "Năm hai ngàn không trăm hai mươi mốt"),
        (
            NormalizeOptions(zero_tens="lẻ", thousand="ngàn"),
            "50.000 đồng/tháng, 1005 người",
            "Năm mươi ngàn đồng một tháng, một ngàn không trăm lẻ năm người",
        ),
        (NormalizeOptions(thousand="ngàn"), "50k", "Năm mươi ngàn"),
        (NormalizeOptions(), "105 hộ, 50k", "Một trăm linh năm hộ, năm mươi nghìn"),
    ],
)
def test_regional_number_style(options: NormalizeOptions, text: str, expected: str) -> None:
    assert normalize(text, options=options).text == expected


@pytest.mark.parametrize("kwargs", [{"zero_tens": "lẽ"}, {"thousand": "ngàn đồng"}, {"zero_tens": ""}])
def test_unknown_regional_style_is_refused(kwargs: dict[str, str]) -> None:
    with pytest.raises(NormalizeError, match="không hợp lệ"):
        NormalizeOptions(**kwargs)
