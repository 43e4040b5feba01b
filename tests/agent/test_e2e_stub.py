"""The agent process against the loopback stub of docs/devices.md, for what the real server does not
serve yet: relay items (a live stream served by the test), the fallback chain, heartbeat commands and
refused non-content events. The agent, its outbox, players and HTTP are all real."""

import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.state import Device, save_device
from tests.agent.harness import TZ, local_events, local_rows, playing_now, running_agent, wait_for
from tests.agent.stub_server import StubServer, add_media

CLOSED_PORT_URL = "http://127.0.0.1:9/live.mp3"


def _item(kind: str, start: datetime, seconds: float, *, content_id: int | None = None, sha: str | None = None,
          base: str = "", stream: str | None = None, relay_id: int | None = None, title: str = "") -> dict[str, Any]:
    return {"position": 0, "kind": kind, "content_id": content_id, "title": title or kind, "level":
            "filler" if kind in ("filler", "intro", "outro") else "normal", "starts_at": start.isoformat(),
            "duration_ms": int(seconds * 1000), "audio_url": f"{base}/media/{sha}.mp3" if sha else None,
            "sha256": sha, "ext": "mp3" if sha else None, "stream_url": stream, "relay_id": relay_id}


def _playlist(day: date, start: datetime, items: list[dict[str, Any]], minutes: int = 1) -> dict[str, Any]:
    return {"cluster_id": 5, "date": day.isoformat(), "version": 1,
            "slots": [{"index": 0, "name": "Thử", "starts_at": start.isoformat(),
                       "ends_at": (start + timedelta(minutes=minutes)).isoformat(), "items": items}]}


def _state(tmp_path: Path, stub: StubServer) -> Path:
    state = tmp_path / "state"
    save_device(state, Device(server=stub.url, cluster_id=5, token="stub-token", cluster_name="Cụm giả lập"))
    return state


def _start() -> datetime:
    return datetime.now(TZ).replace(microsecond=0) + timedelta(minutes=30)


def _events(stub: StubServer, **match: Any) -> list[dict[str, Any]]:
    with stub.state.lock:
        return [e for e in stub.state.plays if all(e.get(k) == v for k, v in match.items())]


def _describe(stub: StubServer) -> str:
    return "\n".join(f"{e['kind']} {e['source']} {e['status']} {e['started_at']} {e['duration_ms']} {e.get('error')}"
                     for e in stub.state.plays)


def test_relays_play_live_and_a_dead_stream_falls_back_to_filler(tmp_path: Path) -> None:
    with StubServer() as stub:
        start = _start()
        at = lambda s: start + timedelta(seconds=s)  # noqa: E731
        filler = add_media(stub.state, os.urandom(20_000))
        stub.state.playlists[start.date().isoformat()] = _playlist(start.date(), start, [
            _item("relay", at(0), 5, stream=f"{stub.url}/stream.mp3", relay_id=1, title="Tiếp sóng VOV1"),
            _item("relay", at(5), 5, stream=CLOSED_PORT_URL, relay_id=2, title="Tiếp sóng tỉnh (tắt)"),
            _item("relay", at(10), 6, stream=f"{stub.url}/stream.mp3", relay_id=3, title="Tiếp sóng rớt"),
            _item("filler", at(16), 2, sha=filler, base=stub.url, title="Nhạc hiệu"),
        ])
        state = _state(tmp_path, stub)
        with running_agent(state, clock=start - timedelta(seconds=2),
                           env={"LOAXA_AGENT_RELAY_MAX_KBPS": "512"}):
            wait_for(lambda: any(p.get("relay_id") == 3 for p in playing_now(state)), 30, "the third relay on air")
            time.sleep(1.5)
            stub.state.stream_up = False  # the station drops its stream mid-relay
            wait_for(lambda: _events(stub, kind="filler", source="schedule"), 30, "the scheduled filler")
        ok = _events(stub, relay_id=1)
        assert [(e["kind"], e["status"], e["content_id"]) for e in ok] == [("relay", "played", None)]
        assert 4700 <= ok[0]["duration_ms"] <= 5400
        [dead] = _events(stub, relay_id=2)
        assert dead["status"] == "failed" and "không kết nối được" in dead["error"]
        [dropped] = _events(stub, relay_id=3)
        assert dropped["status"] == "failed" and 1000 <= dropped["duration_ms"] <= 4500
        fallback = _events(stub, kind="filler", source="fallback")
        assert fallback and all(e["sha256"] == filler and e["content_id"] is None for e in fallback)
        # the dead relay's five seconds and the dropped one's rest were filled: never dead air
        starts = sorted(datetime.fromisoformat(e["started_at"]) for e in fallback)
        assert starts[0] - at(5) < timedelta(seconds=1)
        assert any(at(11) < s < at(16) for s in starts)
        filled_ms = sum(e["duration_ms"] for e in fallback)
        relay3_lost = 6000 - dropped["duration_ms"]
        assert filled_ms >= 5000 + relay3_lost - 1500, _describe(stub)


def test_a_day_without_playlist_plays_the_cached_filler_at_the_usual_slot_times(tmp_path: Path) -> None:
    with StubServer() as stub:
        start = _start()
        yesterday = start - timedelta(days=1)
        filler = add_media(stub.state, os.urandom(10_000))
        content = add_media(stub.state, os.urandom(10_000))
        stub.state.playlists[yesterday.date().isoformat()] = _playlist(yesterday.date(), yesterday, [
            _item("content", yesterday, 3, content_id=77, sha=content, base=stub.url),
            _item("filler", yesterday + timedelta(seconds=3), 2, sha=filler, base=stub.url),
        ])
        state = _state(tmp_path, stub)
        # Yesterday's playlist was cached; today's never came (404).
        with running_agent(state, clock=yesterday - timedelta(minutes=2)):
            wait_for(lambda: (state / "media" / f"{filler}.mp3").exists(), 20, "yesterday's filler cached")
        with running_agent(state, clock=start - timedelta(seconds=1)):
            events = wait_for(lambda: (lambda f: f if len(f) >= 2 else None)(
                _events(stub, kind="filler", source="fallback")), 30, "fallback filler in today's slot")
        assert datetime.fromisoformat(events[0]["started_at"]) - start < timedelta(seconds=1)
        assert not _events(stub, content_id=77)


def test_heartbeat_commands_are_obeyed_once_and_acknowledged(tmp_path: Path) -> None:
    with StubServer() as stub:
        start = _start()
        filler = add_media(stub.state, os.urandom(5_000))
        content = add_media(stub.state, os.urandom(5_000))
        stub.state.playlists[start.date().isoformat()] = _playlist(start.date(), start, [
            _item("filler", start, 1, sha=filler, base=stub.url),
            _item("content", start + timedelta(seconds=1), 2, content_id=9, sha=content, base=stub.url),
        ])
        stub.state.refuse_non_content = True  # as today's server does: content_id is required
        stub.state.heartbeat_commands = [
            {"id": "c-vol", "type": "volume", "volume": 42, "issued_at": datetime.now(TZ).isoformat(),
             "expires_at": (datetime.now(TZ) + timedelta(hours=1)).isoformat()},
            {"id": "c-old", "type": "volume", "volume": 5, "issued_at": "2020-01-01T00:00:00+07:00",
             "expires_at": "2020-01-01T01:00:00+07:00"},
            {"id": "c-sync", "type": "sync", "issued_at": datetime.now(TZ).isoformat(), "expires_at": None},
        ]
        state = _state(tmp_path, stub)
        with running_agent(state, clock=start - timedelta(seconds=2), env={"LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "1"}):
            wait_for(lambda: not stub.state.heartbeat_commands, 30, "every command acknowledged")
            wait_for(lambda: _events(stub, content_id=9), 30, "the content event")
            beats = list(stub.state.heartbeats)
        acked = [a for b in beats for a in b["acked_commands"]]
        assert sorted(acked) == ["c-old", "c-sync", "c-vol"]  # each once: the expired one too, not obeyed
        assert local_rows(state, "SELECT value FROM meta WHERE key = 'volume'") == [("42",)]
        last = beats[-1]
        assert last["agent_version"] and last["push"] == "off" and last["playlist_date"] == start.date().isoformat()
        assert isinstance(last["clock_offset_ms"], int) and last["clock_offset_ms"] < -1_500_000  # 30 min ahead
        assert last["volume"] == 42 and "disk_free_mb" in last and "unsent_events" in last
        # Every heartbeat is one the real server accepts: its model, not the stub's leniency, decides.
        from devices.heartbeats import HeartbeatIn

        for beat in beats:
            HeartbeatIn.model_validate(beat)
        assert last["cache_mb"] >= 1  # a few kB of cached audio is reported as 1 MB, never as 0.01
        # the refused filler event waits aside; it never held the content event back
        [(body, rejections)] = local_rows(state, "SELECT body, rejections FROM outbox")
        assert '"kind": "filler"' in body and rejections == 1
        assert [e["status"] for e in _events(stub, content_id=9)] == ["played"]
        assert not local_events(state)[0]["content_id"]


def test_play_now_waits_its_turn_or_interrupts_by_its_level(tmp_path: Path) -> None:
    with StubServer() as stub:
        start = _start()
        first, second = add_media(stub.state, os.urandom(8_000)), add_media(stub.state, os.urandom(8_000))
        normal, urgent = add_media(stub.state, os.urandom(4_000)), add_media(stub.state, os.urandom(4_000))
        stub.state.playlists[start.date().isoformat()] = _playlist(start.date(), start, [
            _item("content", start, 8, content_id=9, sha=first, base=stub.url),
            _item("content", start + timedelta(seconds=8), 3, content_id=10, sha=second, base=stub.url),
        ])
        state = _state(tmp_path, stub)
        now = datetime.now(TZ)

        def play_now(content_id: int, sha: str, level: str) -> dict[str, Any]:
            return {"id": f"c-now-{content_id}", "type": "play_now", "content_id": content_id,
                    "title": f"Phát ngay {level}", "audio_url": f"{stub.url}/media/{sha}.mp3", "sha256": sha,
                    "duration_ms": 2000, "level": level,
                    "issued_at": now.isoformat(), "expires_at": (now + timedelta(hours=1)).isoformat()}

        with running_agent(state, clock=start - timedelta(seconds=1), env={"LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "1"}):
            wait_for(lambda: any(p["content_id"] == 9 for p in playing_now(state)), 20, "the first bulletin on air")
            time.sleep(1)
            with stub.state.lock:
                stub.state.heartbeat_commands = [play_now(21, normal, "normal"), play_now(22, urgent, "priority")]
            wait_for(lambda: _events(stub, content_id=10), 30, "the programme after the play-now items")
        order = [(e["content_id"], e["status"], e["source"]) for e in stub.state.plays if e["kind"] == "content"]
        # the priority item interrupts the normal bulletin; the normal one waits for its turn; then the programme
        assert order == [(9, "interrupted", "schedule"), (22, "played", "play_now"), (21, "played", "play_now"),
                         (10, "played", "schedule")], _describe(stub)


def test_a_slow_emergency_download_does_not_hold_other_commands_and_a_relative_url_is_the_servers(
        tmp_path: Path) -> None:
    with StubServer() as stub:
        start = _start()
        bulletin = add_media(stub.state, os.urandom(8_000))
        alarm = add_media(stub.state, os.urandom(6_000))
        stub.state.slow_media[f"{alarm}.mp3"] = 6.0
        stub.state.playlists[start.date().isoformat()] = _playlist(start.date(), start, [
            _item("content", start, 20, content_id=9, sha=bulletin, base=stub.url)])
        state = _state(tmp_path, stub)
        now = datetime.now(TZ)
        with running_agent(state, clock=start - timedelta(seconds=1),
                           env={"LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "1", "LOAXA_AGENT_ALERTS_INTERVAL_S": "1"}):
            wait_for(lambda: any(p["content_id"] == 9 for p in playing_now(state)), 20, "the bulletin on air")
            # a server that does not know its public address sends paths: the agent fetches them from itself
            with stub.state.lock:
                stub.state.alerts = [{"content_id": 31, "title": "Lũ quét", "audio_url": f"/media/{alarm}.mp3",
                                      "sha256": alarm, "duration_ms": 2000, "issued_at": now.isoformat()}]
            wait_for(lambda: any(p == f"/media/{alarm}.mp3" for m, p, _ in stub.state.requests), 10,
                     "the emergency's audio asked for")
            with stub.state.lock:
                stub.state.heartbeat_commands = [
                    {"id": "c-vol", "type": "volume", "volume": 17, "issued_at": now.isoformat(),
                     "expires_at": (now + timedelta(hours=1)).isoformat()}]
            # obeyed while the emergency's file still trickles in
            wait_for(lambda: local_rows(state, "SELECT value FROM meta WHERE key = 'volume'") == [("17",)], 4,
                     "the volume command obeyed during the download")
            assert not any(p["content_id"] == 31 for p in playing_now(state))
            wait_for(lambda: any(p["content_id"] == 31 for p in playing_now(state)), 15, "the emergency on air")
            wait_for(lambda: _events(stub, content_id=31), 15, "the emergency's event")
        assert [e["status"] for e in _events(stub, content_id=9)] == ["interrupted"]
        assert [(e["status"], e["source"]) for e in _events(stub, content_id=31)] == [("played", "emergency")]


def test_an_emergency_whose_audio_carries_the_tone_plays_without_the_agents_own(tmp_path: Path) -> None:
    """`tone_in_audio: true` (a TTS render, the tone is in the file): the player gets the file only, one
    event. `false` (a recording): the agent's tone first, as an `alert` event, then the file."""
    with StubServer() as stub:
        start = _start()
        bulletin = add_media(stub.state, os.urandom(8_000))
        rendered, recorded = add_media(stub.state, os.urandom(6_000)), add_media(stub.state, os.urandom(7_000))
        stub.state.playlists[start.date().isoformat()] = _playlist(start.date(), start, [
            _item("content", start, 50, content_id=9, sha=bulletin, base=stub.url)])
        state = _state(tmp_path, stub)
        now = datetime.now(TZ)

        def alert(content_id: int, sha: str, tone_in_audio: bool) -> dict[str, Any]:
            return {"content_id": content_id, "title": f"Khẩn cấp {content_id}",
                    "audio_url": f"{stub.url}/media/{sha}.mp3", "sha256": sha, "duration_ms": 1500,
                    "issued_at": now.isoformat(), "tone_in_audio": tone_in_audio}

        with running_agent(state, clock=start - timedelta(seconds=1),
                           env={"LOAXA_AGENT_ALERTS_INTERVAL_S": "1"}) as agent:
            wait_for(lambda: any(p["content_id"] == 9 for p in playing_now(state)), 20, "the bulletin on air")
            with stub.state.lock:
                stub.state.alerts = [alert(31, rendered, True)]
            wait_for(lambda: _events(stub, content_id=31), 20, "the rendered emergency's event")
            time.sleep(1)  # anything it would have played besides is recorded by now
            assert not _events(stub, kind="alert"), _describe(stub)
            assert "Chuông báo khẩn cấp" not in agent.output()
            with stub.state.lock:
                stub.state.alerts = [alert(32, recorded, False)]
            wait_for(lambda: _events(stub, content_id=32), 20, "the recorded emergency's event")
        [spoken] = _events(stub, content_id=31)
        assert (spoken["kind"], spoken["source"], spoken["status"]) == ("content", "emergency", "played")
        assert 1300 <= spoken["duration_ms"] <= 2000
        [tone] = _events(stub, kind="alert")
        [voice] = _events(stub, content_id=32)
        assert (tone["source"], tone["status"], tone["content_id"]) == ("emergency", "played", None)
        assert (voice["kind"], voice["source"], voice["status"]) == ("content", "emergency", "played")
        # the tone (about 2.3 s) right before the recording, nothing between
        tone_end = datetime.fromisoformat(tone["started_at"]) + timedelta(milliseconds=tone["duration_ms"])
        assert 1500 <= tone["duration_ms"] <= 3500
        assert timedelta(0) <= datetime.fromisoformat(voice["started_at"]) - tone_end <= timedelta(seconds=1)
