"""The pure schedule: what plays when, from plain playlist fixtures (no clock, no files, no server)."""

from datetime import date, datetime, timedelta, timezone

from agent import ladder, schedule
from agent.model import DayPlaylist, Item, Slot, parse_playlist

TZ = timezone(timedelta(hours=7))
T0 = datetime(2026, 12, 3, 6, 0, tzinfo=TZ)


def item(key: str, start_s: float, dur_s: float, kind: str = "content", level: str = "normal",
         sha: str | None = None, stream: str | None = None) -> Item:
    return Item(key=key, kind=kind, content_id=None if kind != "content" else abs(hash(key)) % 1000 + 1,
                title=key, level=level, starts_at=T0 + timedelta(seconds=start_s), duration_ms=int(dur_s * 1000),
                audio_url=None if kind == "relay" else f"http://x/media/{sha or key}.mp3",
                sha256=None if kind == "relay" else (sha or key), ext="mp3", stream_url=stream)


def slot(*items: Item, minutes: float = 1.0, start_s: float = 0) -> Slot:
    return Slot(name="Sáng", starts_at=T0 + timedelta(seconds=start_s),
                ends_at=T0 + timedelta(seconds=start_s + minutes * 60), items=items)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


ABC = slot(item("a", 0, 10), item("b", 10, 10), item("c", 20, 10))
ALL = {"a", "b", "c", "f"}


def test_waits_for_the_slot_then_plays_items_in_order_at_their_times() -> None:
    assert schedule.next_step([ABC], set(), at(-5), ALL, False) == schedule.Idle(T0)
    step = schedule.next_step([ABC], set(), at(0), ALL, False)
    assert isinstance(step, schedule.PlayItem) and step.item.key == "a" and step.deadline == ABC.ends_at
    done = {(ABC.key, "a")}
    step = schedule.next_step([ABC], done, at(10.3), ALL, False)  # a little late: still b, from its start
    assert isinstance(step, schedule.PlayItem) and step.item.key == "b"
    step = schedule.next_step([ABC], done, at(9.8), ALL, False)  # "a" was a little short: b goes on at once
    assert isinstance(step, schedule.PlayItem) and step.item.key == "b"


def test_late_into_a_slot_skips_what_is_over_and_plays_what_should_be_playing() -> None:
    step = schedule.next_step([ABC], set(), at(15), ALL, False)
    assert isinstance(step, schedule.SkipItem) and step.item.key == "a"
    step = schedule.next_step([ABC], {(ABC.key, "a")}, at(15), ALL, False)
    assert isinstance(step, schedule.PlayItem) and step.item.key == "b"


def test_nothing_runs_past_the_slot_end() -> None:
    tight = slot(item("a", 0, 20), item("b", 20, 30), minutes=0.85)  # 51 s slot
    step = schedule.next_step([tight], {(tight.key, "a")}, at(25), ALL, False)
    assert isinstance(step, schedule.SkipItem) and "hết khung giờ" in step.reason
    assert schedule.next_step([tight], {(tight.key, "a")}, at(21), ALL, False).item.key == "b"  # type: ignore[union-attr]


def test_a_missing_file_fails_at_once_and_the_next_item_follows() -> None:
    step = schedule.next_step([ABC], set(), at(0), {"b", "c"}, True)
    assert isinstance(step, schedule.FailItem) and step.item.key == "a"
    step = schedule.next_step([ABC], {(ABC.key, "a")}, at(0.2), {"b", "c"}, True)
    assert isinstance(step, schedule.PlayItem) and step.item.key == "b"  # now, not at 00:10


def test_after_an_interruption_the_programme_goes_on_with_the_next_item() -> None:
    # "a" was stopped by an emergency that ended at 00:06: "b" starts now instead of at 00:10
    step = schedule.next_step([ABC], {(ABC.key, "a")}, at(6), ALL, False)
    assert isinstance(step, schedule.PlayItem) and step.item.key == "b"


def test_when_nothing_playable_is_left_the_fallback_fills_the_planned_time() -> None:
    done = {(ABC.key, "a")}
    step = schedule.next_step([ABC], done, at(0.2), set(), True)
    assert isinstance(step, schedule.FailItem) and step.item.key == "b"
    all_failed = {(ABC.key, k) for k in "abc"}
    assert schedule.next_step([ABC], all_failed, at(0.3), set(), True) == schedule.Fill(
        ABC, at(30), "lấp chỗ trống của mục không phát được")
    # without filler: silence, said so
    step = schedule.next_step([ABC], all_failed, at(0.3), set(), False)
    assert isinstance(step, schedule.Idle) and step.until == at(30) and "im lặng" in step.reason


def test_the_planned_tail_of_a_slot_is_not_filled() -> None:
    done = {(ABC.key, k) for k in "abc"}
    # after the last item the rest of the slot is the planner's unused time
    assert schedule.next_step([ABC], done, at(30.5), ALL, True) == schedule.Idle(None)


def test_an_empty_slot_and_a_day_without_playlist_play_the_filler() -> None:
    empty = slot()
    assert schedule.next_step([empty], set(), at(1), ALL, True) == schedule.Fill(empty, empty.ends_at,
                                                                                 "khung giờ trống")
    yesterday = DayPlaylist(cluster_id=1, day=date(2026, 12, 2), version=3,
                            slots=(slot(item("a", 0, 10), start_s=-86400),))
    stand_in = schedule.slots_around({yesterday.day: yesterday}, date(2026, 12, 3), TZ)
    today = [s for s in stand_in if s.template]
    assert [s.starts_at for s in today] == [T0, T0 + timedelta(days=1)]
    step = schedule.next_step(stand_in, set(), at(5), set(), True)
    assert isinstance(step, schedule.Fill) and step.reason == "khung giờ không có danh sách phát"


def test_a_relay_plays_live_to_its_end_and_preempts_lower_items() -> None:
    s = slot(item("a", 0, 40), item("r", 30, 20, kind="relay", stream="http://radio/live"))
    # the relay's time has come while "a" (normal) still plays: it must start now
    found = schedule.preempting([s], {(s.key, "a")}, at(30.1), ladder.NORMAL)
    assert found is not None and found[1].key == "r"
    assert schedule.preempting([s], {(s.key, "a")}, at(30.1), ladder.EMERGENCY) is None
    assert schedule.preempting([s], {(s.key, "a")}, at(29), ladder.NORMAL) is None
    step = schedule.next_step([s], {(s.key, "a")}, at(35), ALL, False)
    assert isinstance(step, schedule.PlayRelay) and step.until == at(50)
    # a relay keeps its time: a file item before it that ends early does not pull it forward
    step = schedule.next_step([s], {(s.key, "a")}, at(25), ALL, False)
    assert isinstance(step, schedule.Idle) and step.until == at(30)
    # a failed relay's window is filled, not skipped over to the next item
    after = slot(item("r", 0, 20, kind="relay", stream="http://radio/live"), item("b", 20, 10))
    step = schedule.next_step([after], {(after.key, "r")}, at(3), ALL, True)
    assert step == schedule.Fill(after, at(20), "lấp chỗ trống của mục không phát được")


def test_ladder_is_one_table_and_only_higher_levels_interrupt() -> None:
    assert ladder.LADDER == {"emergency": 100, "relay": 80, "priority": 75, "normal": 50, "filler": 25,
                             "silence": 1}
    assert ladder.interrupts(ladder.EMERGENCY, ladder.RELAY)
    assert not ladder.interrupts(ladder.EMERGENCY, ladder.EMERGENCY)
    assert not ladder.interrupts(ladder.NORMAL, ladder.PRIORITY)
    assert ladder.level_of("relay", "normal") == 80
    assert ladder.level_of("content", "priority") == 75
    assert ladder.level_of("intro", "filler") == ladder.level_of("filler", "filler") == 25


def _raw(items: list[dict]) -> dict:
    return {"cluster_id": 7, "date": "2026-12-03", "version": 2,
            "slots": [{"name": "Sáng", "starts_at": T0.isoformat(), "ends_at": (T0 + timedelta(minutes=5)).isoformat(),
                       "items": items}]}


def _it(kind: str, cid: int | None, start_s: int, sha: str = "s1") -> dict:
    return {"kind": kind, "content_id": cid, "title": f"{kind}{cid}", "level": "normal",
            "starts_at": (T0 + timedelta(seconds=start_s)).isoformat(), "duration_ms": 5000,
            "audio_url": f"http://x/media/{sha}.mp3", "sha256": sha, "ext": "mp3"}


def test_a_republished_playlist_does_not_replay_what_already_played() -> None:
    v1 = parse_playlist(_raw([_it("intro", None, 0, "j"), _it("content", 1, 5), _it("content", 2, 10),
                              _it("filler", None, 15, "f"), _it("filler", None, 20, "f")]))
    keys = [i.key for i in v1.slots[0].items]
    assert keys == ["intro:j#0", "content:1#0", "content:2#0", "filler:f#0", "filler:f#1"]
    # the server inserts an emergency (id 9) at 00:07 and shifts the rest: same keys for the same items
    v2 = parse_playlist(_raw([_it("intro", None, 0, "j"), _it("content", 1, 5), _it("content", 9, 10),
                              _it("content", 2, 15), _it("filler", None, 20, "f")]))
    s2 = v2.slots[0]
    assert s2.key == v1.slots[0].key
    done = {(s2.key, "intro:j#0"), (s2.key, "content:1#0"), (s2.key, "content:9#0")}  # 9 played as an alert
    step = schedule.next_step(list(v2.slots), done, at(15), {"s1", "f", "j"}, False)
    assert isinstance(step, schedule.PlayItem) and step.item.content_id == 2


def test_upcoming_lists_what_is_not_done() -> None:
    nxt = schedule.upcoming([ABC], {(ABC.key, "a")}, at(5), limit=2)
    assert [i.key for _, i in nxt] == ["b", "c"]
