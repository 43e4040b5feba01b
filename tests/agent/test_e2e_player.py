"""A real player binary: ffplay (SDL's `dummy` audio driver: real decoding and timing, no sound card)
plays a short slot; a player that fails does not stop the slot, and every failure is recorded."""

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.agent.harness import World, running_agent, slot_start, wait_for, write_state

pytestmark = pytest.mark.skipif(shutil.which("ffplay") is None, reason="ffplay (Debian package ffmpeg) is needed")


def _slot(world: World, tmp_path: Path, name: str) -> tuple[int, datetime, list[dict], Path]:
    api = world.api
    cluster = world.cluster(name)
    start = slot_start(1)
    api.slot(cluster, start, 1)
    api.build(start.date(), cluster)
    items = [it for s in api.playlist(cluster, start.date())["slots"] for it in s["items"]]
    return cluster, start, items, write_state(tmp_path / "state", world.server, cluster, api.device_token(cluster))


def _all(world: World, cluster: int, n: int) -> list[dict] | None:
    events = world.api.events(cluster)
    return events if len(events) >= n else None


def test_ffplay_plays_a_slot(live_world: World, tmp_path: Path) -> None:
    cluster, start, items, state = _slot(live_world, tmp_path, "Cụm ffplay")
    with running_agent(state, clock=start - timedelta(seconds=3), player="ffplay",
                       env={"SDL_AUDIODRIVER": "dummy"}) as agent:
        events = wait_for(lambda: _all(live_world, cluster, len(items)), 60, "the slot played by ffplay")
        assert "trình phát: ffplay" in agent.output()
    assert [(e["content_id"], e["status"]) for e in events] == [(it["content_id"], "played") for it in items]
    for event, item in zip(events, items, strict=True):
        # ffplay decoded the whole file in real time: its length, plus the program's start-up
        assert item["duration_ms"] - 300 <= event["duration_ms"] <= item["duration_ms"] + 1500, (event, item)


def test_a_failing_player_does_not_stop_the_slot(live_world: World, tmp_path: Path) -> None:
    cluster, start, items, state = _slot(live_world, tmp_path, "Cụm trình phát hỏng")
    with running_agent(state, clock=start - timedelta(seconds=3), player="ffplay",
                       env={"SDL_AUDIODRIVER": "dummy", "LOAXA_AGENT_PLAYER_ARGS": "-no-such-option"}) as agent:
        events = wait_for(lambda: _all(live_world, cluster, len(items)), 60, "every item tried")
        assert "ffplay thoát với mã" in agent.output()
    assert [(e["content_id"], e["status"]) for e in events] == [(it["content_id"], "failed") for it in items]
