"""Heartbeats and status: the state machine on a frozen clock, the stored status and its bounded history,
commands in heartbeat answers, acknowledgement, and MQTT push (real Mosquitto; a broker that is down)."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from core.db import saved_id, session_scope
from devices.heartbeats import HISTORY_ROWS, HeartbeatIn, record_heartbeat
from devices.models import DeviceHeartbeat
from devices.status import DeviceState, cluster_state
from tests.airtime.builders import make_content
from tests.devices.conftest import pair_device

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("age_s", "state"), [
    (0, DeviceState.online), (120, DeviceState.online), (121, DeviceState.late), (599, DeviceState.late),
    (600, DeviceState.offline), (86_400, DeviceState.offline),
])
def test_state_follows_the_age_of_the_last_heartbeat(age_s, state):
    assert cluster_state(T0 - timedelta(seconds=age_s), now=T0, interval_s=60, offline_after_s=600) == state
    assert cluster_state(None, now=T0, interval_s=60, offline_after_s=600) == DeviceState.never


def test_heartbeat_then_status_moves_online_late_offline(client, auth, world, engine):
    a1 = world.clusters_a[0]
    before = client.get(f"/api/v1/clusters/{a1.id}/status", headers=auth("supervisor_a")).json()
    assert before["state"] == "never" and before["last_seen_at"] is None and before["devices"] == 0
    device = pair_device(client, auth, a1.id)
    beat = {"agent_version": "0.2.0", "playlist_date": "2026-12-03", "playlist_version": 4,
            "now_playing": {"content_id": 55, "kind": "content", "title": "Bản tin", "started_at":
                            "2026-12-03T08:00:00+07:00"},
            "clock_offset_ms": -120, "disk_free_mb": 5120, "cache_mb": 64, "unsent_events": 3, "volume": 80,
            "last_error": "x" * 900, "push": "connected", "acked_commands": []}
    res = client.post(f"/api/v1/clusters/{a1.id}/heartbeat", json=beat, headers=device["headers"])
    assert res.status_code == 200, res.text
    answer = res.json()
    assert answer["interval_s"] == 60 and answer["commands"] == [] and answer["server_time"].endswith("+07:00")
    status = client.get(f"/api/v1/clusters/{a1.id}/status", headers=device["headers"]).json()
    assert status["state"] == "online" and status["agent_version"] == "0.2.0" and status["devices"] == 1
    assert status["playlist_version"] == 4 and status["now_playing"]["content_id"] == 55
    assert status["unsent_events"] == 3 and status["clock_offset_ms"] == -120 and len(status["last_error"]) == 500
    # The frozen clock moves on from the stored heartbeat: late after two intervals, offline after
    # LOAXA_DEVICE_OFFLINE_AFTER_S (the service reads the same row with the `now` it is given).
    from devices.status import StatusRules, fleet

    seen = datetime.fromisoformat(status["last_seen_at"])
    rules = StatusRules(60, 600)
    with session_scope(engine) as session:
        for minutes, state in ((1, "online"), (3, "late"), (11, "offline")):
            row = fleet(session, area=a1, rules=rules, now=seen + timedelta(minutes=minutes))[0]
            assert row.state.value == state
    fleet = client.get("/api/v1/devices/status", params={"area_id": world.commune_a.id},
                       headers=auth("operator_a")).json()
    assert [(r["cluster_id"], r["state"]) for r in fleet] == [(a1.id, "online"), (world.clusters_a[1].id, "never")]
    only_never = client.get("/api/v1/devices/status", params={"state": "never"}, headers=auth("operator")).json()
    assert a1.id not in {r["cluster_id"] for r in only_never}
    mine = client.get("/api/v1/devices/status", headers=device["headers"]).json()
    assert [r["cluster_id"] for r in mine] == [a1.id]


def test_a_device_posts_heartbeats_for_its_own_cluster_only(client, auth, world):
    device = pair_device(client, auth, world.clusters_a[0].id)
    other = client.post(f"/api/v1/clusters/{world.clusters_a[1].id}/heartbeat", json={"agent_version": "1"},
                        headers=device["headers"])
    assert other.status_code == 403
    person = client.post(f"/api/v1/clusters/{world.clusters_a[0].id}/heartbeat", json={"agent_version": "1"},
                         headers=auth("admin"))
    assert person.status_code == 403
    bad = client.post(f"/api/v1/clusters/{world.clusters_a[0].id}/heartbeat", json={"volume": 300},
                      headers=device["headers"])
    assert bad.status_code == 422


def test_history_is_bounded_per_cluster(engine, world):
    cluster_id = world.clusters_a[0].id
    with session_scope(engine) as session:
        for n in range(HISTORY_ROWS + 30):
            record_heartbeat(session, cluster_id=cluster_id, device_id=None, beat=HeartbeatIn(agent_version="1"),
                             now=T0 + timedelta(seconds=n))
        # A day later only the new heartbeat is left.
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(DeviceHeartbeat)).one() == HISTORY_ROWS
        record_heartbeat(session, cluster_id=cluster_id, device_id=None, beat=HeartbeatIn(agent_version="1"),
                         now=T0 + timedelta(days=2))
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(DeviceHeartbeat)).one() == 1


def _content(engine, world, title="Thông báo tiêm chủng", *, audio=True, approved=True) -> int:
    """An item for the whole province (visible to commune A's operator), with or without audio."""
    from campaigns.models import ContentArea, ContentRevision

    with session_scope(engine) as session:
        content = make_content(session, title, approved=approved)
        rev = session.get(ContentRevision, content.latest_revision_id)
        assert rev is not None
        session.add(ContentArea(content_id=saved_id(content), revision_id=saved_id(rev), area_id=world.province.id))
        if audio:
            rev.audio_sha256, rev.audio_ext, rev.audio_duration_ms = "a" * 64, "mp3", 42_000
            session.add(rev)
        return saved_id(content)


def test_commands_ride_the_heartbeat_until_acknowledged(client, auth, world, engine):
    a1, a2 = world.clusters_a
    d1, d2 = pair_device(client, auth, a1.id), pair_device(client, auth, a2.id)
    content_id = _content(engine, world)
    sent = client.post("/api/v1/commands", json={"type": "play_now", "area_ids": [world.commune_a.id],
                                                 "content_id": content_id}, headers=auth("operator_a"))
    assert sent.status_code == 201, sent.text
    assert sorted(sent.json()["cluster_ids"]) == sorted([a1.id, a2.id])
    vol = client.post("/api/v1/commands", json={"type": "volume", "area_ids": [a1.id], "volume": 65},
                      headers=auth("operator_a"))
    assert vol.status_code == 201
    first = client.post(f"/api/v1/clusters/{a1.id}/heartbeat", json={"agent_version": "1"},
                        headers=d1["headers"]).json()["commands"]
    assert [c["type"] for c in first] == ["play_now", "volume"]
    play = first[0]
    assert play["content_id"] == content_id and play["sha256"] == "a" * 64 and play["duration_ms"] == 42_000
    assert play["audio_url"].endswith(f"/media/{'a' * 64}.mp3") and play["id"].startswith("c-")
    assert play["issued_at"].endswith("+07:00") and play["level"] == "normal" and first[1]["volume"] == 65
    # Acknowledged by id: gone from the next answer; the other cluster still has its own copy (another id).
    again = client.post(f"/api/v1/clusters/{a1.id}/heartbeat",
                        json={"agent_version": "1", "acked_commands": [play["id"], "c-unknown"]},
                        headers=d1["headers"]).json()["commands"]
    assert [c["type"] for c in again] == ["volume"]
    other = client.post(f"/api/v1/clusters/{a2.id}/heartbeat", json={"agent_version": "1",
                                                                     "acked_commands": [first[1]["id"]]},
                        headers=d2["headers"]).json()["commands"]
    assert [c["type"] for c in other] == ["play_now"] and other[0]["id"] != play["id"]
    listed = client.get(f"/api/v1/clusters/{a1.id}/commands", headers=auth("supervisor_a")).json()
    assert {c["type"]: c["acked_at"] is not None for c in listed} == {"play_now": True, "volume": False}


def test_live_commands_refuse_what_cannot_be_played(client, auth, world, engine):
    draft = _content(engine, world, "Bản nháp", approved=False)
    playable = _content(engine, world)
    silent = _content(engine, world, "Chưa có âm thanh", audio=False)
    def send(**body):
        return client.post("/api/v1/commands", json={"area_ids": [world.commune_a.id], **body},
                           headers=auth("operator_a"))
    assert send(type="play_now", content_id=draft).status_code == 409
    assert "chưa có âm thanh" in send(type="play_now", content_id=silent).json()["detail"]
    assert send(type="play_now").status_code == 422
    assert send(type="volume").status_code == 422
    assert send(type="emergency").status_code == 422
    outside = client.post("/api/v1/commands", json={"type": "sync", "area_ids": [world.commune_b.id]},
                          headers=auth("operator_a"))
    assert outside.status_code == 403
    assert send(type="sync", date="2026-12-04").status_code == 201
    assert send(type="play_now", content_id=playable).status_code == 201
    assert client.post("/api/v1/commands", json={"type": "sync", "area_ids": [world.commune_a.id]},
                       headers=auth("supervisor")).status_code == 403


def test_commands_are_pushed_over_mqtt_to_each_cluster_topic_only(settings, engine, world, mqtt_broker, subscriber):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.factories import PASSWORD  # noqa: F401  (the world's users exist)

    app = create_app(settings.model_copy(update={"mqtt_url": mqtt_broker}), engine=engine, migrate=False,
                     start_scheduler=False)
    with TestClient(app) as client:
        from core.users import User, issue_user_token

        with session_scope(engine) as session:
            user = session.exec(select(User).where(User.username == "operator_a")).one()
            headers = {"Authorization": f"Bearer {issue_user_token(session, user, minutes=60)}"}
        code = client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code", headers=headers).json()["code"]
        paired = client.post("/api/v1/devices/pair", json={"code": code}).json()
        assert paired["mqtt"] == {"url": mqtt_broker, "topic": f"loaxa/clusters/{world.clusters_a[0].id}/commands",
                                  "client_id": f"loaxa-device-{paired['device_id']}", "qos": 1}
        res = client.post("/api/v1/commands", json={"type": "sync", "area_ids": [world.clusters_a[0].id]},
                          headers=headers)
        assert res.status_code == 201
        got = subscriber.wait_for(1)
        assert len(got) == 1
        topic, payload = got[0]
        assert topic == f"loaxa/clusters/{world.clusters_a[0].id}/commands"
        pushed = json.loads(payload)
        polled = client.post(f"/api/v1/clusters/{world.clusters_a[0].id}/heartbeat", json={"agent_version": "1"},
                             headers={"Authorization": f"Bearer {paired['token']}"}).json()["commands"]
        assert polled == [pushed]  # the same command, the same id, by push and by poll
        time.sleep(0.3)
        assert len(subscriber.messages) == 1  # nothing on the other clusters' topics


def test_a_broker_that_is_down_never_slows_or_fails_a_request(settings, engine, world):
    import socket

    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.users import User, issue_user_token

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app = create_app(settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{closed_port}"}), engine=engine,
                     migrate=False, start_scheduler=False)
    with TestClient(app) as client:
        with session_scope(engine) as session:
            user = session.exec(select(User).where(User.username == "operator_a")).one()
            headers = {"Authorization": f"Bearer {issue_user_token(session, user, minutes=60)}"}
        code = client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code", headers=headers).json()["code"]
        device = {"Authorization": f"Bearer {client.post('/api/v1/devices/pair', json={'code': code}).json()['token']}"}
        started = time.monotonic()
        for _ in range(5):
            assert client.post("/api/v1/commands", json={"type": "sync", "area_ids": [world.commune_a.id]},
                               headers=headers).status_code == 201
        assert time.monotonic() - started < 2.0
        polled = client.post(f"/api/v1/clusters/{world.clusters_a[0].id}/heartbeat", json={"agent_version": "1"},
                             headers=device).json()["commands"]
        assert [c["type"] for c in polled] == ["sync"] * 5
