"""The outbox on a real SQLite file: what is appended survives a crash, leaves only when acknowledged,
and refused events are delayed then kept aside without blocking the others."""

import multiprocessing
import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

from agent.db import Database
from agent.outbox import MAX_REJECTIONS, Outbox, make_event

TZ = timezone(timedelta(hours=7))
T0 = datetime(2026, 12, 3, 6, 0, tzinfo=TZ)


def _event(cid: int | None = 1, kind: str = "content") -> dict:
    return make_event(started_at=T0, duration_ms=0, status="interrupted", content_id=cid, kind=kind,
                      sha256=None if kind == "content" else "ab" * 32)


def test_wal_and_full_sync_are_on(tmp_path: Path) -> None:
    db = Database(tmp_path / "agent.db")
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    assert db.query("PRAGMA synchronous")[0][0] == 2  # FULL


def test_an_item_on_air_becomes_a_final_event_atomically(tmp_path: Path) -> None:
    outbox = Outbox(Database(tmp_path / "agent.db"))
    event = _event()
    outbox.begin(event)
    outbox.progress(event["event_id"], 2500)
    assert outbox.counts().playing == 1 and outbox.counts().unsent == 0
    final = outbox.finish(event["event_id"], status="played", duration_ms=4100)
    assert final["event_id"] == event["event_id"] and final["status"] == "played" and final["duration_ms"] == 4100
    assert outbox.counts().playing == 0
    [pending] = outbox.batch(10, 0)
    assert pending.event == final
    assert final["started_at"] == "2026-12-03T06:00:00.000+07:00" and final["kind"] == "content"


def _crash_while_playing(path: str, event: dict) -> None:
    outbox = Outbox(Database(Path(path)))
    outbox.begin(event)
    outbox.progress(event["event_id"], 7300)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_process_loses_nothing_and_its_item_becomes_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "agent.db"
    event = _event()
    proc = multiprocessing.get_context("spawn").Process(target=_crash_while_playing, args=(str(path), event))
    proc.start()
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    outbox = Outbox(Database(path))
    [recovered] = outbox.recover()
    assert recovered["event_id"] == event["event_id"]
    assert recovered["status"] == "interrupted" and recovered["duration_ms"] == 7300
    assert [p.event["event_id"] for p in outbox.batch(10, 0)] == [event["event_id"]]
    assert outbox.recover() == []  # once


def test_only_what_the_server_counted_leaves_and_refusals_wait_then_are_parked(tmp_path: Path) -> None:
    outbox = Outbox(Database(tmp_path / "agent.db"))
    good, bad = _event(1), _event(None, kind="filler")
    outbox.append(good)
    outbox.append(bad)
    outbox.append(good)  # the same event_id again: one row
    batch = outbox.batch(10, 0)
    assert [p.event["event_id"] for p in batch] == [good["event_id"], bad["event_id"]]
    deleted, parked = outbox.settle(batch, {1: "content_id: thiếu"}, now_wall=1000.0)
    assert (deleted, parked) == (1, 0)
    assert outbox.batch(10, 1000.0) == []                      # delayed: does not block anything
    assert [p.event for p in outbox.batch(10, 1000.0 + 61)] == [bad]
    now = 1000.0
    for _ in range(MAX_REJECTIONS - 1):
        now += 10 ** 6
        outbox.settle(outbox.batch(10, now), {0: "content_id: thiếu"}, now)
    counts = outbox.counts()
    assert (counts.unsent, counts.parked) == (0, 1)
    assert outbox.batch(10, now + 10 ** 9) == []               # never sent for ever
    assert outbox.parked_reasons() == ["content_id: thiếu"]
