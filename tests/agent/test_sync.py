"""Syncing, forwarding and commands in-process against the loopback stub (real HTTP, real files, real
SQLite): playlists with ETags, resumed downloads, pruning, the disk budget, an unreachable server,
Retry-After, and commands obeyed once."""

import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.cache import MediaCache, PlaylistCache
from agent.clock import AgentClock, OffsetMeter, local_zone
from agent.commands import Command, CommandBook
from agent.db import Database
from agent.forwarder import Forwarder
from agent.outbox import Outbox, make_event
from agent.server import ServerClient, Unreachable
from agent.settings import AgentSettings
from agent.state import Device, Paths
from agent.sync import Syncer
from tests.agent.harness import TZ
from tests.agent.stub_server import StubServer, add_media

START = datetime(2026, 12, 3, 7, 0, tzinfo=TZ)  # the agent's clock, not the machine's: any day will do


def _playlist(day: date, shas: list[str], base: str, version: int = 1) -> dict[str, Any]:
    items = [{"kind": "content", "content_id": i + 1, "title": f"Tin {i + 1}", "level": "normal",
              "starts_at": (START + timedelta(seconds=10 * i)).isoformat(), "duration_ms": 10_000,
              "audio_url": f"{base}/media/{sha}.mp3", "sha256": sha, "ext": "mp3"} for i, sha in enumerate(shas)]
    return {"cluster_id": 5, "date": day.isoformat(), "version": version,
            "slots": [{"name": "Sáng", "starts_at": START.isoformat(),
                       "ends_at": (START + timedelta(minutes=30)).isoformat(), "items": items}]}


class Rig:
    def __init__(self, tmp_path: Path, url: str, **settings: Any) -> None:
        self.paths = Paths(tmp_path / "state")
        self.paths.make()
        self.db = Database(self.paths.database)
        self.settings = AgentSettings(**settings)
        self.clock = AgentClock(START - timedelta(minutes=5))
        self.client = ServerClient(Device(server=url, cluster_id=5, token="t"), self.clock, OffsetMeter(), timeout_s=5)
        self.playlists = PlaylistCache(self.paths)
        self.media = MediaCache(self.paths)
        self.syncer = Syncer(client=self.client, db=self.db, playlists=self.playlists, media=self.media,
                             settings=self.settings, clock=self.clock, tz=local_zone("Asia/Ho_Chi_Minh"))


@pytest.fixture
def stub() -> Any:
    with StubServer() as server:
        yield server


def test_playlists_are_fetched_with_etags_and_files_resumed_verified_and_pruned(tmp_path: Path,
                                                                                stub: StubServer) -> None:
    a, b = add_media(stub.state, os.urandom(200_000)), add_media(stub.state, os.urandom(50_000))
    stub.state.cut_once.add(f"{a}.mp3")  # the link drops halfway through the first file
    stub.state.playlists[START.date().isoformat()] = _playlist(START.date(), [a, b], stub.url)
    rig = Rig(tmp_path, stub.url)
    report = rig.syncer.sync_once()
    assert report.fetched == [START.date()] and report.downloaded == 2 and not report.errors
    assert report.absent == [START.date() + timedelta(days=1), START.date() + timedelta(days=2)]
    ranges = [h.get("Range") for _, p, h in stub.state.requests if p == f"/media/{a}.mp3"]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    assert rig.media.shas() == {a, b}

    again = rig.syncer.sync_once()  # nothing changed: 304, no download
    assert again.unchanged == [START.date()] and again.downloaded == 0
    day_requests = [h for _, p, h in stub.state.requests if p.endswith(START.date().isoformat())]
    assert day_requests[-1].get("If-None-Match")

    stub.state.playlists[START.date().isoformat()] = _playlist(START.date(), [b], stub.url, version=2)
    pruned = rig.syncer.sync_once()
    assert pruned.fetched == [START.date()] and pruned.pruned == 1 and rig.media.shas() == {b}
    assert rig.playlists.playlists()[START.date()].version == 2


def test_an_unreachable_server_keeps_the_last_good_playlists_and_files(tmp_path: Path, stub: StubServer) -> None:
    a = add_media(stub.state, os.urandom(10_000))
    stub.state.playlists[START.date().isoformat()] = _playlist(START.date(), [a], stub.url)
    rig = Rig(tmp_path, stub.url)
    rig.syncer.sync_once()
    # the link goes down: nothing answers any more
    rig.syncer.client = ServerClient(Device(server="http://127.0.0.1:9", cluster_id=5, token="t"), rig.clock,
                                     OffsetMeter(), timeout_s=2)
    with pytest.raises(Unreachable):
        rig.syncer.sync_once()
    wait = rig.syncer.step()  # the loop's view: backs off, says so, keeps everything
    assert 0 < wait <= rig.settings.backoff_max_s
    assert "không kết nối được máy chủ" in rig.db.meta("sync_error")
    assert START.date() in PlaylistCache(rig.paths).playlists() and rig.media.shas() == {a}


def test_the_disk_budget_is_respected_and_reported(tmp_path: Path, stub: StubServer) -> None:
    shas = [add_media(stub.state, os.urandom(30_000)) for _ in range(3)]
    stub.state.playlists[START.date().isoformat()] = _playlist(START.date(), shas, stub.url)
    rig = Rig(tmp_path, stub.url, cache_budget_mb=70_000 / 1024 / 1024)
    report = rig.syncer.sync_once()
    assert report.over_budget and len(report.missing) == 1 and report.downloaded == 2
    assert rig.media.size_bytes() <= 70_000 and rig.media.shas() == set(shas[:2])  # the earliest items first
    assert "bộ nhớ đệm đã đầy" in report.errors[0]
    assert not list(rig.paths.tmp.glob("*.part"))


def test_a_busy_server_is_waited_for_and_the_same_batch_sent_again(tmp_path: Path, stub: StubServer) -> None:
    rig = Rig(tmp_path, stub.url)
    outbox = Outbox(rig.db)
    events = [make_event(started_at=START, duration_ms=1000, status="played", content_id=i) for i in (1, 2, 3)]
    for event in events:
        outbox.append(event)
    forwarder = Forwarder(client=rig.client, outbox=outbox, db=rig.db, settings=rig.settings)
    stub.state.busy = 1
    settled, wait = forwarder.send_once()
    assert settled == 0 and wait is not None and 1.0 <= wait <= 1.3  # Retry-After: 1, with jitter
    settled, wait = forwarder.send_once()
    assert settled == 3 and wait is None
    assert [e["event_id"] for e in stub.state.plays] == [e["event_id"] for e in events]
    assert outbox.counts().unsent == 0


def test_a_command_is_obeyed_once_and_an_expired_one_never(tmp_path: Path) -> None:
    db = Database(tmp_path / "agent.db")
    book = CommandBook(db, AgentClock())
    obeyed: list[str] = []

    def volume(command: Command) -> str:
        obeyed.append(command.id)
        return "obeyed"

    book.handlers["volume"] = volume
    now = datetime.now(TZ)
    fresh = {"id": "c-1", "type": "volume", "volume": 30, "issued_at": now.isoformat(),
             "expires_at": (now + timedelta(minutes=5)).isoformat()}
    stale = {**fresh, "id": "c-2", "expires_at": (now - timedelta(minutes=1)).isoformat()}
    from agent.commands import parse_command

    for raw, via in ((fresh, "push"), (fresh, "heartbeat"), (stale, "push")):
        book.handle(parse_command(raw, via, time.monotonic()))
    assert obeyed == ["c-1"]
    assert sorted(book.pending_acks()) == ["c-1", "c-2"]
    book.mark_acked(["c-1", "c-2"])
    assert book.pending_acks() == []
    assert book.handle(parse_command(fresh, "push", time.monotonic())) == "duplicate"
