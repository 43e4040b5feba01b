"""Emergencies that are safe to send, end to end through the app, a real Mosquitto and real playlists:
safe defaults, the reach shown before approval, the push on approval (every targeted cluster's topic and
no other), "end now" (gone from alerts and today's playlists, the stop pushed, idempotent), a broker
that is down (requests stay fast, the heartbeat carries the commands), and whether the audio carries the
alert tone (a TTS render does, a recording does not), said in the alerts and the pushed command."""

import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.app import create_app
from campaigns.models import ContentRevision
from core.db import session_scope
from core.tasks import Task, TaskStatus, wait
from core.timeutil import local_today
from playlists.service import build_day
from tests.devices.conftest import pair_device
from tests.playlists.helpers import add_content, add_slot, make_mp3, media_store

API = "/api/v1"
DATE_TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


@contextmanager
def app_client(settings, engine, mqtt_url: str | None, base: str | None = None) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"mqtt_url": mqtt_url, "public_base_url": base}), engine=engine,
                     migrate=False, start_scheduler=False)
    with TestClient(app) as client:
        yield client


def settle(engine, timeout: float = 60) -> None:
    """Wait until every background task (playlist rebuilds after a change) has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            busy = s.exec(select(Task).where(col(Task.status).in_([TaskStatus.queued, TaskStatus.running]))).first()
            failed = s.exec(select(Task).where(Task.status == TaskStatus.failed)).first()
        assert failed is None, failed.error
        if busy is None:
            return
        time.sleep(0.05)
    raise AssertionError("tasks did not finish")


@pytest.fixture
def day_built(engine, world, settings):
    """One slot covering the whole local day at province level, one normal item, today built."""
    store = media_store(settings)
    add_slot(engine, world.province.id, "Cả ngày", dtime(0, 0), 1439)
    add_content(engine, "Tin thường", [world.province.id], make_mp3(store, 5, 500))
    build_day(engine, day=local_today(settings.tz), tz=settings.tz)
    return store


def compose(client, auth, area_ids, who: str = "operator_a", **extra) -> dict:
    body = {"title": "Cảnh báo lũ quét", "body": "Bà con vùng trũng thấp khẩn trương sơ tán.", "level": "emergency",
            "area_ids": area_ids, **extra}
    response = client.post(f"{API}/contents", json=body, headers=auth(who))
    assert response.status_code == 201, response.text
    return response.json()


def submitted_with_audio(client, auth, engine, store, area_ids) -> int:
    """An emergency written and submitted by operator_a, with audio (a recording stands in for the render)."""
    content = compose(client, auth, area_ids)
    assert client.post(f"{API}/contents/{content['id']}/submit", headers=auth("operator_a")).status_code == 200
    audio = make_mp3(store, 3, 1500)
    with session_scope(engine) as s:
        rev = s.get(ContentRevision, content["revision_id"])
        assert rev is not None
        rev.audio_sha256, rev.audio_ext, rev.audio_duration_ms = audio.sha256, audio.ext, audio.duration_ms
        rev.audio_source = "recording"
        s.add(rev)
    return content["id"]


def playlist(client, auth, cluster_id, day) -> dict:
    response = client.get(f"{API}/clusters/{cluster_id}/playlists/{day.isoformat()}", headers=auth("operator"))
    assert response.status_code == 200, response.text
    return response.json()


def content_ids(body: dict) -> set:
    return {i["content_id"] for s in body["slots"] for i in s["items"]}


def test_safe_defaults_explicit_areas_today_only_and_an_end(client, auth, world, settings):
    today = local_today(settings.tz)
    no_areas = client.post(f"{API}/contents", json={"title": "Cháy rừng", "body": "Sơ tán ngay.",
                                                    "level": "emergency"}, headers=auth("operator_a"))
    assert no_areas.status_code == 422 and "địa bàn" in no_areas.json()["detail"]
    made = compose(client, auth, [world.clusters_a[0].id])
    assert made["valid_from"] == made["valid_until"] == today.isoformat()
    assert made["ends_at"] == f"{today.isoformat()}T23:59:59+07:00"
    # An end inside the validity sets it; the validity follows the end's day when it is not given.
    tomorrow_noon = datetime.combine(today + timedelta(days=1), dtime(12, 0))
    longer = compose(client, auth, [world.clusters_a[0].id], ends_at=tomorrow_noon.isoformat())
    assert (longer["valid_from"], longer["valid_until"]) == (today.isoformat(), (today + timedelta(days=1)).isoformat())
    assert longer["ends_at"].startswith(f"{(today + timedelta(days=1)).isoformat()}T12:00:00")
    refused = [
        {"level": "emergency", "area_ids": [world.commune_a.id], "valid_until": today.isoformat(),
         "ends_at": tomorrow_noon.isoformat()},                                      # outside its validity
        {"level": "emergency", "area_ids": [world.commune_a.id],
         "ends_at": (datetime.now(settings.tz) - timedelta(hours=1)).isoformat()},    # already past
        {"level": "normal", "area_ids": [world.commune_a.id]},                      # other levels need dates
        {"level": "normal", "area_ids": [world.commune_a.id], "valid_from": today.isoformat(),
         "valid_until": today.isoformat(), "ends_at": tomorrow_noon.isoformat()},   # an end is for emergencies
    ]
    for extra in refused:
        got = client.post(f"{API}/contents", json={"title": "Tin", "body": "Nội dung.", **extra},
                          headers=auth("operator_a"))
        assert got.status_code == 422, (extra, got.text)
        assert re.search(r"[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôốồộổỗơớờợởỡưứừựửữíìịỉĩ]", got.json()["detail"]), got.text
    # The web form's defaults are the same: today only, no area ticked, an end of today.
    page = client.get("/contents/new?level=emergency", headers=auth("operator_a"))
    assert page.status_code == 200


def test_reach_before_approval(client, auth, world, engine, settings, day_built):
    content_id = submitted_with_audio(client, auth, engine, day_built, [world.commune_a.id])
    reach = client.get(f"{API}/contents/{content_id}/reach", headers=auth("approver_a"))
    assert reach.status_code == 200, reach.text
    body = reach.json()
    assert (body["communes"], body["clusters"]) == (1, 2)
    assert body["area_names"] == [world.commune_a.name]
    assert DATE_TIME.match(body["first_play_text"]) and DATE_TIME.match(body["last_play_text"])
    assert body["ends_at_text"] == f"{local_today(settings.tz):%d/%m/%Y} 23:59"
    assert body["first_play_at"] <= body["last_play_at"] <= body["ends_at"]
    # One whole-day slot today on each of two clusters: two cluster-slots (unless the day is over).
    assert body["slot_plays"] in (0, 2)
    wide = compose(client, auth, [world.province.id], who="operator")
    assert client.get(f"{API}/contents/{wide['id']}/reach", headers=auth("operator")).json()["clusters"] == 4
    assert client.get(f"{API}/contents/{content_id}/reach", headers=auth("operator_b")).status_code == 404


@pytest.fixture
def public_base(monkeypatch) -> Iterator[str]:
    """LOAXA_PUBLIC_BASE_URL set for every process (hooks read the deployment's settings, not the app's)."""
    from core.config import get_settings

    monkeypatch.setenv("LOAXA_PUBLIC_BASE_URL", "https://loa.example.vn")
    get_settings.cache_clear()
    yield "https://loa.example.vn"
    monkeypatch.delenv("LOAXA_PUBLIC_BASE_URL")
    get_settings.cache_clear()


def test_approval_pushes_to_targeted_clusters_and_ending_takes_it_off_the_air(settings, engine, world, auth,
                                                                               mqtt_broker, subscriber, day_built,
                                                                               public_base):
    a1, a2 = world.clusters_a
    today = local_today(settings.tz)
    with app_client(settings, engine, mqtt_broker, base=public_base) as client:
        device = pair_device(client, auth, a1.id)
        content_id = submitted_with_audio(client, auth, engine, day_built, [world.commune_a.id])
        before = playlist(client, auth, a1.id, today)
        approved = client.post(f"{API}/contents/{content_id}/approve", headers=auth("approver_a"))
        assert approved.status_code == 200, approved.text
        settle(engine)

        def of_type(kind: str) -> dict[str, dict]:
            return {topic: json.loads(p) for topic, p in subscriber.messages if json.loads(p)["type"] == kind}

        deadline = time.monotonic() + 5
        while len(of_type("emergency")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pushed = of_type("emergency")
        assert set(pushed) == {f"loaxa/clusters/{a1.id}/commands", f"loaxa/clusters/{a2.id}/commands"}
        command = pushed[f"loaxa/clusters/{a1.id}/commands"]
        assert command["content_id"] == content_id and command["duration_ms"] > 0
        assert command["audio_url"] == f"https://loa.example.vn/media/{command['sha256']}.mp3"  # absolute
        assert command["ends_at"] == f"{today.isoformat()}T23:59:59+07:00"
        # The heartbeat answer carries the very same command.
        beat = client.post(f"{API}/clusters/{a1.id}/heartbeat", json={"agent_version": "1"},
                           headers=device["headers"]).json()["commands"]
        assert command in beat
        # It is in the alerts and in today's republished playlist.
        alerts = client.get(f"{API}/clusters/{a1.id}/alerts", headers=device["headers"]).json()
        assert [a["content_id"] for a in alerts] == [content_id]
        during = playlist(client, auth, a1.id, today)
        assert during["version"] > before["version"] and content_id in content_ids(during)

        # End now (an operator of the commune): off the alerts and today's playlists, the stop pushed.
        ended = client.post(f"{API}/contents/{content_id}/end", json={"reason": "Nước đã rút"},
                            headers=auth("operator_a"))
        assert ended.status_code == 200, ended.text
        assert ended.json()["ended_at"] is not None
        assert client.get(f"{API}/clusters/{a1.id}/alerts", headers=device["headers"]).json() == []
        settle(engine)
        after = playlist(client, auth, a1.id, today)
        assert after["version"] > during["version"] and after["etag"] != during["etag"]
        assert content_id not in content_ids(after)
        assert content_id not in content_ids(playlist(client, auth, a2.id, today))
        deadline = time.monotonic() + 5
        while (len(of_type("end_emergency")) < 2 or not of_type("sync")) and time.monotonic() < deadline:
            time.sleep(0.05)
        stops = of_type("end_emergency")
        assert set(stops) == {f"loaxa/clusters/{a1.id}/commands", f"loaxa/clusters/{a2.id}/commands"}
        assert all(c["content_id"] == content_id for c in stops.values())
        # The republished playlist: "sync" for the paired cluster only (a2 has no device to tell).
        assert set(of_type("sync")) == {f"loaxa/clusters/{a1.id}/commands"}
        # Nothing ever went to commune B's clusters.
        assert not [t for t, _ in subscriber.messages if any(t == f"loaxa/clusters/{b.id}/commands"
                                                             for b in world.clusters_b)]
        # Ending twice: the same state, one entry in the audit trail.
        again = client.post(f"{API}/contents/{content_id}/end", headers=auth("approver_a"))
        assert again.status_code == 200 and again.json()["ended_at"] == ended.json()["ended_at"]
        history = client.get(f"{API}/contents/{content_id}/history", headers=auth("operator_a")).json()
        assert [e["reason"] for e in history if e["action"] == "ended"] == ["Nước đã rút"]
        # An ended emergency cannot be edited back onto the air.
        edit = client.patch(f"{API}/contents/{content_id}", json={"title": "Cảnh báo mới"},
                            headers=auth("operator_a"))
        assert edit.status_code == 409 and "kết thúc" in edit.json()["detail"]
        time.sleep(0.3)
        assert len(of_type("end_emergency")) == 2


def test_normal_content_cannot_be_ended_and_outsiders_cannot_end(client, auth, world, engine, settings):
    store = media_store(settings)
    normal = add_content(engine, "Tin thường", [world.commune_a.id], make_mp3(store, 2, 700))
    refused = client.post(f"{API}/contents/{normal}/end", headers=auth("operator_a"))
    assert refused.status_code == 409 and "khẩn cấp" in refused.json()["detail"]
    storm = add_content(engine, "Bão", [world.commune_a.id], make_mp3(store, 2, 800), level="emergency")
    assert client.post(f"{API}/contents/{storm}/end", headers=auth("operator_b")).status_code == 404
    assert client.post(f"{API}/contents/{storm}/end", headers=auth("supervisor_a")).status_code == 403


def test_a_broker_that_is_down_slows_nothing_and_the_heartbeat_carries_the_commands(settings, engine, world, auth,
                                                                                   day_built):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    a1 = world.clusters_a[0]
    with app_client(settings, engine, f"mqtt://127.0.0.1:{closed_port}") as client:
        device = pair_device(client, auth, a1.id)
        content_id = submitted_with_audio(client, auth, engine, day_built, [a1.id])
        started = time.monotonic()
        assert client.post(f"{API}/contents/{content_id}/approve", headers=auth("approver_a")).status_code == 200
        assert time.monotonic() - started < 2.0
        beat = client.post(f"{API}/clusters/{a1.id}/heartbeat", json={"agent_version": "1"},
                           headers=device["headers"]).json()["commands"]
        # A "sync" may be there too when the republish after approval has already finished: timing only.
        beat = [c for c in beat if c["type"] != "sync"]
        assert [(c["type"], c["content_id"]) for c in beat] == [("emergency", content_id)]
        # No public base URL known: queued relative, made absolute by the heartbeat answer (the device's URL).
        assert beat[0]["audio_url"] == f"http://testserver/media/{beat[0]['sha256']}.mp3"
        settle(engine)
        started = time.monotonic()
        assert client.post(f"{API}/contents/{content_id}/end", headers=auth("operator_a")).status_code == 200
        assert time.monotonic() - started < 2.0
        settle(engine)
        beat = client.post(f"{API}/clusters/{a1.id}/heartbeat", json={"agent_version": "1"},
                           headers=device["headers"]).json()["commands"]
        kinds = [c["type"] for c in beat]
        assert kinds[0] == "emergency" and "end_emergency" in kinds and "sync" in kinds


def test_alerts_and_pushes_say_whether_the_tone_is_in_the_audio(settings, engine, world, auth, mqtt_broker,
                                                                 subscriber, day_built):
    a1 = world.clusters_a[0]
    with app_client(settings, engine, mqtt_broker) as client:
        device = pair_device(client, auth, a1.id)
        # A text-to-speech emergency: rendered on submission with the tone after the lead-in.
        spoken = compose(client, auth, [world.commune_a.id], title="Cảnh báo sạt lở",
                         body="Bà con thôn 3 không đi qua ngầm tràn.")
        submitted = client.post(f"{API}/contents/{spoken['id']}/submit", headers=auth("operator_a")).json()
        assert wait(engine, submitted["render"]["task_id"], 120).status == "done"
        heard = client.get(f"{API}/contents/{spoken['id']}", headers=auth("operator_a")).json()["audio"]
        assert heard["source"] == "tts"
        # An uploaded recording: no tone in it, the device plays its own.
        recorded = submitted_with_audio(client, auth, engine, day_built, [world.commune_a.id])
        for content_id in (spoken["id"], recorded):
            approved = client.post(f"{API}/contents/{content_id}/approve", headers=auth("approver_a"))
            assert approved.status_code == 200, approved.text
        settle(engine)

        alerts = client.get(f"{API}/clusters/{a1.id}/alerts", headers=device["headers"]).json()
        assert {a["content_id"]: a["tone_in_audio"] for a in alerts} == {spoken["id"]: True, recorded: False}
        assert {a["sha256"] for a in alerts if a["tone_in_audio"]} == {heard["sha256"]}

        topic = f"loaxa/clusters/{a1.id}/commands"
        deadline = time.monotonic() + 5
        pushed: dict[int, dict] = {}
        while len(pushed) < 2 and time.monotonic() < deadline:
            pushed = {c["content_id"]: c for t, p in subscriber.messages
                      if t == topic and (c := json.loads(p))["type"] == "emergency"}
            time.sleep(0.05)
        assert {cid: c["tone_in_audio"] for cid, c in pushed.items()} == {spoken["id"]: True, recorded: False}
        beat = client.post(f"{API}/clusters/{a1.id}/heartbeat", json={"agent_version": "1"},
                           headers=device["headers"]).json()["commands"]
        assert {c["content_id"]: c["tone_in_audio"] for c in beat if c["type"] == "emergency"} == {
            spoken["id"]: True, recorded: False}
