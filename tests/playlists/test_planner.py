"""The day planner on plain fixtures: Asia/Ho_Chi_Minh, fixed dates, no clock.

Long on purpose: one case per planner rule, in the order the planner applies them.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from playlists.planner import (
    LEVEL_LABELS,
    REASON_LABELS,
    AudioRef,
    CampaignProgress,
    Candidate,
    DayPlan,
    Level,
    PlannedSlot,
    PlanningInputError,
    emergency_insert,
    forecast_capacity,
    last_planned_after,
    plan_day,
    plan_days,
    progress_after,
)
from playlists.slot_times import SlotInstance, SlotTemplate, slot_instances

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 6, 11)  # Wednesday
MON = date(2025, 6, 9)
SUN = date(2025, 6, 15)


def audio(n: int, seconds: float) -> AudioRef:
    return AudioRef(sha256=f"{n:064x}", ext="mp3", duration_ms=int(seconds * 1000))


def cand(
    content_id: int,
    seconds: float,
    level: Level = Level.NORMAL,
    campaign: int | None = None,
    *,
    valid_from: date = date(2025, 1, 1),
    valid_until: date = date(2025, 12, 31),
    approved: bool = True,
    targeted: bool = True,
    has_audio: bool = True,
) -> Candidate:
    return Candidate(
        content_id=content_id, title=f"Tin {content_id}", campaign_id=campaign, level=level,
        valid_from=valid_from, valid_until=valid_until, approved=approved, targeted=targeted,
        audio=audio(content_id, seconds) if has_audio else None,
    )


def slot(slot_id: int, hhmm: str, minutes: float, *, day: date = DAY, intro=None, outro=None) -> SlotInstance:
    h, m = map(int, hhmm.split(":"))
    start = datetime.combine(day, time(h, m), tzinfo=VN)
    return SlotInstance(slot_id, f"Khung {slot_id}", start, start + timedelta(minutes=minutes), intro, outro)


def plan(slots, candidates, progress=None, last_planned=None, filler=None, day=DAY) -> DayPlan:
    return plan_day(
        day=day, tz=VN, slots=slots, candidates=candidates, progress=progress or {},
        last_planned=last_planned or {}, filler=filler,
    )


def ids(ps: PlannedSlot) -> list[int | None]:
    return [it.content_id for it in ps.items]


def kinds(ps: PlannedSlot) -> list[str]:
    return [it.kind for it in ps.items]


def progress(**targets: tuple[float, float]) -> dict[int, CampaignProgress]:
    """progress(c1=(target_s, planned_s), ...) keyed by the number after 'c'."""
    return {int(k[1:]): CampaignProgress(int(k[1:]), t, p) for k, (t, p) in targets.items()}


def assert_well_formed(ps: PlannedSlot) -> None:
    cursor = ps.slot.starts_at
    for pos, it in enumerate(ps.items):
        assert it.position == pos
        assert it.starts_at == cursor
        cursor = it.ends_at
    assert cursor <= ps.slot.ends_at
    used = sum(it.duration_ms for it in ps.items)
    assert ps.unused_ms == ps.slot.duration_ms - used >= 0


# ---------------------------------------------------------------------------- eligibility


def test_left_out_reports_the_first_failing_reason():
    cs = [
        cand(1, 60, approved=False, valid_until=date(2025, 1, 2), targeted=False, has_audio=False),
        cand(2, 60, valid_until=DAY - timedelta(days=1), targeted=False),
        cand(3, 60, valid_from=DAY + timedelta(days=1)),
        cand(4, 60, targeted=False, has_audio=False),
        cand(5, 60, has_audio=False),
        cand(6, 60, valid_from=DAY, valid_until=DAY),  # both ends inclusive: eligible
    ]
    p = plan([slot(1, "06:00", 30)], cs)
    assert [(lo.content_id, lo.reason) for lo in p.left_out] == [
        (1, "not_approved"), (2, "not_valid"), (3, "not_valid"), (4, "not_targeted"), (5, "no_audio"),
    ]
    assert ids(p.slots[0]) == [6]
    assert p.left_out[0].label == "Chưa được duyệt"
    assert set(REASON_LABELS) >= {lo.reason for lo in p.left_out}


def test_eligible_but_never_placed_is_slot_full_or_no_slot():
    cs = [cand(1, 20 * 60), cand(2, 60)]
    p = plan([slot(1, "06:00", 15)], cs)
    assert ids(p.slots[0]) == [2]
    assert [(lo.content_id, lo.reason) for lo in p.left_out] == [(1, "slot_full")]
    empty = plan([], cs)
    assert empty.slots == ()
    assert [(lo.content_id, lo.reason) for lo in empty.left_out] == [(1, "no_slot"), (2, "no_slot")]


# ---------------------------------------------------------------------------- slot layout


def test_slot_order_intro_emergency_priority_normal_filler_outro():
    s = slot(1, "06:00", 10, intro=audio(901, 15), outro=audio(902, 10))
    cs = [
        cand(1, 60, Level.NORMAL, campaign=1),
        cand(2, 60, Level.PRIORITY),
        cand(3, 45, Level.EMERGENCY),
        cand(4, 30, Level.PRIORITY, valid_until=date(2025, 6, 30)),  # expires sooner: first
    ]
    p = plan([s], cs, filler=audio(903, 40))
    ps = p.slots[0]
    assert kinds(ps)[:5] == ["intro", "content", "content", "content", "content"]
    assert ids(ps)[1:5] == [3, 4, 2, 1]
    assert [it.level for it in ps.items[1:5]] == [Level.EMERGENCY, Level.PRIORITY, Level.PRIORITY, Level.NORMAL]
    # 600 s - 15 - 10 - 195 s of content = 380 s left: 9 whole fillers of 40 s, 20 s unused.
    assert kinds(ps)[5:] == ["filler"] * 9 + ["outro"]
    assert ps.unused_ms == 20_000
    assert ps.items[-1].ends_at == s.ends_at - timedelta(seconds=20)
    assert ps.items[0].title == "Nhạc hiệu mở đầu" and ps.items[0].content_id is None
    assert ps.items[0].level is Level.FILLER
    assert_well_formed(ps)
    assert p.left_out == ()


def test_hard_end_skips_to_a_shorter_item_and_reports_the_gap():
    # Never planned, so rank is by content_id: 6 min, 5 min (does not fit), 3 min, 2 min.
    cs = [cand(1, 360), cand(2, 300), cand(3, 180), cand(4, 120)]
    p = plan([slot(1, "06:00", 10)], cs)
    ps = p.slots[0]
    assert ids(ps) == [1, 3]
    assert ps.unused_ms == 60_000
    assert ps.items[-1].ends_at <= ps.slot.ends_at
    assert [(lo.content_id, lo.reason) for lo in p.left_out] == [(2, "slot_full"), (4, "slot_full")]


def test_filler_only_in_whole_plays():
    p = plan([slot(1, "06:00", 5)], [cand(1, 240)], filler=audio(900, 25))
    ps = p.slots[0]
    assert kinds(ps) == ["content", "filler", "filler"]
    assert ps.unused_ms == 10_000
    assert [it.title for it in ps.items[1:]] == ["Nhạc đệm", "Nhạc đệm"]


def test_filler_too_long_leaves_the_gap():
    p = plan([slot(1, "06:00", 5)], [cand(1, 240)], filler=audio(900, 61))
    assert kinds(p.slots[0]) == ["content"]
    assert p.slots[0].unused_ms == 60_000


def test_emergency_wins_then_priority_in_rank_order_when_the_slot_is_short():
    cs = [
        cand(1, 120, Level.PRIORITY, valid_until=date(2025, 6, 20)),
        cand(2, 120, Level.PRIORITY, valid_until=date(2025, 6, 12)),
        cand(3, 100, Level.PRIORITY, valid_until=date(2025, 6, 12)),
        cand(4, 150, Level.EMERGENCY),
        cand(5, 60, Level.PRIORITY, valid_until=date(2025, 7, 1)),
    ]
    p = plan([slot(1, "06:00", 6)], cs)  # 360 s
    # emergency 150; then priority by (valid_until, id): 2 (120) fits, 3 (100) does not, 1 (120)
    # does not, 5 (60) fits -> 330 s.
    assert ids(p.slots[0]) == [4, 2, 5]
    assert [(lo.content_id, lo.reason) for lo in p.left_out] == [(1, "slot_full"), (3, "slot_full")]


def test_emergency_outranks_the_slots_own_intro_and_outro():
    s = slot(1, "06:00", 1, intro=audio(901, 20), outro=audio(902, 20))
    only_intro = plan([s], [cand(1, 30, Level.EMERGENCY)]).slots[0]
    assert kinds(only_intro) == ["intro", "content"]  # the outro gave way first
    neither = plan([s], [cand(1, 50, Level.EMERGENCY)]).slots[0]
    assert kinds(neither) == ["content"]
    both = plan([s], [cand(1, 20, Level.EMERGENCY)]).slots[0]
    assert kinds(both) == ["intro", "content", "outro"]


def test_outro_room_is_reserved_before_priority_items():
    s = slot(1, "06:00", 2, outro=audio(902, 30))
    p = plan([s], [cand(1, 100, Level.PRIORITY), cand(2, 90, Level.PRIORITY)])
    assert ids(p.slots[0]) == [2, None]
    assert kinds(p.slots[0]) == ["content", "outro"]


def test_emergency_and_priority_repeat_in_every_slot_normal_items_rotate():
    slots = [slot(1, "06:00", 5), slot(2, "17:00", 5)]
    cs = [cand(1, 60, Level.EMERGENCY), cand(2, 60, Level.PRIORITY), cand(3, 180), cand(4, 180)]
    p = plan(slots, cs)
    assert ids(p.slots[0]) == [1, 2, 3]
    assert ids(p.slots[1]) == [1, 2, 4]  # 3 was just planned: 4 is now least recent


def test_no_item_twice_in_one_slot_but_again_in_the_next():
    slots = [slot(1, "06:00", 10), slot(2, "17:00", 10)]
    p = plan(slots, [cand(1, 60)])
    assert ids(p.slots[0]) == [1] and ids(p.slots[1]) == [1]
    assert p.slots[0].unused_ms == 540_000


def test_slot_crossing_midnight_is_planned_to_its_end():
    tpl = SlotTemplate(1, "Bản tin đêm", time(23, 30), 60)
    [s] = slot_instances([tpl], DAY, VN)
    p = plan([s], [cand(i, 600) for i in range(1, 8)], filler=audio(900, 45))
    ps = p.slots[0]
    assert ids(ps)[:6] == [1, 2, 3, 4, 5, 6]
    assert ps.items[3].starts_at == datetime(2025, 6, 12, 0, 0, tzinfo=VN)
    assert ps.items[-1].ends_at <= datetime(2025, 6, 12, 0, 30, tzinfo=VN)
    assert ps.unused_ms == 0  # 3600 s = 6 x 600 s exactly: no room for filler
    assert_well_formed(ps)
    assert [(lo.content_id, lo.reason) for lo in p.left_out] == [(7, "slot_full")]


# ---------------------------------------------------------------------------- choosing normal items


def test_campaign_furthest_behind_by_ratio_goes_first():
    # c1: 1000 s of 3000 left (33 %); c2: 400 s of 600 left (67 %): c2 first despite fewer seconds.
    cs = [cand(1, 200, campaign=1), cand(2, 200, campaign=2)]
    p = plan([slot(1, "06:00", 200 / 60)], cs, progress(c1=(3000, 2000), c2=(600, 200)))
    assert ids(p.slots[0]) == [2]
    # Same ratio: more seconds behind first.
    p = plan([slot(1, "06:00", 200 / 60)], cs, progress(c1=(3000, 1500), c2=(600, 300)))
    assert ids(p.slots[0]) == [1]


def test_behind_target_before_no_target_before_met_in_recency_order():
    cs = [
        cand(1, 60, campaign=1),  # c1 met its target
        cand(2, 60, campaign=2),  # c2 behind
        cand(3, 60, campaign=3),  # c3 has no target
        cand(4, 60, campaign=None),  # no campaign
        cand(5, 60, campaign=2),
    ]
    last = {
        1: datetime(2025, 6, 1, 6, tzinfo=VN),
        3: datetime(2025, 6, 5, 6, tzinfo=VN),
        4: datetime(2025, 6, 3, 6, tzinfo=VN),
    }
    p = plan([slot(1, "06:00", 10)], cs, progress(c1=(60, 120), c2=(120, 0)), last)
    # c2's two items first (target 120 s), then the rest least recently planned first.
    assert ids(p.slots[0]) == [2, 5, 1, 4, 3]


def test_within_a_campaign_least_recently_planned_first_ties_by_id():
    cs = [cand(i, 60, campaign=1) for i in (1, 2, 3, 4, 5)]
    last = {
        1: datetime(2025, 6, 10, 6, tzinfo=VN),
        2: datetime(2025, 6, 8, 17, tzinfo=VN),
        4: datetime(2025, 6, 8, 17, tzinfo=VN),
    }
    p = plan([slot(1, "06:00", 5)], cs, progress(c1=(600, 0)), last)
    assert ids(p.slots[0]) == [3, 5, 2, 4, 1]


def test_priority_airtime_counts_toward_its_campaign():
    # c1's priority item already covers its 60 s target, so c2 goes first among normal items.
    cs = [cand(1, 60, Level.PRIORITY, campaign=1), cand(2, 60, campaign=1), cand(3, 60, campaign=2)]
    p = plan([slot(1, "06:00", 3)], cs, progress(c1=(60, 0), c2=(60, 0)))
    assert ids(p.slots[0]) == [1, 3, 2]
    assert p.planned_seconds_by_campaign() == {1: 120.0, 2: 60.0}


def test_planned_seconds_ignore_frame_and_filler_and_group_no_campaign_last():
    s = slot(1, "06:00", 5, intro=audio(901, 10), outro=audio(902, 10))
    p = plan([s], [cand(1, 30, campaign=7), cand(2, 45), cand(3, 20, campaign=2)], filler=audio(903, 30))
    assert p.planned_seconds_by_campaign() == {2: 20.0, 7: 30.0, None: 45.0}
    assert list(p.planned_seconds_by_campaign()) == [2, 7, None]


def test_same_input_in_any_order_gives_the_same_plan():
    cs = [cand(i, 30 + 17 * i % 200, Level.NORMAL if i % 4 else Level.PRIORITY, campaign=i % 3 or None)
          for i in range(1, 30)]
    slots = [slot(1, "06:00", 20), slot(2, "11:00", 15), slot(3, "17:30", 30)]
    prog = progress(c1=(900, 100), c2=(600, 0))
    last = {i: datetime(2025, 6, 10, i % 24, tzinfo=VN) for i in range(1, 30, 3)}
    expected = plan(slots, cs, prog, last, audio(900, 20))
    for seed in range(5):
        rnd = random.Random(seed)
        shuffled_cs, shuffled_slots = cs[:], slots[:]
        rnd.shuffle(shuffled_cs)
        rnd.shuffle(shuffled_slots)
        shuffled_last = dict(sorted(last.items(), key=lambda kv: rnd.random()))
        shuffled_prog = dict(reversed(list(prog.items())))
        assert plan(shuffled_slots, shuffled_cs, shuffled_prog, shuffled_last, audio(900, 20)) == expected


# ---------------------------------------------------------------------------- several days


def test_a_campaign_that_starts_mid_week_catches_up_by_sunday():
    templates = [SlotTemplate(1, "Bản tin sáng", time(6), 15), SlotTemplate(2, "Bản tin chiều", time(17), 15)]
    old = [cand(i, 150, campaign=1) for i in range(1, 11)]
    new = [cand(i, 150, campaign=2, valid_from=DAY) for i in range(11, 21)]  # from Wednesday
    targets = progress(c1=(40 * 60, 0), c2=(60 * 60, 0))
    week_progress = dict(targets)
    history: dict[int, datetime] = {}
    per_day = []
    for i in range(7):
        day = MON + timedelta(days=i)
        p = plan(slot_instances(templates, day, VN), old + new, week_progress, history, day=day)
        per_day.append(p.planned_seconds_by_campaign())
        # Yesterday's planned seconds are today's progress.
        week_progress = progress_after(p, week_progress)
        history = last_planned_after(p, history)
    # Monday and Tuesday: only c1 is valid, so it fills the slots (and meets its 40 min).
    assert per_day[0] == {1: 1800.0} and per_day[1] == {1: 1800.0}
    # From Wednesday c2 is furthest behind: it takes the whole day until it has caught up.
    assert per_day[2] == {2: 1800.0}
    assert week_progress[2].planned_seconds_this_week >= 3600
    assert week_progress[1].planned_seconds_this_week >= 2400
    # plan_days chains the same way.
    chained = plan_days(
        first_day=MON, last_day=SUN, tz=VN, templates=templates, candidates=old + new,
        progress=targets, last_planned={},
    )
    assert [p.planned_seconds_by_campaign() for p in chained] == per_day


def test_when_slots_cannot_hold_every_target_campaigns_get_the_same_share():
    templates = [SlotTemplate(1, "Bản tin sáng", time(6), 10)]  # 70 min a week
    cs = [cand(i, 60, campaign=1) for i in range(1, 11)] + [cand(i, 60, campaign=2) for i in range(11, 21)]
    plans = plan_days(
        first_day=MON, last_day=SUN, tz=VN, templates=templates, candidates=cs,
        progress=progress(c1=(100 * 60, 0), c2=(40 * 60, 0)), last_planned={},
    )
    total = {1: 0.0, 2: 0.0}
    for p in plans:
        for k, v in p.planned_seconds_by_campaign().items():
            total[k] += v
    assert total[1] + total[2] == 70 * 60
    # 70 of 140 minutes asked for: each gets half of its target (to within one item).
    assert abs(total[1] / 6000 - 0.5) <= 60 / 6000
    assert abs(total[2] / 2400 - 0.5) <= 60 / 2400


def test_plan_days_starts_the_week_again_on_monday():
    templates = [SlotTemplate(1, "Sáng", time(6), 2)]
    cs = [cand(1, 60, campaign=1), cand(2, 60, campaign=2), cand(3, 60, campaign=2)]
    # Sunday: c1 is at its target (behind: c2), Monday: a new week, c1 behind again.
    sunday_progress = progress(c1=(120, 120), c2=(600, 0))
    plans = plan_days(
        first_day=SUN, last_day=SUN + timedelta(days=1), tz=VN, templates=templates, candidates=cs,
        progress=sunday_progress, last_planned={},
    )
    assert ids(plans[0].slots[0]) == [2, 3]
    monday = plan(
        slot_instances(templates, SUN + timedelta(days=1), VN), cs,
        progress(c1=(120, 0), c2=(600, 0)), last_planned_after(plans[0], {}), day=SUN + timedelta(days=1),
    )
    assert plans[1] == monday
    # Both campaigns are 100 % behind again: c2 (more seconds to go) first, then c1.
    assert ids(monday.slots[0]) == [2, 1]


# ---------------------------------------------------------------------------- bad input


def test_bad_input_is_refused():
    s = slot(1, "06:00", 10)
    with pytest.raises(PlanningInputError, match="hai lần"):
        plan([s], [cand(1, 60), cand(1, 30)])
    with pytest.raises(PlanningInputError, match="không thuộc ngày"):
        plan([slot(1, "06:00", 10, day=DAY + timedelta(days=1))], [])
    with pytest.raises(PlanningInputError, match="chồng lên nhau"):
        plan([s, slot(2, "06:05", 10)], [])
    with pytest.raises(PlanningInputError, match="múi giờ"):
        plan([s], [cand(1, 60)], last_planned={1: datetime(2025, 6, 10, 6)})
    with pytest.raises(PlanningInputError, match="mức độ"):
        plan([s], [cand(1, 60, Level.FILLER)])
    with pytest.raises(PlanningInputError):
        plan([s], [], progress={1: CampaignProgress(2, 60, 0)})


def test_level_ladder_and_labels():
    assert Level.EMERGENCY > Level.PRIORITY > Level.NORMAL > Level.FILLER
    assert [Level.from_api(n) for n in ("normal", "priority", "emergency")] == [
        Level.NORMAL, Level.PRIORITY, Level.EMERGENCY,
    ]
    assert Level.PRIORITY.api_name == "priority"
    for bad in ("urgent", "filler"):
        with pytest.raises(PlanningInputError):
            Level.from_api(bad)
    assert LEVEL_LABELS[Level.EMERGENCY] == "Khẩn cấp"


# ---------------------------------------------------------------------------- forecast


def test_forecast_reports_a_capacity_shortfall_before_the_week_airs():
    templates = [
        SlotTemplate(1, "Sáng", time(6), 30, intro=audio(901, 15), outro=audio(902, 15)),
        SlotTemplate(2, "Chiều", time(17), 15, weekdays={0, 2, 4}),
    ]
    ok = forecast_capacity(templates, MON, VN, {1: 60 * 60, 2: 30 * 60})
    assert ok.slot_seconds == (7 * 30 + 3 * 15) * 60
    assert ok.frame_seconds == 7 * 30
    assert ok.available_seconds == ok.slot_seconds - 210
    assert ok.shortfall_seconds == 0
    short = forecast_capacity(templates, MON, VN, {1: 200 * 60, 2: 60 * 60, 3: 0}, reserved_seconds=600)
    assert short.target_seconds == 260 * 60
    assert short.shortfall_seconds == 260 * 60 - (255 * 60 - 210 - 600)


# ---------------------------------------------------------------------------- emergency insert


def day_with_two_slots() -> DayPlan:
    slots = [
        slot(1, "06:00", 10, intro=audio(901, 20), outro=audio(902, 20)),
        slot(2, "17:00", 10, intro=audio(901, 20), outro=audio(902, 20)),
    ]
    cs = [cand(1, 60, Level.PRIORITY), cand(2, 120, campaign=1), cand(3, 180, campaign=1), cand(4, 150)]
    return plan(slots, cs, filler=audio(903, 30))


def test_the_fixture_day():
    p = day_with_two_slots()
    for ps in p.slots:
        assert ids(ps) == [None, 1, 2, 3, 4, None, None]
        assert kinds(ps) == ["intro", "content", "content", "content", "content", "filler", "outro"]
        assert ps.unused_ms == 20_000


def test_emergency_before_a_slot_goes_first_after_the_intro_and_pushes_out_the_tail():
    p = day_with_two_slots()
    now = datetime(2025, 6, 11, 5, 0, tzinfo=VN)
    res = emergency_insert(p, cand(50, 150, Level.EMERGENCY), now)
    assert res.reason is None and res.slot_indexes == (0, 1)
    first = res.plan.slots[0]
    # 130 s must go: the filler (30 s), then item 4 (150 s, the last normal); the outro stays last.
    assert ids(first) == [None, 50, 1, 2, 3, None]
    assert kinds(first)[-1] == "outro"
    assert first.unused_ms == 50_000
    assert_well_formed(first)
    assert [(it.kind, it.content_id) for it in res.dropped] == [("content", 4), ("filler", None)] * 2
    assert [(lo.content_id, lo.reason) for lo in res.plan.left_out] == [(4, "preempted")]
    assert p.slots[0].items[1].content_id == 1  # the input plan is untouched


def test_emergency_during_a_slot_waits_for_the_item_on_air():
    p = day_with_two_slots()
    # Item 2 (06:01:20 - 06:03:20) is on air at 06:02.
    now = datetime(2025, 6, 11, 6, 2, tzinfo=VN)
    res = emergency_insert(p, cand(50, 30, Level.EMERGENCY), now)
    first = res.plan.slots[0]
    assert ids(first) == [None, 1, 2, 50, 3, 4, None]
    assert first.items[3].starts_at == datetime(2025, 6, 11, 6, 3, 20, tzinfo=VN)
    assert first.items[:3] == p.slots[0].items[:3]
    assert_well_formed(first)
    # The evening slot takes it at the start; its filler gives way first, never content.
    assert ids(res.plan.slots[1])[:2] == [None, 50]
    assert {it.kind for it in res.dropped} == {"filler"}
    assert res.plan.left_out == ()


def test_emergency_in_the_silent_end_of_a_slot_starts_now():
    s = slot(1, "06:00", 10)
    p = plan([s], [cand(1, 60)])
    now = datetime(2025, 6, 11, 6, 5, 30, tzinfo=VN)
    res = emergency_insert(p, cand(50, 60, Level.EMERGENCY), now)
    ps = res.plan.slots[0]
    assert ids(ps) == [1, 50]
    assert ps.items[1].starts_at == now
    assert ps.unused_ms == 480_000


def test_emergency_after_the_last_slot_or_not_eligible_changes_nothing():
    p = day_with_two_slots()
    late = emergency_insert(p, cand(50, 30, Level.EMERGENCY), datetime(2025, 6, 11, 17, 10, tzinfo=VN))
    assert (late.plan.slots, late.slot_indexes, late.reason) == (p.slots, (), "no_slot")
    assert [(lo.content_id, lo.reason) for lo in late.plan.left_out] == [(50, "no_slot")]
    expired = cand(51, 30, Level.EMERGENCY, valid_until=DAY - timedelta(days=1))
    res = emergency_insert(p, expired, datetime(2025, 6, 11, 5, tzinfo=VN))
    assert (res.plan, res.reason) == (p, "not_valid")


def test_emergency_too_long_for_any_open_slot_is_slot_full():
    p = day_with_two_slots()
    res = emergency_insert(p, cand(50, 11 * 60, Level.EMERGENCY), datetime(2025, 6, 11, 5, tzinfo=VN))
    assert res.plan.slots == p.slots and res.reason == "slot_full"
    assert (50, "slot_full") in [(lo.content_id, lo.reason) for lo in res.plan.left_out]


def test_emergency_already_in_a_slot_is_not_added_twice():
    s = slot(1, "06:00", 10)
    p = plan([s], [cand(50, 30, Level.EMERGENCY), cand(1, 60)])
    res = emergency_insert(p, cand(50, 30, Level.EMERGENCY), datetime(2025, 6, 11, 5, tzinfo=VN))
    assert res.plan == p and res.slot_indexes == (0,)


def test_emergency_insert_refuses_other_levels_and_naive_now():
    p = day_with_two_slots()
    with pytest.raises(PlanningInputError):
        emergency_insert(p, cand(50, 30, Level.PRIORITY), datetime(2025, 6, 11, 5, tzinfo=VN))
    with pytest.raises(PlanningInputError):
        emergency_insert(p, cand(50, 30, Level.EMERGENCY), datetime(2025, 6, 11, 5))
