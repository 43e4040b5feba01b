"""End to end against a real `loaxa serve`: a slot plays in order at its times and reaches the server;
a server outage and a SIGKILLed agent lose nothing and duplicate nothing; SIGTERM sends what just ended;
a corrupted file comes back; a download cut by the link resumes with Range."""

import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from tests.agent.harness import (
    ROOT,
    World,
    local_events,
    playing_now,
    running_agent,
    slot_start,
    start_agent,
    wait_for,
    write_state,
)


def _setup(world: World, tmp_path: Path, name: str, minutes: int = 1) -> tuple[int, datetime, list[dict], Path]:
    api = world.api
    cluster = world.cluster(name)
    start = slot_start(minutes)
    api.slot(cluster, start, minutes)
    api.build(start.date(), cluster)
    items = [it for s in api.playlist(cluster, start.date())["slots"] for it in s["items"]]
    assert [it["content_id"] for it in items] == [c["id"] for c in world.contents]
    state = write_state(tmp_path / "state", world.server, cluster, api.device_token(cluster))
    return cluster, start, items, state


def _content_events(world: World, cluster: int) -> list[dict]:
    return list(world.api.events(cluster))


def _at(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def test_a_slot_plays_in_order_at_its_times_and_every_item_reaches_the_server(live_world: World,
                                                                             tmp_path: Path) -> None:
    world = live_world
    cluster, start, items, state = _setup(world, tmp_path, "Cụm phát")
    with running_agent(state, clock=start - timedelta(seconds=3)):
        events = wait_for(lambda: (lambda ev: ev if len(ev) == len(items) else None)(_content_events(world, cluster)),
                          60, "every item of the slot on the server")
    assert [e["content_id"] for e in events] == [it["content_id"] for it in items]
    assert {e["status"] for e in events} == {"played"}
    for event, item in zip(events, items, strict=True):
        # its real start on the agent's clock: at the planned time, give or take the player's start
        assert abs((_at(event["started_at"]) - _at(item["starts_at"])).total_seconds()) < 1.0, (event, item)
        assert abs(event["duration_ms"] - item["duration_ms"]) < 1000
    assert len({e["event_id"] for e in events}) == len(events)

    status = subprocess.run([sys.executable, "-m", "agent", "status", "--state", str(state)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    out = status.stdout
    assert f"{start:%d/%m/%Y}: phiên bản" in out and f"đủ {len(items)} tệp" in out
    assert "Nhật ký phát chưa gửi: 0 sự kiện" in out
    assert "Đồng bộ thành công gần nhất: " + f"{start:%d/%m/%Y}" in out
    assert "Độ lệch đồng hồ so với máy chủ:" in out


def test_a_server_down_for_a_whole_slot_loses_and_duplicates_nothing(live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster, start, items, state = _setup(world, tmp_path, "Cụm mất mạng")
    media = state / "media"
    with running_agent(state, clock=start - timedelta(seconds=6)) as agent:
        wait_for(lambda: len(list(media.glob("*.mp3"))) == len(items), 30, "the slot's files in the cache")
        world.server.stop()
        try:
            # The whole slot plays from the cache while nobody answers.
            played = wait_for(lambda: (lambda ev: ev if len(ev) == len(items) else None)(
                [e for e in local_events(state) if e["kind"] == "content"]), 60, "the slot played offline")
            assert [e["content_id"] for e in played] == [it["content_id"] for it in items]
            assert "Không kết nối được máy chủ" in agent.output()
        finally:
            world.server.start()
        events = wait_for(lambda: (lambda ev: ev if len(ev) >= len(items) else None)(_content_events(world, cluster)),
                          60, "the events after the server came back")
        wait_for(lambda: not local_events(state), 30, "an empty outbox")
        time.sleep(2)  # a resend would show up now
    events = _content_events(world, cluster)
    assert sorted(e["event_id"] for e in events) == sorted(e["event_id"] for e in played)
    assert [e["status"] for e in events] == ["played"] * len(items)


def test_an_agent_killed_mid_slot_resumes_without_loss_or_duplicates(live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster, start, items, state = _setup(world, tmp_path, "Cụm mất điện")
    clock0 = start - timedelta(seconds=3)
    t0 = time.monotonic()
    second = items[1]
    agent = start_agent(state, clock=clock0)
    try:
        wait_for(lambda: any(p["content_id"] == second["content_id"] for p in playing_now(state)), 40,
                 "the second item on air")
        time.sleep(1.5)
        killed_at = clock0 + timedelta(seconds=time.monotonic() - t0)
        agent.stop(signal.SIGKILL)
        assert agent.proc.returncode == -signal.SIGKILL
        # Power is back: the same timeline goes on (the agent's clock as if it had kept running).
        with running_agent(state, clock=clock0 + timedelta(seconds=time.monotonic() - t0)) as again:
            events = wait_for(lambda: (lambda ev: ev if len(ev) == len(items) else None)(
                _content_events(world, cluster)), 60, "all three items on the server")
            time.sleep(2)
            assert "dừng đột ngột" in again.output()
    finally:
        agent.stop()
    events = _content_events(world, cluster)
    assert [(e["content_id"], e["status"]) for e in events] == [
        (items[0]["content_id"], "played"), (second["content_id"], "interrupted"), (items[2]["content_id"], "played")]
    interrupted = events[1]
    # its duration reaches the last progress recorded before the kill (recorded every 0.5 s here)
    expected = (killed_at - _at(interrupted["started_at"])).total_seconds() * 1000
    assert expected - 900 <= interrupted["duration_ms"] <= expected + 100
    assert len({e["event_id"] for e in events}) == len(events)


def test_a_corrupted_cached_file_is_fetched_again(live_world: World, tmp_path: Path) -> None:
    world = live_world
    _, start, items, state = _setup(world, tmp_path, "Cụm tệp hỏng")
    target = state / "media" / f"{items[0]['sha256']}.mp3"
    # far from the slot: only syncing happens
    with running_agent(state, clock=start - timedelta(minutes=5)) as agent:
        wait_for(target.exists, 30, "the file in the cache")
        good = target.read_bytes()
        target.write_bytes(b"\0" * 1000 + good[1000:])
        wait_for(lambda: target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == items[0]["sha256"],
                 30, "the file fetched again")
        assert "bị hỏng" in agent.output()
    assert target.read_bytes() == good


def test_sigterm_ends_the_item_on_air_and_sends_it_before_leaving(live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster, start, items, state = _setup(world, tmp_path, "Cụm tắt máy")
    second = items[1]
    # the outbox is sent every 30 s while running: only the flush on the way out can bring the last event
    agent = start_agent(state, clock=start - timedelta(seconds=3), env={"LOAXA_AGENT_FORWARD_INTERVAL_S": "30"})
    try:
        wait_for(lambda: any(p["content_id"] == second["content_id"] for p in playing_now(state)), 40,
                 "the second item on air")
        time.sleep(1)
        assert agent.stop(signal.SIGTERM) == 0
    finally:
        agent.stop()
    assert "Nhận tín hiệu SIGTERM" in agent.output() and "trước khi dừng" in agent.output()
    assert not local_events(state) and not playing_now(state)
    events = _content_events(world, cluster)
    assert [(e["content_id"], e["status"]) for e in events] == [
        (items[0]["content_id"], "played"), (second["content_id"], "interrupted")]
    assert 500 <= events[1]["duration_ms"] < second["duration_ms"]


class _CuttingProxy:
    """A TCP proxy in front of the real server that drops the link once, in the middle of the first
    audio file it carries (what a 3G link does), and notes every audio request's Range header."""

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.cut_done = False
        self.ranges: list[str | None] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            state = {"cut_here": False}
            threading.Thread(target=self._pipe, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, state, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, state: dict, to_server: bool) -> None:
        sent = 0
        try:
            while data := src.recv(65536):
                if to_server:
                    for line in re.findall(rb"GET (/media/\S+) HTTP/1.1\r\n((?:.+\r\n)*)", data):
                        found = re.search(rb"(?i)^range: (.+)\r$", line[1], re.M)
                        self.ranges.append(found.group(1).decode() if found else None)
                        if not self.cut_done:
                            self.cut_done = state["cut_here"] = True
                elif state["cut_here"]:
                    sent += len(data)
                    if sent > self.cut_after:
                        dst.sendall(data[: len(data) - (sent - self.cut_after)])
                        break  # the link drops mid-file
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.sock.close()


def test_a_download_cut_in_the_middle_resumes_with_range_from_the_real_server(live_world: World,
                                                                             tmp_path: Path) -> None:
    world = live_world
    _, start, items, state = _setup(world, tmp_path, "Cụm mạng chập chờn")
    proxy = _CuttingProxy(world.server.port, cut_after=6_000)
    try:
        device = json.loads((state / "device.json").read_text())
        (state / "device.json").write_text(json.dumps({**device, "server": proxy.url}))
        with running_agent(state, clock=start - timedelta(minutes=5)) as agent:
            wait_for(lambda: all((state / "media" / f"{it['sha256']}.mp3").exists() for it in items), 60,
                     "every file, the cut one resumed")
            assert "bị ngắt sau" in agent.output()
    finally:
        proxy.close()
    assert proxy.cut_done
    # the file cut after 6,000 bytes was asked for again from where it stopped (headers and all)
    assert any(r is not None and r.startswith("bytes=") and int(r[6:].rstrip("-")) > 0 for r in proxy.ranges), \
        proxy.ranges
    for it in items:
        data = (state / "media" / f"{it['sha256']}.mp3").read_bytes()
        assert hashlib.sha256(data).hexdigest() == it["sha256"]
