"""Relays ("tiếp sóng") and operators' priority orders in the pure planner, on plain fixtures."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from playlists.planner import Level, PlanningInputError, RelayWindow, emergency_insert, plan_day
from tests.playlists.test_planner import DAY, audio, cand, ids, kinds, slot

VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "http://127.0.0.1:9/vov1"


def at(hhmm: str, day: date = DAY) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=VN)


def relay(relay_id: int, hhmm: str, minutes: float, name: str | None = None, day: date = DAY) -> RelayWindow:
    start = at(hhmm, day)
    return RelayWindow(relay_id, name or f"VOV {relay_id}", URL, start, start + timedelta(minutes=minutes))


def plan(slots, candidates, relays=(), filler=None, order=None):
    return plan_day(day=DAY, tz=VN, slots=slots, candidates=candidates, progress={}, last_planned={},
                    filler=filler, relays=relays, priority_order=order)


def spans(ps):
    return [(it.kind, it.starts_at.strftime("%H:%M:%S"), it.ends_at.strftime("%H:%M:%S")) for it in ps.items]


def test_a_relay_inside_a_slot_keeps_its_time_and_content_fills_around_it():
    s = slot(1, "06:00", 30, intro=audio(90, 10), outro=audio(91, 10))
    p = plan([s], [cand(1, 120, Level.PRIORITY), cand(2, 240), cand(3, 300), cand(4, 600)],
             relays=[relay(7, "06:10", 15)], filler=audio(92, 30))
    (ps,) = p.slots
    # Before the relay (06:00:10-06:10, 590 s): the priority item, the normal item that fits, whole
    # fillers; 20 s stay free in front of the relay. After it (06:25-06:29:50): fillers, then the outro.
    assert spans(ps)[:3] == [("intro", "06:00:00", "06:00:10"), ("content", "06:00:10", "06:02:10"),
                             ("content", "06:02:10", "06:06:10")]
    assert kinds(ps) == ["intro", "content", "content", *["filler"] * 7, "relay", *["filler"] * 9, "outro"]
    assert spans(ps)[9] == ("filler", "06:09:10", "06:09:40")
    assert spans(ps)[-1] == ("outro", "06:29:30", "06:29:40")
    assert ids(ps)[1:3] == [1, 2]
    relay_item = ps.items[kinds(ps).index("relay")]
    assert (relay_item.relay_id, relay_item.stream_url, relay_item.title) == (7, URL, "VOV 7")
    assert relay_item.level is Level.RELAY and relay_item.audio is None and relay_item.content_id is None
    assert (relay_item.starts_at, relay_item.ends_at) == (at("06:10"), at("06:25"))
    # After the relay: what fits in 06:25-06:29:50, then the outro; nothing overlaps the relay.
    after = ps.items[kinds(ps).index("relay") + 1:]
    assert after[-1].kind == "outro" and after[-1].ends_at <= s.ends_at
    assert all(it.starts_at >= relay_item.ends_at for it in after)
    assert all(it.ends_at <= relay_item.starts_at for it in ps.items[:kinds(ps).index("relay")])
    assert ps.unused_ms == s.duration_ms - sum(it.duration_ms for it in ps.items)


def test_a_relay_outside_every_slot_gets_its_own_block_named_after_it():
    s = slot(1, "06:00", 30)
    p = plan([s], [cand(1, 60)], relays=[relay(3, "12:00", 60, "Thời sự VOV1")])
    assert [(ps.slot.name, ps.slot.slot_id) for ps in p.slots] == [("Khung 1", 1), ("Thời sự VOV1", -3)]
    block = p.slots[1]
    assert kinds(block) == ["relay"] and block.items[0].duration_ms == 3_600_000 and block.unused_ms == 0
    assert ids(p.slots[0]) == [1]  # normal content never goes into a relay block


def test_a_relay_overlapping_a_slot_edge_is_split_between_the_slot_and_a_block():
    s = slot(1, "06:00", 30)
    p = plan([s], [], relays=[relay(5, "06:20", 30)])
    assert [(ps.slot.name, ps.slot.starts_at, ps.slot.ends_at) for ps in p.slots] == [
        ("Khung 1", at("06:00"), at("06:30")), ("VOV 5", at("06:30"), at("06:50"))]
    assert [(it.kind, it.starts_at, it.ends_at) for it in p.slots[0].items] == [("relay", at("06:20"), at("06:30"))]
    assert [(it.kind, it.starts_at, it.ends_at) for it in p.slots[1].items] == [("relay", at("06:30"), at("06:50"))]


def test_an_emergency_delays_a_relay_and_the_intro_gives_way_to_it():
    s = slot(1, "06:00", 30, intro=audio(90, 10))
    p = plan([s], [cand(1, 60, Level.EMERGENCY), cand(2, 60)], relays=[relay(2, "06:00", 10)])
    (ps,) = p.slots
    assert kinds(ps)[:2] == ["content", "relay"]  # no intro: it would delay the relay
    assert ps.items[0].level is Level.EMERGENCY and ps.items[1].starts_at == at("06:01")
    assert ps.items[1].ends_at == at("06:10")


def test_overlapping_relays_the_earlier_wins_and_the_later_starts_when_it_ends():
    p = plan([slot(1, "06:00", 60)], [], relays=[relay(9, "06:20", 20), relay(4, "06:10", 20)])
    got = [(it.relay_id, it.starts_at, it.ends_at) for it in p.slots[0].items]
    assert got == [(4, at("06:10"), at("06:30")), (9, at("06:30"), at("06:40"))]


def test_relay_input_is_checked():
    with pytest.raises(PlanningInputError):
        plan([], [], relays=[relay(1, "06:00", 10), relay(1, "07:00", 10)])
    with pytest.raises(PlanningInputError):
        plan([], [], relays=[relay(1, "06:00", 10, day=DAY + timedelta(days=1))])
    with pytest.raises(PlanningInputError):
        RelayWindow(1, "x", URL, at("06:00"), at("06:00"))


def test_an_operators_priority_order_comes_first_in_its_slot_only():
    s1, s2 = slot(1, "06:00", 30), slot(2, "17:00", 30)
    # Default: earliest valid_until first, then content id.
    cands = [cand(1, 60, Level.PRIORITY, valid_until=date(2025, 6, 12)), cand(2, 60, Level.PRIORITY),
             cand(3, 60, Level.PRIORITY, valid_until=date(2025, 6, 20))]
    default = plan([s1, s2], cands)
    assert [ids(ps) for ps in default.slots] == [[1, 3, 2], [1, 3, 2]]
    ordered = plan([s1, s2], cands, order={1: [2, 1]})
    assert [ids(ps) for ps in ordered.slots] == [[2, 1, 3], [1, 3, 2]]
    # Ids that are not priority items of the day are ignored.
    assert ids(plan([s1], cands, order={1: [99, 3]}).slots[0]) == [3, 1, 2]


def test_emergency_insert_keeps_a_relay_at_its_time_or_delays_it_when_it_must():
    s = slot(1, "06:00", 20)
    base = plan([s], [cand(1, 240), cand(2, 240)], relays=[relay(7, "06:10", 10)])
    assert kinds(base.slots[0]) == ["content", "content", "relay"]
    alert = cand(50, 60, Level.EMERGENCY)
    res = emergency_insert(base, alert, at("05:00"))
    items = res.plan.slots[0].items
    assert [it.content_id for it in items] == [50, 1, 2, None]
    assert items[-1].starts_at == at("06:10") and items[-1].ends_at == at("06:20")  # the relay did not move
    big = cand(51, 11 * 60, Level.EMERGENCY)
    res = emergency_insert(base, big, at("05:00"))
    items = res.plan.slots[0].items
    assert [it.kind for it in items] == ["content", "relay"] and items[0].content_id == 51
    assert items[1].starts_at == at("06:11") and items[1].ends_at == at("06:20")
    assert {it.content_id for it in res.dropped} == {1, 2}
