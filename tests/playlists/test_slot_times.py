"""Slot templates to concrete slots: weekdays, date ranges, midnight, overlap, weekly capacity."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Invalid
from playlists.slot_times import (
    AudioRef,
    InvalidSlot,
    SlotInstance,
    SlotTemplate,
    elapsed_ms,
    first_overlap,
    slot_instances,
    weekly_capacity_seconds,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
WED = date(2025, 6, 11)  # a Wednesday
MON = date(2025, 6, 9)


def tpl(slot_id: int, hhmm: str, minutes: int, **kw) -> SlotTemplate:
    h, m = map(int, hhmm.split(":"))
    return SlotTemplate(slot_id=slot_id, name=f"Khung {slot_id}", start_time=time(h, m), duration_minutes=minutes, **kw)


def test_instance_is_aware_local_time_and_ordered_by_start():
    evening, morning = tpl(2, "18:00", 30), tpl(1, "06:00", 15)
    found = slot_instances([evening, morning], WED, VN)
    assert [s.slot_id for s in found] == [1, 2]
    assert found[0].starts_at == datetime(2025, 6, 11, 6, 0, tzinfo=VN)
    assert found[0].starts_at.utcoffset() == timedelta(hours=7)
    assert found[0].ends_at == datetime(2025, 6, 11, 6, 15, tzinfo=VN)
    assert found[1].duration_ms == 30 * 60_000


def test_slot_crossing_midnight_belongs_to_the_day_it_starts():
    late = tpl(1, "23:30", 60, weekdays={6})  # Sunday only
    sunday, monday = date(2025, 6, 15), date(2025, 6, 16)
    [inst] = slot_instances([late], sunday, VN)
    assert inst.starts_at == datetime(2025, 6, 15, 23, 30, tzinfo=VN)
    assert inst.ends_at == datetime(2025, 6, 16, 0, 30, tzinfo=VN)
    assert inst.duration_ms == 3_600_000
    # It spills into Monday, but Monday's own slots do not include it.
    assert slot_instances([late], monday, VN) == []


def test_weekday_filter_and_inclusive_date_range():
    weekdays_only = tpl(1, "06:00", 30, weekdays=[0, 1, 2, 3, 4])
    ranged = tpl(2, "17:00", 30, starts_on=date(2025, 6, 10), ends_on=date(2025, 6, 12))
    days = [MON + timedelta(days=i) for i in range(7)]
    got = {d: [s.slot_id for s in slot_instances([weekdays_only, ranged], d, VN)] for d in days}
    assert got == {
        date(2025, 6, 9): [1],
        date(2025, 6, 10): [1, 2],
        date(2025, 6, 11): [1, 2],
        date(2025, 6, 12): [1, 2],
        date(2025, 6, 13): [1],
        date(2025, 6, 14): [],
        date(2025, 6, 15): [],
    }
    assert weekdays_only.weekdays == frozenset({0, 1, 2, 3, 4})


def test_commemorative_day_slot_runs_once():
    one_day = tpl(9, "07:00", 45, starts_on=date(2025, 6, 11), ends_on=date(2025, 6, 11))
    assert [s.slot_id for s in slot_instances([one_day], WED, VN)] == [9]
    assert slot_instances([one_day], WED + timedelta(days=7), VN) == []


@pytest.mark.parametrize(
    "kw",
    [
        {"duration_minutes": 0},
        {"duration_minutes": 25 * 60},
        {"duration_minutes": -5},
        {"weekdays": {7}},
        {"weekdays": {-1, 3}},
        {"weekdays": set()},
        {"starts_on": date(2025, 6, 12), "ends_on": date(2025, 6, 11)},
        {"start_time": time(6, 0, tzinfo=VN)},
    ],
)
def test_bad_templates_are_refused_with_a_vietnamese_message(kw):
    base = {"slot_id": 1, "name": "Bản tin sáng", "start_time": time(6), "duration_minutes": 30}
    with pytest.raises(InvalidSlot) as err:
        SlotTemplate(**(base | kw))
    assert isinstance(err.value, Invalid)
    assert "Bản tin sáng" in err.value.message


def test_a_whole_day_slot_is_allowed():
    [inst] = slot_instances([tpl(1, "00:00", 24 * 60)], WED, VN)
    assert inst.ends_at == datetime(2025, 6, 12, 0, 0, tzinfo=VN)


def test_slot_instance_and_audio_refuse_nonsense():
    start = datetime(2025, 6, 11, 6, 0, tzinfo=VN)
    with pytest.raises(InvalidSlot):
        SlotInstance(1, "x", start.replace(tzinfo=None), start.replace(tzinfo=None) + timedelta(minutes=5))
    with pytest.raises(InvalidSlot):
        SlotInstance(1, "x", start, start)
    with pytest.raises(InvalidSlot):
        AudioRef("ab" * 32, "mp3", 0)


def test_duration_is_elapsed_time_even_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")  # clocks jump 02:00 -> 03:00 on 30/03/2025
    [inst] = slot_instances([tpl(1, "01:30", 60)], date(2025, 3, 30), berlin)
    assert elapsed_ms(inst.starts_at, inst.ends_at) == 3_600_000
    assert (inst.ends_at.hour, inst.ends_at.minute) == (3, 30)


def test_weekly_capacity_counts_each_slot_on_the_day_it_starts():
    templates = [
        tpl(1, "06:00", 30),  # 7 x 30 min
        tpl(2, "23:30", 60, weekdays={6}),  # Sunday, runs into next week: counted in full
        tpl(3, "17:00", 15, starts_on=date(2025, 6, 13)),  # Fri, Sat, Sun
    ]
    assert weekly_capacity_seconds(templates, MON, VN) == (7 * 30 + 60 + 3 * 15) * 60
    assert weekly_capacity_seconds([], MON, VN) == 0


class TestFirstOverlap:
    def test_same_day_overlap(self):
        assert first_overlap(tpl(1, "06:00", 30), tpl(2, "06:15", 30), VN) is not None

    def test_back_to_back_slots_do_not_overlap(self):
        assert first_overlap(tpl(1, "06:00", 30), tpl(2, "06:30", 30), VN) is None
        assert first_overlap(tpl(2, "06:30", 30), tpl(1, "06:00", 30), VN) is None

    def test_slot_crossing_midnight_overlaps_next_mornings_slot(self):
        late = tpl(1, "23:30", 60, weekdays={6})  # Sunday 23:30 - Monday 00:30
        early = tpl(2, "00:15", 30, weekdays={0})  # Monday 00:15
        # Open-ended ranges: the answer is some day of a's weekday on which they clash.
        assert first_overlap(late, early, VN).weekday() == 6
        assert first_overlap(early, late, VN).weekday() == 0
        assert first_overlap(late, tpl(3, "00:15", 30, weekdays={1}), VN) is None

    def test_disjoint_weekdays_or_date_ranges_never_overlap(self):
        a = tpl(1, "06:00", 30, weekdays={0, 2, 4})
        assert first_overlap(a, tpl(2, "06:00", 30, weekdays={1, 3}), VN) is None
        june = tpl(3, "06:00", 30, starts_on=date(2025, 6, 1), ends_on=date(2025, 6, 30))
        july = tpl(4, "06:00", 30, starts_on=date(2025, 7, 1))
        assert first_overlap(june, july, VN) is None

    def test_overlap_starts_when_the_later_range_starts(self):
        always = tpl(1, "06:00", 30, starts_on=date(2025, 1, 1))
        from_wed = tpl(2, "06:10", 10, starts_on=WED, weekdays={2, 5})
        assert first_overlap(always, from_wed, VN) == WED
        assert first_overlap(from_wed, always, VN) == WED


_template_st = st.builds(
    SlotTemplate,
    slot_id=st.just(1),
    name=st.just("Khung"),
    start_time=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    duration_minutes=st.integers(1, 24 * 60),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    starts_on=st.dates(date(2025, 6, 1), date(2025, 6, 30)),
    ends_on=st.dates(date(2025, 7, 1), date(2025, 7, 31)),
)


@settings(max_examples=150, deadline=None)
@given(_template_st, _template_st)
def test_first_overlap_agrees_with_trying_every_day(a, b):
    def clash(day):
        ia = a.instance(day, VN)
        return any(
            b.runs_on(day + timedelta(days=k))
            and (ib := b.instance(day + timedelta(days=k), VN)).starts_at < ia.ends_at
            and ia.starts_at < ib.ends_at
            for k in (-1, 0, 1)
        )

    days = [date(2025, 6, 1) + timedelta(days=i) for i in range(61)]
    expected = next((d for d in days if a.runs_on(d) and clash(d)), None)
    assert first_overlap(a, b, VN) == expected
