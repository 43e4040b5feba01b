"""Relays in the airtime reports (counted apart from campaign content) and in the reconciliation (relay
events matched against planned relay items by relay_id)."""

from datetime import datetime, time, timedelta

import pytest

from core.db import session_scope
from core.timeutil import now_utc
from playlists.relays import RelayCreate, create_relay
from playlists.service import build_day
from playlists.stream_check import NOT_CHECKED
from tests.playlists.helpers import add_campaign, add_content, add_slot, make_mp3, media_store


@pytest.fixture
def relay_plan(world, engine, settings):
    """Commune A: a 06:00 slot of 30 minutes, one campaign item of 3 s, a relay 06:10-06:25; yesterday built
    (its events are in the past whatever the hour)."""
    day = now_utc().astimezone(settings.tz).date() - timedelta(days=1)
    audio = make_mp3(media_store(settings), 3)
    campaign = add_campaign(engine, "Chiến dịch xã A", [world.commune_a.id], target_minutes_per_week=7)
    content = add_content(engine, "Tin xã A", [world.commune_a.id], audio, campaign_id=campaign)
    add_slot(engine, world.commune_a.id, "Bản tin sáng", time(6, 0), 30)
    with session_scope(engine) as s:
        relay = create_relay(s, RelayCreate(name="Thời sự VOV1", stream_url="http://127.0.0.1:9/vov1",
                                            start_time="06:10", duration_minutes=15, area_ids=[world.commune_a.id]),
                             scope=None, checker=lambda _url: NOT_CHECKED, tz=settings.tz).id
    build_day(engine, day=day, tz=settings.tz, area_id=world.commune_a.id)
    return {"day": day, "campaign": campaign, "content": content, "relay": relay, "audio": audio}


def _at(day, hh, mm, tz) -> str:
    return datetime.combine(day, time(hh, mm), tzinfo=tz).isoformat()


def _send(client, auth, cluster_id, events):
    response = client.post(f"/api/v1/clusters/{cluster_id}/plays", json={"events": events}, headers=auth("admin"))
    assert response.status_code == 200 and response.json()["accepted"] == len(events), response.text


def test_relays_are_counted_apart_from_campaign_content(client, auth, world, settings, relay_plan):
    day, tz, a1 = relay_plan["day"], settings.tz, world.clusters_a[0].id
    content_ms = relay_plan["audio"].duration_ms
    _send(client, auth, a1, [
        {"event_id": "c1", "content_id": relay_plan["content"], "started_at": _at(day, 6, 0, tz),
         "duration_ms": content_ms, "status": "played"},
        {"event_id": "r1", "kind": "relay", "relay_id": relay_plan["relay"], "started_at": _at(day, 6, 10, tz),
         "duration_ms": 900_000, "status": "played"},
        {"event_id": "r2", "kind": "relay", "relay_id": relay_plan["relay"], "started_at": _at(day, 20, 0, tz),
         "duration_ms": 60_000, "status": "interrupted"},
        {"event_id": "r3", "kind": "relay", "relay_id": relay_plan["relay"], "started_at": _at(day, 6, 26, tz),
         "duration_ms": 0, "status": "failed"},
    ])
    report = client.get("/api/v1/reports/airtime", params={"from": day.isoformat(), "to": day.isoformat()},
                        headers=auth("supervisor")).json()
    # Campaign content: exactly the content item, planned on the two clusters of commune A, aired once.
    row = next(r for r in report["rows"] if r["key"] == str(relay_plan["campaign"]))
    slot_fill = row["planned_seconds"] / 2  # the same plan on both clusters
    assert slot_fill > 0 and row["aired_seconds"] == pytest.approx(content_ms / 1000)
    assert report["totals"]["aired_seconds"] == pytest.approx(content_ms / 1000)
    assert row["compliance"] == pytest.approx(row["aired_seconds"] / row["target_seconds"])
    # Relays: their own section, per relay.
    relays = report["relays"]
    assert relays["label"] == "Tiếp sóng"
    assert relays["planned_seconds"] == pytest.approx(2 * 900) and relays["aired_seconds"] == pytest.approx(960)
    assert relays["rows"] == [{"relay_id": relay_plan["relay"], "label": "Thời sự VOV1",
                               "planned_seconds": pytest.approx(1800), "aired_seconds": pytest.approx(960)}]
    # Scoped to commune B: nothing of A's relay; limited to a campaign: no relay section rows.
    other = client.get("/api/v1/reports/airtime", params={"from": day.isoformat(), "to": day.isoformat(),
                                                           "area_id": world.commune_b.id},
                       headers=auth("supervisor")).json()
    assert other["relays"]["rows"] == [] and other["relays"]["planned_seconds"] == 0
    only = client.get("/api/v1/reports/airtime", params={"from": day.isoformat(), "to": day.isoformat(),
                                                          "campaign_id": relay_plan["campaign"]},
                      headers=auth("supervisor")).json()
    assert only["relays"]["rows"] == []


def test_reconciliation_matches_relay_events_by_relay_id(client, auth, world, settings, relay_plan):
    day, tz, a1 = relay_plan["day"], settings.tz, world.clusters_a[0].id
    _send(client, auth, a1, [
        {"event_id": "r1", "kind": "relay", "relay_id": relay_plan["relay"], "started_at": _at(day, 6, 10, tz),
         "duration_ms": 600_000, "status": "interrupted"},
        {"event_id": "r2", "kind": "relay", "relay_id": relay_plan["relay"] + 1000, "started_at": _at(day, 6, 12, tz),
         "duration_ms": 30_000, "status": "played"},
        {"event_id": "f1", "kind": "filler", "started_at": _at(day, 6, 20, tz), "duration_ms": 30_000,
         "status": "played"},
    ])
    rec = client.get(f"/api/v1/clusters/{a1}/reconciliation", params={"date": day.isoformat()},
                     headers=auth("supervisor_a")).json()
    relays = [i for i in rec["items"] if i["kind"] == "relay"]
    assert len(relays) == 1
    item = relays[0]
    assert item["relay_id"] == relay_plan["relay"] and item["content_id"] is None and item["title"] == "Thời sự VOV1"
    assert item["outcome"] == "interrupted" and item["actual_seconds"] == pytest.approx(600)
    assert [e["event_id"] for e in item["events"]] == ["r1"]
    content_items = [i for i in rec["items"] if i["kind"] == "content"]
    assert content_items and all(i["outcome"] == "not_reported" for i in content_items)
    # A relay event for another relay matches nothing: listed apart, never an anomaly; filler is not reconciled.
    assert rec["unplanned"] == []
    assert [(u["event_id"], u["kind"], u["anomaly"], u["relay_id"]) for u in rec["unplanned_relays"]] == [
        ("r2", "relay_off_schedule", False, relay_plan["relay"] + 1000)]
    assert rec["anomalies"] == 0
    assert rec["relay_planned_seconds"] == pytest.approx(900) and rec["relay_aired_seconds"] == pytest.approx(630)
    assert rec["planned_seconds"] == pytest.approx(sum(i["planned_seconds"] for i in content_items))
    assert rec["aired_seconds"] == 0
