"""The agent and the real server's fleet side: pairing with a code from `loaxa devices pair-code` (and
refusals of a used or expired one), and operators' live commands (`POST /commands`) obeyed by the agent,
through the heartbeat answer and through the server's own MQTT push (a private Mosquitto)."""

import json
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.agent.harness import (
    ROOT,
    VENV,
    World,
    local_rows,
    playing_now,
    running_agent,
    wait_for,
    write_state,
)


def _pair_code(world: World, cluster: int, state: Path) -> list[str]:
    """`loaxa devices pair-code` as the operator runs it; returns the printed `loaxa agent pair ...` words."""
    out = world.server.cli("devices", "pair-code", str(cluster), "--server", world.server.url, "--state", str(state))
    assert f"(id {cluster})" in out and "Hết hạn lúc" in out, out
    command = out.strip().splitlines()[-1].split()
    assert command[:3] == ["loaxa", "agent", "pair"], out
    return command


def _agent_pair(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The printed command as typed on the device (`loaxa agent pair ...`, the server's venv)."""
    return subprocess.run([str(VENV / "loaxa"), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_pairing_with_a_fresh_code_works_and_a_used_or_expired_one_fails_and_writes_nothing(
        live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster = world.cluster("Cụm ghép nối")
    state = tmp_path / "paired"
    command = _pair_code(world, cluster, state)
    done = _agent_pair(command)
    assert done.returncode == 0, done.stderr
    assert f"(mã {cluster})" in done.stdout and "loaxa agent run --state" in done.stdout
    device_file = state / "device.json"
    assert stat.S_IMODE(device_file.stat().st_mode) == 0o600
    device = json.loads(device_file.read_text())
    assert device["cluster_id"] == cluster and device["server"] == world.server.url and device["token"]
    assert world.broker is not None
    assert device["mqtt"]["url"] == world.broker.url
    assert device["mqtt"]["topic"] == f"loaxa/clusters/{cluster}/commands"
    # the token works: the device reads its cluster's status
    status = world.api.client("admin").get(f"/clusters/{cluster}/status")
    assert status.status_code == 200

    # the same code again, on another box
    again = tmp_path / "again"
    used = _agent_pair([*command[:-1], str(again)])
    assert used.returncode == 1
    assert "Mã ghép này đã được dùng" in used.stderr and "xin mã mới" in used.stderr, used.stderr
    assert not again.exists() or not any(again.iterdir())

    # a code whose 15 minutes are over (its expiry moved to the past in the server's database)
    late = tmp_path / "late"
    expired = _pair_code(world, cluster, late)
    db = sqlite3.connect(world.server.data_dir / "loaxa.db")
    try:
        with db:
            db.execute("UPDATE pairing_code SET expires_at = '2000-01-01 00:00:00.000000' "
                       "WHERE id = (SELECT MAX(id) FROM pairing_code)")
    finally:
        db.close()
    refused = _agent_pair(expired)
    assert refused.returncode == 1
    assert "Mã ghép đã hết hạn" in refused.stderr, refused.stderr
    assert not late.exists() or not any(late.iterdir())

    # a typo never reaches the server; an unknown code is told apart
    unknown = _agent_pair([*command[:5], "--code", "AAAA-AAAA", "--state", str(tmp_path / "unknown")])
    assert unknown.returncode == 1 and "Mã ghép không tồn tại" in unknown.stderr, unknown.stderr
    typo = _agent_pair([*command[:5], "--code", "K7QM-2XP0", "--state", str(tmp_path / "typo")])
    assert typo.returncode == 1 and "không đúng dạng" in typo.stderr and "0" in typo.stderr
    assert not (tmp_path / "unknown").exists() and not (tmp_path / "typo").exists()


def _send(world: World, kind: str, cluster: int, **fields: object) -> None:
    answer = world.api.call("operator", "POST", "/commands", json={"type": kind, "area_ids": [cluster], **fields})
    assert answer["cluster_ids"] == [cluster]


def _volume(state: Path) -> str | None:
    rows = local_rows(state, "SELECT value FROM meta WHERE key = 'volume'")
    return str(rows[0][0]) if rows else None


def _play_now_event(world: World, cluster: int, content_id: int) -> dict | None:
    return next((e for e in world.api.events(cluster)
                 if e["content_id"] == content_id and e.get("source") == "play_now"), None)


def test_live_commands_reach_the_agent_through_the_heartbeat_answer(live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster = world.cluster("Cụm lệnh nhịp tim")
    state = write_state(tmp_path / "state", world.server, cluster, world.api.device_token(cluster))  # no MQTT
    item = world.contents[1]
    with running_agent(state, clock=None, env={"LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "1"}) as agent:
        wait_for(lambda: world.api.call("admin", "GET", f"/clusters/{cluster}/status")["state"] == "online", 30,
                 "the agent's first heartbeat")
        _send(world, "volume", cluster, volume=33)
        _send(world, "sync", cluster)
        _send(world, "play_now", cluster, content_id=item["id"])
        wait_for(lambda: _volume(state) == "33", 20, "the volume set by the server")
        event = wait_for(lambda: _play_now_event(world, cluster, item["id"]), 60, "the item played at once")
        # acknowledged in the next heartbeats: the server stops handing them out
        wait_for(lambda: all(c["acked_at"] for c in world.api.call("admin", "GET", f"/clusters/{cluster}/commands")),
                 20, "every command acknowledged")
        assert "Lệnh" in agent.output() and "qua heartbeat" in agent.output()
    assert event["status"] == "played" and abs(event["duration_ms"] - item["duration_ms"]) < 1000
    assert sorted(t for (t,) in local_rows(state, "SELECT type FROM commands WHERE via = 'heartbeat'")) == \
        ["play_now", "sync", "volume"]


def test_live_commands_are_pushed_over_mqtt_by_the_server_within_seconds(live_world: World, tmp_path: Path) -> None:
    world = live_world
    cluster = world.cluster("Cụm lệnh MQTT")
    state = tmp_path / "state"
    assert _agent_pair(_pair_code(world, cluster, state)).returncode == 0
    item = world.contents[2]
    # heartbeats ten minutes apart: only the push can bring a command in time
    with running_agent(state, clock=None, env={"LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "600"}) as agent:
        wait_for(lambda: "Đã kết nối MQTT" in agent.output(), 20, "the agent subscribed")
        wait_for(lambda: world.api.call("admin", "GET", f"/clusters/{cluster}/status")["state"] == "online", 30,
                 "the agent's first heartbeat")
        _send(world, "volume", cluster, volume=44)
        wait_for(lambda: _volume(state) == "44", 3, "the pushed volume", interval=0.05)
        _send(world, "play_now", cluster, content_id=item["id"])
        wait_for(lambda: any(p["content_id"] == item["id"] for p in playing_now(state)), 5,
                 "the pushed item on air", interval=0.05)
        wait_for(lambda: _play_now_event(world, cluster, item["id"]), 60, "the pushed item on the server")
    assert sorted(t for (t,) in local_rows(state, "SELECT type FROM commands WHERE via = 'push'")) == \
        ["play_now", "volume"]


def test_the_agents_own_entry_point_pairs_too(live_world: World, tmp_path: Path) -> None:
    """`python -m agent pair` (what `loaxa-agent` runs on a box without the server) takes the same code."""
    world = live_world
    cluster = world.cluster("Cụm tác tử riêng")
    command = _pair_code(world, cluster, tmp_path / "s")
    done = subprocess.run([sys.executable, "-m", "agent", *command[2:]], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "s" / "device.json").read_text())["cluster_id"] == cluster
