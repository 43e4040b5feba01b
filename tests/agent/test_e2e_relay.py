"""Relays (tiếp sóng) end to end: scheduled through the real server's /relays API, the stream served by the
test on loopback. A live stream plays for the rest of the relay's window (`kind: relay`, its `relay_id`); a
dead one is recorded `failed` and the filler fills its window (`source: fallback`)."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.agent.harness import TZ, World, running_agent, slot_start, wait_for, write_state
from tests.agent.stub_server import StubServer

DEAD_STREAM = "http://127.0.0.1:9/vov1.mp3"  # the discard port: nothing listens


def _cluster_with_relay(world: World, tmp_path: Path, name: str, stream_url: str,
                        start: datetime) -> tuple[int, int, Path]:
    api = world.api
    cluster = world.cluster(name)
    api.call("operator", "PUT", "/slots/filler", json={"area_id": cluster, "sha256": world.contents[2]["sha256"]})
    local = start.astimezone(TZ)
    api.slot(cluster, start, 2)
    relay_at = (start + timedelta(minutes=1)).astimezone(TZ)
    relay = api.call("operator", "POST", "/relays", json={
        "name": f"Thời sự VOV1 {cluster}", "stream_url": stream_url, "start_time": relay_at.strftime("%H:%M"),
        "duration_minutes": 1, "area_ids": [cluster], "starts_on": local.date().isoformat(),
        "ends_on": local.date().isoformat()})
    api.build(local.date(), cluster)
    items = [it for s in api.playlist(cluster, local.date())["slots"] for it in s["items"]]
    [relay_item] = [it for it in items if it["kind"] == "relay"]
    assert relay_item["stream_url"] == stream_url and relay_item["relay_id"] == relay["id"]
    assert any(it["kind"] == "filler" for it in items), "the filler is in the playlist (and so in the cache)"
    return cluster, relay["id"], write_state(tmp_path / name, world.server, cluster, api.device_token(cluster))


def _events(world: World, cluster: int, **match: Any) -> list[dict[str, Any]]:
    return [e for e in world.api.events(cluster) if all(e.get(k) == v for k, v in match.items())]


def test_a_relay_plays_the_live_stream_and_a_dead_one_falls_back_to_the_filler(live_world: World,
                                                                                tmp_path: Path) -> None:
    world = live_world
    start = slot_start(2, lead_s=30)
    with StubServer() as radio:
        live, live_relay, live_state = _cluster_with_relay(world, tmp_path, "Cụm tiếp sóng",
                                                           f"{radio.url}/stream.mp3", start)
        dead, dead_relay, dead_state = _cluster_with_relay(world, tmp_path, "Cụm luồng hỏng", DEAD_STREAM, start)
        # both join 40 s into the relay's minute: 20 s of it are left
        clock = start + timedelta(minutes=1, seconds=40)
        with running_agent(live_state, clock=clock), running_agent(dead_state, clock=clock):
            played = wait_for(lambda: _events(world, live, kind="relay"), 60, "the relay's event")
            failed = wait_for(lambda: _events(world, dead, kind="relay"), 60, "the dead relay's event")
            fills = wait_for(lambda: _events(world, dead, kind="filler", source="fallback"), 30, "the filler's event")
        bytes_read = radio.state.stream_bytes
    [event] = played
    assert (event["status"], event["relay_id"], event["content_id"]) == ("played", live_relay, None)
    assert 15_000 <= event["duration_ms"] <= 21_000, event
    assert bytes_read > 40_000 * 10  # the stream was really read, at its live rate, for most of the window
    [dead_event] = failed
    assert (dead_event["status"], dead_event["relay_id"]) == ("failed", dead_relay)
    assert dead_event["error"]
    assert fills[0]["sha256"] == world.contents[2]["sha256"]
    assert datetime.fromisoformat(fills[0]["started_at"]) - datetime.fromisoformat(dead_event["started_at"]) \
        < timedelta(seconds=3)
    assert not _events(world, live, kind="filler", source="fallback")
