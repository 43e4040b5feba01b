"""Commemorative days (our table) and statutory days off (the holidays package)."""

from datetime import date

import pytest

from campaigns import commemorations
from core.errors import Invalid


def test_the_day_of_the_call_for_patriotic_emulation():
    day = commemorations.occurrence("thi-dua-ai-quoc", 2017)
    assert day.on == date(2017, 6, 11) and day.years == 69  # "kỷ niệm 69 năm" in the Sơn Tây plan
    assert "thi đua ái quốc" in day.name


def test_next_occurrence_rolls_over_the_year():
    assert commemorations.next_occurrence("thi-dua-ai-quoc", date(2026, 11, 22)).on == date(2027, 6, 11)
    assert commemorations.next_occurrence("thi-dua-ai-quoc", date(2026, 6, 11)).on == date(2026, 6, 11)


def test_a_year_mixes_commemorations_and_statutory_days_off_in_date_order():
    days = commemorations.observances(2026)
    assert [d.on for d in days] == sorted(d.on for d in days)
    by_kind = {(d.on, d.kind) for d in days}
    assert (date(2026, 6, 11), "commemoration") in by_kind
    assert (date(2026, 2, 17), "holiday") in by_kind  # Tết Nguyên Đán, from the holidays package
    assert (date(2026, 9, 2), "holiday") in by_kind and (date(2026, 9, 2), "commemoration") in by_kind
    assert all(d.kind == "commemoration" for d in commemorations.observances(2026, include_holidays=False))
    assert commemorations.is_day_off(date(2026, 9, 2)) and not commemorations.is_day_off(date(2026, 6, 11))


def test_unknown_keys_are_refused_with_the_valid_ones():
    with pytest.raises(Invalid, match="thi-dua-ai-quoc"):
        commemorations.check_keys(["khong-co"])
    assert commemorations.check_keys(["quoc-khanh", "quoc-khanh", "nha-giao"]) == ["quoc-khanh", "nha-giao"]
