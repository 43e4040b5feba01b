"""Planner properties over randomized inputs (hypothesis). Bounded so the file runs in seconds.

Long on purpose: the strategies that build random days and the properties checked on them belong together.
"""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from playlists.planner import (
    AudioRef,
    CampaignProgress,
    Candidate,
    DayPlan,
    Level,
    RelayWindow,
    emergency_insert,
    ineligibility,
    plan_day,
    plan_days,
)
from playlists.slot_times import SlotInstance, SlotTemplate

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 6, 11)
MON = date(2025, 6, 9)
# Start times far enough apart that slots of up to 90 minutes never overlap.
STARTS = (time(5, 30), time(11, 0), time(17, 0), time(23, 30))

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WEEK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_sha = st.integers(0, 2**32).map(lambda n: f"{n:064x}")
audio_st = st.builds(AudioRef, sha256=_sha, ext=st.just("mp3"), duration_ms=st.integers(5_000, 400_000))
short_audio_st = st.builds(AudioRef, sha256=_sha, ext=st.just("mp3"), duration_ms=st.integers(3_000, 60_000))
mostly_true = st.sampled_from([True, True, True, False])
level_st = st.sampled_from([Level.NORMAL] * 5 + [Level.PRIORITY] * 2 + [Level.EMERGENCY])


@st.composite
def slots_st(draw, day: date = DAY) -> list[SlotInstance]:
    starts = draw(st.lists(st.sampled_from(STARTS), unique=True, max_size=4))
    slots = []
    for n, start in enumerate(starts):
        begin = datetime.combine(day, start, tzinfo=VN)
        minutes = draw(st.integers(1, 90))
        intro = draw(st.none() | short_audio_st)
        outro = draw(st.none() | short_audio_st)
        slots.append(SlotInstance(n + 1, f"Khung {n + 1}", begin, begin + timedelta(minutes=minutes), intro, outro))
    return slots


@st.composite
def candidates_st(draw, day: date = DAY) -> list[Candidate]:
    n = draw(st.integers(0, 25))
    ids = draw(st.permutations(range(1, n + 1)))
    out = []
    for content_id in ids:
        out.append(
            Candidate(
                content_id=content_id,
                title=f"Tin {content_id}",
                campaign_id=draw(st.sampled_from([None, 1, 2, 3])),
                level=draw(level_st),
                valid_from=day + timedelta(days=draw(st.integers(-3, 1))),
                valid_until=day + timedelta(days=draw(st.integers(-1, 3))),
                approved=draw(mostly_true),
                targeted=draw(mostly_true),
                audio=draw(st.sampled_from([True] * 5 + [False]).flatmap(lambda ok: audio_st if ok else st.none())),
            )
        )
    return out


@st.composite
def day_inputs(draw) -> dict:
    candidates = draw(candidates_st())
    progress = {}
    for cid in (1, 2, 3):
        if draw(st.booleans()):
            progress[cid] = CampaignProgress(cid, draw(st.integers(0, 7200)), draw(st.integers(0, 7200)))
    last_planned = {}
    for c in candidates:
        if draw(st.booleans()):
            last_planned[c.content_id] = datetime.combine(DAY, time(0), tzinfo=VN) - timedelta(
                minutes=draw(st.integers(1, 14 * 24 * 60))
            )
    return {
        "day": DAY, "tz": VN, "slots": draw(slots_st()), "candidates": candidates, "progress": progress,
        "last_planned": last_planned, "filler": draw(st.none() | audio_st),
    }


def assert_slot_sound(ps, filler: AudioRef | None) -> None:
    cursor = ps.slot.starts_at
    for pos, item in enumerate(ps.items):
        assert item.position == pos
        assert item.starts_at == cursor  # back to back, no gaps
        assert item.duration_ms == item.audio.duration_ms > 0
        cursor = item.ends_at
    assert cursor <= ps.slot.ends_at  # hard end
    assert ps.unused_ms == ps.slot.duration_ms - sum(it.duration_ms for it in ps.items) >= 0
    if filler is not None:
        assert ps.unused_ms < filler.duration_ms  # filler took every whole play that fits


@FAST
@given(day_inputs())
def test_never_overruns_and_items_run_back_to_back(inputs):
    plan = plan_day(**inputs)
    assert [ps.slot for ps in plan.slots] == sorted(inputs["slots"], key=lambda s: s.starts_at)
    for ps in plan.slots:
        assert_slot_sound(ps, inputs["filler"])
        kinds = [it.kind for it in ps.items]
        if "intro" in kinds:
            assert kinds.index("intro") == 0
        if "outro" in kinds:
            assert kinds.index("outro") == len(kinds) - 1
        # Levels never rise along the slot's content (emergency, priority, normal).
        levels = [it.level for it in ps.items if it.kind == "content"]
        assert levels == sorted(levels, reverse=True)


@FAST
@given(day_inputs())
def test_only_eligible_content_airs_and_everything_else_is_explained(inputs):
    plan = plan_day(**inputs)
    by_id = {c.content_id: c for c in inputs["candidates"]}
    placed = set()
    for ps in plan.slots:
        for it in ps.items:
            if it.kind != "content":
                assert it.content_id is None
                continue
            c = by_id[it.content_id]
            assert ineligibility(c, DAY) is None
            assert (it.audio, it.level, it.campaign_id, it.title) == (c.audio, c.level, c.campaign_id, c.title)
            placed.add(it.content_id)
    left = {lo.content_id: lo.reason for lo in plan.left_out}
    assert placed.isdisjoint(left)
    assert placed | set(left) == set(by_id)
    for cid, reason in left.items():
        expected = ineligibility(by_id[cid], DAY) or ("slot_full" if plan.slots else "no_slot")
        assert reason == expected


@FAST
@given(day_inputs())
def test_no_item_twice_in_one_slot(inputs):
    for ps in plan_day(**inputs).slots:
        ids = [it.content_id for it in ps.items if it.kind == "content"]
        assert len(ids) == len(set(ids))


@FAST
@given(day_inputs())
def test_all_emergencies_and_priorities_placed_whenever_they_fit(inputs):
    plan = plan_day(**inputs)
    eligible = [c for c in inputs["candidates"] if ineligibility(c, DAY) is None]
    urgent = {c.content_id for c in eligible if c.level is Level.EMERGENCY}
    priority = {c.content_id for c in eligible if c.level is Level.PRIORITY}
    for ps in plan.slots:
        in_slot = {it.content_id for it in ps.items}
        e_ms = sum(c.audio.duration_ms for c in eligible if c.content_id in urgent)
        p_ms = sum(c.audio.duration_ms for c in eligible if c.content_id in priority)
        frame = sum(a.duration_ms for a in (ps.slot.intro, ps.slot.outro) if a is not None)
        if e_ms <= ps.slot.duration_ms:
            assert urgent <= in_slot
        if e_ms + frame + p_ms <= ps.slot.duration_ms:
            assert urgent | priority <= in_slot
            configured = [k for k, a in (("intro", ps.slot.intro), ("outro", ps.slot.outro)) if a is not None]
            assert [it.kind for it in ps.items if it.kind in ("intro", "outro")] == configured


@FAST
@given(day_inputs(), st.randoms(use_true_random=False))
def test_deterministic_and_blind_to_input_order(inputs, rnd: random.Random):
    first = plan_day(**inputs)
    assert plan_day(**inputs) == first
    shuffled = dict(inputs)
    shuffled["candidates"] = rnd.sample(inputs["candidates"], len(inputs["candidates"]))
    shuffled["slots"] = rnd.sample(inputs["slots"], len(inputs["slots"]))
    shuffled["progress"] = dict(rnd.sample(list(inputs["progress"].items()), len(inputs["progress"])))
    shuffled["last_planned"] = dict(rnd.sample(list(inputs["last_planned"].items()), len(inputs["last_planned"])))
    assert plan_day(**shuffled) == first


# ---------------------------------------------------------------------------- a simulated week


@st.composite
def week_inputs(draw) -> dict:
    templates = []
    for n, start in enumerate(draw(st.lists(st.sampled_from(STARTS), unique=True, min_size=1, max_size=3))):
        templates.append(
            SlotTemplate(
                slot_id=n + 1, name=f"Khung {n + 1}", start_time=start, duration_minutes=draw(st.integers(5, 45)),
                weekdays=frozenset(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7))),
                intro=draw(st.none() | short_audio_st), outro=draw(st.none() | short_audio_st),
            )
        )
    longest_ms = max(t.duration_minutes for t in templates) * 60_000
    k = draw(st.integers(1, 3))
    week = (MON, MON + timedelta(days=6))
    next_id = iter(range(1, 10_000))
    candidates = []

    def item(campaign_id, level, duration_ms, valid=week):
        content_id = next(next_id)
        return Candidate(
            content_id, f"Tin {content_id}", campaign_id, level, valid[0], valid[1], True, True,
            AudioRef(f"{content_id:064x}", "mp3", duration_ms),
        )

    # Every targeted campaign has enough distinct content to fill the longest slot alone.
    for campaign_id in range(1, k + 1):
        durations = draw(st.lists(st.integers(10_000, 120_000), min_size=1, max_size=6))
        total, i = 0, 0
        while total < longest_ms:
            candidates.append(item(campaign_id, Level.NORMAL, durations[i % len(durations)]))
            total += durations[i % len(durations)]
            i += 1
    # Content that competes for the same slots: no campaign, a campaign without target,
    # emergencies and priority bulletins valid on some days of the week.
    for _ in range(draw(st.integers(0, 4))):
        candidates.append(item(draw(st.sampled_from([None, 9])), Level.NORMAL, draw(st.integers(10_000, 120_000))))
    for _ in range(draw(st.integers(0, 3))):
        first = MON + timedelta(days=draw(st.integers(0, 6)))
        valid = (first, first + timedelta(days=draw(st.integers(0, 3))))
        level = draw(st.sampled_from([Level.PRIORITY, Level.EMERGENCY]))
        campaign = draw(st.sampled_from([None, *range(1, k + 1)]))
        candidates.append(item(campaign, level, draw(st.integers(10_000, 180_000)), valid))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
    return {
        "templates": templates, "candidates": candidates, "k": k, "weights": weights,
        "fill": draw(st.floats(0.1, 1.0)), "filler": draw(st.none() | short_audio_st),
    }


def run_week(inputs: dict, progress: dict[int, CampaignProgress]) -> tuple[DayPlan, ...]:
    return plan_days(
        first_day=MON, last_day=MON + timedelta(days=6), tz=VN, templates=inputs["templates"],
        candidates=inputs["candidates"], progress=progress, last_planned={}, filler=inputs["filler"],
    )


@WEEK
@given(week_inputs())
def test_weekly_targets_are_met_whenever_capacity_allows(inputs):
    """Greedy packing loses less than one item per slot, and a campaign can overshoot its
    target by less than one item, so targets are guaranteed whenever
    normal capacity >= sum(targets) + (campaigns - 1 + slots) x longest normal item."""
    # Frame, emergencies and priority items do not depend on targets: measure what they leave.
    baseline = run_week(inputs, {})
    slots = [ps for p in baseline for ps in p.slots]
    normal_ms = sum(
        ps.slot.duration_ms
        - sum(it.duration_ms for it in ps.items if it.kind in ("intro", "outro") or it.level > Level.NORMAL)
        for ps in slots
    )
    longest = max(c.audio.duration_ms for c in inputs["candidates"] if c.level is Level.NORMAL)
    budget_ms = normal_ms - (inputs["k"] - 1 + len(slots)) * longest
    assume(budget_ms > 60_000)
    scale = budget_ms / 1000 * inputs["fill"] / sum(inputs["weights"])
    targets = {cid: w * scale for cid, w in enumerate(inputs["weights"], start=1)}
    progress = {cid: CampaignProgress(cid, t, 0.0) for cid, t in targets.items()}

    plans = run_week(inputs, progress)
    totals: Counter = Counter()
    for p in plans:
        totals.update(p.planned_seconds_by_campaign())
    for cid, target in targets.items():
        assert totals[cid] >= target - 1e-6, (cid, totals[cid], target)
    # The same emergencies, priorities and frame as without targets: only normal items moved.
    for with_t, without in zip(plans, baseline, strict=True):
        for a, b in zip(with_t.slots, without.slots, strict=True):
            urgent_a = [it for it in a.items if it.level > Level.NORMAL]
            assert urgent_a == [it for it in b.items if it.level > Level.NORMAL]


# ---------------------------------------------------------------------------- emergency insert


@FAST
@given(day_inputs(), st.integers(0, 20 * 60), audio_st, st.sampled_from([None, 1]))
def test_emergency_insert_keeps_the_plan_sound(inputs, minutes_after_five, alert_audio, campaign):
    plan = plan_day(**inputs)
    now = datetime.combine(DAY, time(5), tzinfo=VN) + timedelta(minutes=minutes_after_five)
    alert = Candidate(999, "Cảnh báo bão", campaign, Level.EMERGENCY, DAY, DAY, True, True, alert_audio)
    res = emergency_insert(plan, alert, now)
    assert len(res.plan.slots) == len(plan.slots)
    dropped = Counter((it.kind, it.content_id, it.duration_ms) for it in res.dropped)
    for index, (old, new) in enumerate(zip(plan.slots, res.plan.slots, strict=True)):
        assert new.slot == old.slot
        if old.slot.ends_at <= now or index not in res.slot_indexes:
            assert new == old
            continue
        # Sound: ordered, never overlapping, within the slot.
        cursor = new.slot.starts_at
        for pos, it in enumerate(new.items):
            assert it.position == pos and it.starts_at >= cursor
            cursor = it.ends_at
        assert cursor <= new.slot.ends_at
        assert new.unused_ms == new.slot.duration_ms - sum(it.duration_ms for it in new.items) >= 0
        # Once in the slot, not before `now`; what already started is untouched.
        alerts = [it for it in new.items if it.content_id == 999]
        assert len(alerts) == 1 and alerts[0].starts_at >= now
        started = [it for it in old.items if it.starts_at < now]
        assert list(new.items[: len(started)]) == started
        # Nothing lost: kept + dropped == before.
        kept = Counter((it.kind, it.content_id, it.duration_ms) for it in new.items if it.content_id != 999)
        before = Counter((it.kind, it.content_id, it.duration_ms) for it in old.items)
        assert not (kept - before)
        lost = before - kept
        assert lost <= dropped
        dropped -= lost
        assert all(it.level < Level.EMERGENCY and it.kind != "intro" for it in res.dropped)
    assert not dropped
    open_slots = [ps for ps in plan.slots if ps.slot.ends_at > now]
    if res.reason is None:
        assert res.slot_indexes
    else:
        assert res.reason == ("slot_full" if open_slots else "no_slot")
    # A slot not yet started takes it whenever it fits beside the intro and earlier emergencies.
    for index, ps in enumerate(plan.slots):
        fixed = sum(it.duration_ms for it in ps.items if it.kind == "intro" or it.level is Level.EMERGENCY)
        if ps.slot.starts_at >= now and alert_audio.duration_ms + fixed <= ps.slot.duration_ms:
            assert index in res.slot_indexes


# ---------------------------------------------------------------------------- relays and priority orders


@st.composite
def relays_st(draw) -> list[RelayWindow]:
    """0-4 relays anywhere on the day (inside, across or outside the slots, possibly overlapping each other)."""
    relays = []
    for relay_id in draw(st.lists(st.integers(1, 50), unique=True, max_size=4)):
        start = datetime.combine(DAY, time(5), tzinfo=VN) + timedelta(minutes=draw(st.integers(0, 18 * 60)))
        length = timedelta(minutes=draw(st.integers(1, 120)))
        relays.append(RelayWindow(relay_id, f"Tiếp sóng {relay_id}", f"http://127.0.0.1:9/{relay_id}", start,
                                  start + length))
    return relays


@st.composite
def relay_day_inputs(draw) -> dict:
    inputs = draw(day_inputs())
    inputs["relays"] = draw(relays_st())
    priority_ids = [c.content_id for c in inputs["candidates"] if c.level is Level.PRIORITY]
    orders = {}
    for s in inputs["slots"]:
        if priority_ids and draw(st.booleans()):
            orders[s.slot_id] = draw(st.permutations(priority_ids))
    inputs["priority_order"] = orders
    return inputs


def _union_ms(windows) -> int:
    total, end = 0, None
    for a, b in sorted(windows):
        if end is None or a >= end:
            total += (b - a) // timedelta(milliseconds=1)
            end = b
        elif b > end:
            total += (b - end) // timedelta(milliseconds=1)
            end = b
    return total


def assert_sound_with_relays(plan: DayPlan, inputs: dict) -> None:
    relays = {r.relay_id: r for r in inputs["relays"]}
    real = sorted(inputs["slots"], key=lambda s: s.starts_at)
    assert [ps.slot for ps in plan.slots if ps.slot.slot_id > 0] == real
    previous_end = None
    for ps in plan.slots:
        if previous_end is not None:
            assert ps.slot.starts_at >= previous_end  # slots and relay blocks never overlap
        previous_end = ps.slot.ends_at
        cursor = ps.slot.starts_at
        for pos, item in enumerate(ps.items):
            assert item.position == pos
            assert item.starts_at >= cursor  # in time order, never overlapping
            assert item.duration_ms > 0
            cursor = item.ends_at
            if item.kind == "relay":
                r = relays[item.relay_id]
                assert item.audio is None and item.content_id is None and item.level is Level.RELAY
                assert item.stream_url == r.stream_url and item.title == r.name
                assert r.starts_at <= item.starts_at and item.ends_at <= r.ends_at
            else:
                assert item.audio is not None and item.duration_ms == item.audio.duration_ms
        assert cursor <= ps.slot.ends_at  # never past the slot's end
        assert ps.unused_ms == ps.slot.duration_ms - sum(it.duration_ms for it in ps.items) >= 0
        if ps.slot.slot_id < 0:  # a relay block: the relay, after the day's emergencies
            assert {it.kind for it in ps.items} <= {"relay", "content"}
            assert all(it.level is Level.EMERGENCY for it in ps.items if it.kind == "content")
        # Levels never rise within a run of content between two relays.
        run: list[Level] = []
        for item in ps.items:
            if item.kind == "relay":
                run = []
            elif item.kind == "content":
                assert not run or item.level <= run[-1]
                run.append(item.level)


@FAST
@given(relay_day_inputs())
def test_relays_never_overlap_content_and_never_run_past_a_slot(inputs):
    plan = plan_day(**inputs)
    assert_sound_with_relays(plan, inputs)
    # Without emergencies, every moment of every relay is on air: nothing else takes a relay's time.
    if not any(c.level is Level.EMERGENCY for c in inputs["candidates"]):
        relay_ms = sum(it.duration_ms for ps in plan.slots for it in ps.items if it.kind == "relay")
        assert relay_ms == _union_ms([(r.starts_at, r.ends_at) for r in inputs["relays"]])
    # Content is still explained: placed, or left out with a reason.
    placed = {it.content_id for ps in plan.slots for it in ps.items if it.kind == "content"}
    assert placed | {lo.content_id for lo in plan.left_out} == {c.content_id for c in inputs["candidates"]}


@FAST
@given(relay_day_inputs(), st.randoms(use_true_random=False))
def test_relays_and_orders_are_deterministic_and_blind_to_input_order(inputs, rnd: random.Random):
    first = plan_day(**inputs)
    shuffled = dict(inputs)
    shuffled["relays"] = rnd.sample(inputs["relays"], len(inputs["relays"]))
    shuffled["slots"] = rnd.sample(inputs["slots"], len(inputs["slots"]))
    assert plan_day(**shuffled) == first


@FAST
@given(relay_day_inputs())
def test_an_operators_priority_order_is_kept_within_each_run(inputs):
    plan = plan_day(**inputs)
    for ps in plan.slots:
        order = inputs["priority_order"].get(ps.slot.slot_id)
        if not order:
            continue
        rank = {cid: i for i, cid in enumerate(order)}
        run: list[int] = []
        for item in ps.items:
            if item.kind == "relay":
                run = []
            elif item.kind == "content" and item.level is Level.PRIORITY:
                assert not run or rank[item.content_id] > run[-1]
                run.append(rank[item.content_id])


@FAST
@given(relay_day_inputs(), st.integers(0, 20 * 60), audio_st)
def test_emergency_insert_with_relays_keeps_the_plan_sound(inputs, minutes_after_five, alert_audio):
    plan = plan_day(**inputs)
    now = datetime.combine(DAY, time(5), tzinfo=VN) + timedelta(minutes=minutes_after_five)
    alert = Candidate(999, "Cảnh báo bão", None, Level.EMERGENCY, DAY, DAY, True, True, alert_audio)
    res = emergency_insert(plan, alert, now)
    for index, (old, new) in enumerate(zip(plan.slots, res.plan.slots, strict=True)):
        assert new.slot == old.slot
        if index not in res.slot_indexes:
            assert new == old
            continue
        cursor = new.slot.starts_at
        for pos, it in enumerate(new.items):
            assert it.position == pos and it.starts_at >= cursor
            cursor = it.ends_at
        assert cursor <= new.slot.ends_at
        # A relay never starts earlier than planned, ends when planned, and is never lost.
        before = {it.relay_id: it for it in old.items if it.kind == "relay"}
        after = {it.relay_id: it for it in new.items if it.kind == "relay"}
        assert set(after) == set(before)
        for relay_id, it in after.items():
            assert it.starts_at >= before[relay_id].starts_at and it.ends_at == before[relay_id].ends_at
