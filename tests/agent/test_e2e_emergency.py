"""Emergencies end to end: approved on a real `loaxa serve` and found by polling /alerts, or pushed over
the real Mosquitto on 127.0.0.1:1883 by the test, or pushed by the server itself on approval (its private
Mosquitto). The item on air is interrupted, the alert tone and the emergency play, the programme resumes;
ending the emergency stops it at once; the same emergency never plays twice. Those emergencies are
recordings (no tone inside), so the agent plays its own tone (an `alert` event); a text-to-speech one
carries the tone in its audio (`tone_in_audio`) and the agent adds none."""

import json
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from agent.state import MqttConfig
from tests.agent.harness import (
    TZ,
    World,
    local_events,
    local_rows,
    playing_now,
    running_agent,
    slot_start,
    tone_wav,
    wait_for,
    write_state,
)


def _setup(world: World, tmp_path: Path, name: str, *, long_s: float, emergency_s: float,
           mqtt: MqttConfig | None = None) -> dict[str, Any]:
    api = world.api
    cluster = world.cluster(name)
    long_item = api.content(f"Bản tin dài {cluster}", "Bản tin dài của cụm.", area_ids=[cluster],
                            recording=tone_wav(long_s, 330))
    emergency = api.content(f"Khẩn cấp: lũ quét {cluster}", "Bà con di chuyển lên vùng cao ngay.", area_ids=[cluster],
                            level="emergency", recording=tone_wav(emergency_s, 880), approve=False)
    start = slot_start(3)
    # an outro closes the slot: whatever the emergency interrupts, something is left to resume with
    api.slot(cluster, start, 3, outro_sha256=world.contents[0]["sha256"])
    api.build(start.date(), cluster)
    state = write_state(tmp_path / "state", world.server, cluster, api.device_token(cluster), mqtt=mqtt)
    return {"cluster": cluster, "start": start, "long": long_item, "emergency": emergency, "state": state}


def _on_air(state: Path, **match: Any) -> dict[str, Any] | None:
    return next((p for p in playing_now(state) if all(p.get(k) == v for k, v in match.items())), None)


def _at(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _emergency_flow(world: World, case: dict[str, Any], poll_s: float, limit_s: float, withdraw: bool) -> None:
    state, emergency = case["state"], case["emergency"]
    # Syncing as seldom as by default (300 s): the server's playlist with the emergency put in cannot
    # be what brings it; polling /alerts must.
    env = {"LOAXA_AGENT_ALERTS_INTERVAL_S": str(poll_s), "LOAXA_AGENT_SYNC_INTERVAL_S": "600"}
    with running_agent(state, clock=case["start"] - timedelta(seconds=2), env=env):
        wait_for(lambda: _on_air(state, source="schedule", kind="content"), 60, "the slot on air")
        approved = time.monotonic()
        world.api.approve(emergency["id"])
        wait_for(lambda: _on_air(state, kind="alert"), limit_s + 5, "the alert tone", interval=0.1)
        took = time.monotonic() - approved
        assert took <= limit_s, f"emergency took {took:.1f} s by polling every {poll_s} s"
        wait_for(lambda: _on_air(state, content_id=emergency["id"]), 10, "the emergency on air")
        if withdraw:
            # the server withdraws it (archived): the next poll stops it at once
            world.api.call("operator", "POST", f"/contents/{emergency['id']}/archive")
            withdrawn = time.monotonic()
            wait_for(lambda: not _on_air(state, content_id=emergency["id"]), poll_s + 5, "the emergency stopped")
            assert time.monotonic() - withdrawn <= poll_s + 3
        # the programme resumes with the next item
        wait_for(lambda: _resumed(world, case), 30, "the programme after the emergency")
        _check_interruption(world, case, "interrupted" if withdraw else "played")


def _server_event(world: World, case: dict[str, Any], content_id: int) -> dict[str, Any] | None:
    return next((e for e in world.api.events(case["cluster"]) if e["content_id"] == content_id), None)


def _resumed(world: World, case: dict[str, Any]) -> bool:
    """A scheduled item on air, or recorded (here or on the server), after the emergency started."""
    if _on_air(case["state"], source="schedule"):
        return True
    emergency = _server_event(world, case, case["emergency"]["id"])
    if emergency is None:
        return False
    after = _at(emergency["started_at"])
    local = [e for e in local_events(case["state"]) if e.get("source") == "schedule" and _at(e["started_at"]) > after]
    server = [e for e in world.api.events(case["cluster"])
              if e["content_id"] != case["emergency"]["id"] and _at(e["started_at"]) > after]
    return bool(local or server)


def _check_interruption(world: World, case: dict[str, Any], emergency_status: str) -> None:
    cluster, emergency = case["cluster"], case["emergency"]
    events = wait_for(lambda: (lambda ev: ev if any(e["content_id"] == emergency["id"] for e in ev) else None)(
        world.api.events(cluster)), 30, "the emergency's event on the server")
    [emergency_event] = [e for e in events if e["content_id"] == emergency["id"]]
    assert emergency_event["status"] == emergency_status
    [stopped] = [e for e in events if e["status"] == "interrupted" and e["content_id"] != emergency["id"]]
    assert _at(stopped["started_at"]) < _at(emergency_event["started_at"])
    planned = next(c["duration_ms"] for c in [*world.contents, case["long"]] if c["id"] == stopped["content_id"])
    assert 0 < stopped["duration_ms"] < planned


def test_an_emergency_found_by_fast_polling_interrupts_and_ending_it_stops_it(live_world: World,
                                                                               tmp_path: Path) -> None:
    case = _setup(live_world, tmp_path, "Cụm khẩn cấp nhanh", long_s=8, emergency_s=20)
    _emergency_flow(live_world, case, poll_s=2, limit_s=6, withdraw=True)


@pytest.mark.slow
def test_an_emergency_found_by_polling_every_minute_interrupts_within_70_s(live_world: World,
                                                                            tmp_path: Path) -> None:
    case = _setup(live_world, tmp_path, "Cụm khẩn cấp", long_s=75, emergency_s=12)
    _emergency_flow(live_world, case, poll_s=60, limit_s=70, withdraw=False)


class _Publisher:
    def __init__(self) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
        self.client.connect("127.0.0.1", 1883)
        self.client.loop_start()

    def send(self, topic: str, command: dict[str, Any]) -> None:
        self.client.publish(topic, json.dumps(command), qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _command(kind: str, **fields: Any) -> dict[str, Any]:
    now = datetime.now(TZ)
    return {"id": f"c-{uuid.uuid4().hex}", "type": kind, "issued_at": now.isoformat(),
            "expires_at": (now + timedelta(hours=1)).isoformat(), **fields}


def test_a_pushed_emergency_interrupts_within_3_s_and_end_emergency_stops_it(live_world: World,
                                                                              tmp_path: Path) -> None:
    world = live_world
    topic = f"loaxa/test/{uuid.uuid4().hex}/commands"
    config = MqttConfig(url="mqtt://127.0.0.1:1883", topic=topic, client_id=f"loaxa-test-{uuid.uuid4().hex[:12]}")
    case = _setup(world, tmp_path, "Cụm MQTT", long_s=30, emergency_s=20, mqtt=config)
    state, emergency = case["state"], case["emergency"]
    emergency_command = _command("emergency", content_id=emergency["id"], title="Khẩn cấp: lũ quét",
                                 audio_url=world.server.url + emergency["url"], sha256=emergency["sha256"],
                                 duration_ms=emergency["duration_ms"])
    publisher = _Publisher()
    env = {"LOAXA_AGENT_ALERTS_INTERVAL_S": "600"}  # push only: the poll cannot be what brings it
    try:
        with running_agent(state, clock=case["start"] - timedelta(seconds=2), env=env) as agent:
            wait_for(lambda: "Đã kết nối MQTT" in agent.output(), 20, "the agent subscribed")
            wait_for(lambda: _on_air(state, content_id=case["long"]["id"]), 120, "the long bulletin on air")
            sent = time.monotonic()
            publisher.send(topic, emergency_command)
            wait_for(lambda: _on_air(state, kind="alert"), 5, "the alert tone", interval=0.05)
            assert time.monotonic() - sent <= 3.0
            wait_for(lambda: _on_air(state, content_id=emergency["id"]), 10, "the emergency on air")
            ended = time.monotonic()
            publisher.send(topic, _command("end_emergency", content_id=emergency["id"]))
            wait_for(lambda: not _on_air(state, content_id=emergency["id"]), 5, "the emergency stopped", interval=0.05)
            assert time.monotonic() - ended <= 2.0
            # pushed again (same id) and under a new id: it never plays again
            publisher.send(topic, emergency_command)
            publisher.send(topic, {**emergency_command, "id": f"c-{uuid.uuid4().hex}"})
            time.sleep(2)
            assert not _on_air(state, kind="alert")
        # published while the agent is away: the persistent session delivers it on reconnection
        publisher.send(topic, _command("volume", volume=35))
        with running_agent(state, clock=case["start"] + timedelta(minutes=5), env=env):
            wait_for(lambda: local_rows(state, "SELECT value FROM meta WHERE key = 'volume'") == [("35",)], 20,
                     "the volume command kept by the broker")
    finally:
        publisher.close()
    assert local_rows(state, "SELECT content_id, state FROM emergencies") == [(emergency["id"], "ended")]
    server = wait_for(lambda: (lambda ev: ev if any(e["content_id"] == case["long"]["id"] for e in ev) else None)(
        world.api.events(case["cluster"])), 30, "the interrupted bulletin's event on the server")
    assert [e["status"] for e in server if e["content_id"] == case["long"]["id"]] == ["interrupted"]
    # This emergency was pushed by the test, never approved nor sent by the server: the server refuses a
    # report of it (a device reports only what reached it), and the agent keeps the event on the device.
    assert not [e for e in server if e["content_id"] == emergency["id"]]
    assert [e["status"] for e in local_events(state) if e["content_id"] == emergency["id"]] == ["interrupted"]


def test_an_emergency_approved_on_the_server_is_pushed_by_it_and_ending_it_there_stops_it(live_world: World,
                                                                                          tmp_path: Path) -> None:
    """The whole chain: the approver's click, the server's own MQTT push (a private Mosquitto), the agent."""
    world = live_world
    assert world.broker is not None
    case = _setup(world, tmp_path, "Cụm máy chủ đẩy", long_s=30, emergency_s=20)
    cluster, state, emergency = case["cluster"], case["state"], case["emergency"]
    config = MqttConfig(url=world.broker.url, topic=f"loaxa/clusters/{cluster}/commands",
                        client_id=f"loaxa-test-{uuid.uuid4().hex[:12]}")
    write_state(state, world.server, cluster, world.api.device_token(cluster), mqtt=config)
    # neither polling nor syncing can bring it in time: only the push
    env = {"LOAXA_AGENT_ALERTS_INTERVAL_S": "600", "LOAXA_AGENT_SYNC_INTERVAL_S": "600",
           "LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "600"}
    with running_agent(state, clock=case["start"] - timedelta(seconds=2), env=env) as agent:
        wait_for(lambda: "Đã kết nối MQTT" in agent.output(), 20, "the agent subscribed")
        wait_for(lambda: _on_air(state, content_id=case["long"]["id"]), 120, "the long bulletin on air")
        approved = time.monotonic()
        world.api.approve(emergency["id"])
        wait_for(lambda: _on_air(state, kind="alert"), 10, "the alert tone", interval=0.05)
        took = time.monotonic() - approved
        assert took <= 3.0, f"the pushed emergency took {took:.1f} s"
        wait_for(lambda: _on_air(state, content_id=emergency["id"]), 10, "the emergency on air")
        ended = time.monotonic()
        world.api.call("operator", "POST", f"/contents/{emergency['id']}/end")
        wait_for(lambda: not _on_air(state, content_id=emergency["id"]), 10, "the emergency stopped", interval=0.05)
        assert time.monotonic() - ended <= 3.0
        assert "qua push" in agent.output()
    server = wait_for(lambda: (lambda ev: ev if any(e["content_id"] == emergency["id"] for e in ev) else None)(
        world.api.events(cluster)), 30, "the emergency's event on the server")
    assert [e["status"] for e in server if e["content_id"] == emergency["id"]] == ["interrupted"]
    assert [e["status"] for e in server if e["content_id"] == case["long"]["id"]] == ["interrupted"]


def test_a_tts_emergency_carries_its_own_tone_so_the_agent_plays_only_its_audio(live_world: World,
                                                                               tmp_path: Path) -> None:
    """Rendered by the server's real TTS (lead-in, the tone, the words twice), pushed by the server on
    approval: the agent puts the file on air at once, with no tone of its own before it."""
    world = live_world
    assert world.broker is not None
    api = world.api
    cluster = world.cluster("Cụm chuông trong tệp")
    long_item = api.content(f"Bản tin dài {cluster}", "Bản tin dài của cụm.", area_ids=[cluster],
                            recording=tone_wav(30, 330))
    emergency = api.content(f"Khẩn cấp: sạt lở {cluster}", "Bà con thôn 3 không đi qua ngầm tràn.",
                            area_ids=[cluster], level="emergency", approve=False)
    assert emergency["source"] == "tts"
    start = slot_start(3)
    api.slot(cluster, start, 3, outro_sha256=world.contents[0]["sha256"])
    api.build(start.date(), cluster)
    config = MqttConfig(url=world.broker.url, topic=f"loaxa/clusters/{cluster}/commands",
                        client_id=f"loaxa-test-{uuid.uuid4().hex[:12]}")
    state = write_state(tmp_path / "state", world.server, cluster, api.device_token(cluster), mqtt=config)
    env = {"LOAXA_AGENT_ALERTS_INTERVAL_S": "600", "LOAXA_AGENT_SYNC_INTERVAL_S": "600"}
    with running_agent(state, clock=start - timedelta(seconds=2), env=env) as agent:
        wait_for(lambda: "Đã kết nối MQTT" in agent.output(), 20, "the agent subscribed")
        wait_for(lambda: _on_air(state, content_id=long_item["id"]), 120, "the long bulletin on air")
        api.approve(emergency["id"])
        alerts = api.call("admin", "GET", f"/clusters/{cluster}/alerts")
        assert [(a["content_id"], a["tone_in_audio"]) for a in alerts] == [(emergency["id"], True)]
        wait_for(lambda: _on_air(state, content_id=emergency["id"]), 10, "the emergency on air", interval=0.05)
        wait_for(lambda: not _on_air(state, content_id=emergency["id"]), emergency["duration_ms"] / 1000 + 10,
                 "the emergency played to its end")
        assert "Chuông báo khẩn cấp" not in agent.output()
    # what the agent recorded, as the server received it (its outbox forwards and forgets)
    events = wait_for(lambda: (lambda ev: ev if any(e["content_id"] == emergency["id"] for e in ev) else None)(
        api.events(cluster)), 30, "the emergency's event on the server")
    assert not [e for e in events if e["kind"] == "alert"], events
    [played] = [e for e in events if e["content_id"] == emergency["id"]]
    assert (played["kind"], played["source"], played["status"]) == ("content", "emergency", "played")
    assert abs(played["duration_ms"] - emergency["duration_ms"]) < 1500
    [stopped] = [e for e in events if e["content_id"] == long_item["id"]]
    assert stopped["status"] == "interrupted"
