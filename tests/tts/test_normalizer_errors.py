"""Bad input gets a clear Vietnamese error or a sensible reading; nothing crashes or hangs."""

import time

import pytest

from tts.normalizer import MAX_INPUT_CHARS, NormalizeError, normalize


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n\t  \n",
        "...",
        "!!! ??? --- ***",
        "./.",
        "\x00\x01\x02\x1b",
        "\u200b\ufeff",
        "你好世界",
        "😀🎉",
        "§ © ®",
    ],
)
def test_nothing_to_read(text: str) -> None:
    with pytest.raises(NormalizeError, match="Văn bản trống"):
        normalize(text)


def test_too_long() -> None:
    with pytest.raises(NormalizeError, match=r"quá dài: 100\.001 ký tự, tối đa 100\.000"):
        normalize("a" * (MAX_INPUT_CHARS + 1))


@pytest.mark.parametrize("value", [None, 123, b"UBND", ["UBND"]])
def test_not_a_string(value: object) -> None:
    with pytest.raises(NormalizeError, match="chuỗi"):
        normalize(value)  # type: ignore[arg-type]


def test_error_is_a_value_error() -> None:
    assert issubclass(NormalizeError, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UBND\x00 xã\x07 họp", "Ủy ban nhân dân xã họp"),
        ("Xin chào 你好 bà con", "Xin chào bà con"),
        ("Meeting at 7h30, UBND xã", "Meeting at bảy giờ ba mươi phút, Ủy ban nhân dân xã"),
        ("Привет bà con", "Bà con"),
        ("bà con 👍 chú ý", "Bà con chú ý"),
        ("the user's own material", "The user's own material"),
    ],
)
def test_control_characters_and_foreign_scripts(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_decomposed_unicode_reads_like_composed() -> None:
    import unicodedata

    composed = "Ủy ban nhân dân tỉnh Khánh Hòa ngày 28/4/2021"
    assert normalize(unicodedata.normalize("NFD", composed)) == normalize(composed)


def test_exactly_the_maximum_is_accepted() -> None:
    text = ("Bà con chú ý. " * (MAX_INPUT_CHARS // 14 + 1))[:MAX_INPUT_CHARS]
    assert len(normalize(text).sentences) > 7000


# Inputs built to make a careless regular expression backtrack for minutes.
PATHOLOGICAL = {
    "long word": "a" * 99_999,
    "long number": "1" * 99_999,
    "dashed capitals": "/" + "A-" * 49_000 + "x",
    "en dashes": "a" + "–" * 99_998 + "a",
    "exclamations": "!" * 99_999 + "a",
    "dollars": "$" * 99_998 + "1",
    "email-like": "x@" + "a." * 49_000 + "-",
    "url-like": "https://" + "a" * 99_000,
    "dates": "11/6/2017 – " * 8_000,
    "spaced quotes": "a " + "“ " * 49_000 + "b",
    "spaced ellipses": "a " + "… " * 49_000,
    "brackets": "(" * 50_000 + "a" + ")" * 49_000,
    "roman headings": "I. " * 33_000,
    "phones": "0912 345 678 " * 7_000,
    "one line each": "a\n" * 49_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_finishes_quickly(name: str) -> None:
    text = PATHOLOGICAL[name][:MAX_INPUT_CHARS]
    start = time.perf_counter()
    spoken = normalize(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"{name}: {elapsed:.1f}s"
    assert not any(ch.isdigit() for ch in spoken.text)
