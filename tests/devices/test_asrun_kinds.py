"""As-run events of the device protocol: relay, filler, intro, outro and alert events (no content), their
extra fields, chains that still verify, and reports that count only content as campaign airtime."""

from datetime import date

from sqlmodel import select

from airtime.chain import GENESIS, event_hash, verify_cluster
from airtime.models import PlayEvent
from airtime.reports import ReportQuery, airtime_rows
from core.db import session_scope
from tests.airtime.builders import PlanItem, local, make_content, make_playlist
from tests.devices.conftest import pair_device

DAY = date(2026, 4, 6)


def test_extra_kinds_are_stored_hashed_and_kept_out_of_campaign_airtime(client, auth, world, engine, settings):
    a1 = world.clusters_a[0]
    with session_scope(engine) as session:
        content = make_content(session, "Bản tin sáng")
        make_playlist(session, a1.id, DAY, [PlanItem(content, local(DAY, 6, 0), 60_000)])
        content_id = content.id
    device = pair_device(client, auth, a1.id)
    events = [
        {"event_id": "e1", "content_id": content_id, "started_at": local(DAY, 6, 0).isoformat(), "duration_ms": 60_000,
         "status": "played"},
        {"event_id": "e2", "kind": "filler", "content_id": None, "sha256": "B" * 64, "started_at":
         local(DAY, 6, 1).isoformat(), "duration_ms": 600_000, "status": "played", "source": "fallback"},
        {"event_id": "e3", "kind": "relay", "relay_id": 7, "started_at": local(DAY, 7, 0).isoformat(),
         "duration_ms": 0, "status": "failed", "error": "luồng\x00 không phản hồi" + "!" * 600},
        {"event_id": "e4", "kind": "content", "content_id": content_id, "source": "schedule",
         "started_at": local(DAY, 18, 0).isoformat(), "duration_ms": 30_000, "status": "interrupted"},
    ]
    res = client.post(f"/api/v1/clusters/{a1.id}/plays", json={"events": events}, headers=device["headers"])
    assert res.status_code == 200, res.text
    assert res.json()["accepted"] == 4
    with session_scope(engine) as session:
        rows = {r.event_id: r for r in session.exec(select(PlayEvent).where(PlayEvent.cluster_id == a1.id))}
        assert rows["e2"].kind == "filler" and rows["e2"].content_id is None and rows["e2"].sha256 == "b" * 64
        assert rows["e2"].source == "fallback" and rows["e3"].relay_id == 7
        assert len(rows["e3"].error) == 500 and "\x00" not in rows["e3"].error
        assert rows["e4"].source is None  # "schedule" is the default, stored as null
        # A plain content event hashes exactly as before the protocol's fields existed.
        first = rows["e1"]
        old = event_hash(GENESIS, cluster_id=a1.id, seq=first.seq, event_id="e1", content_id=content_id,
                         started_at=first.started_at, local_day=first.local_day, duration_ms=60_000,
                         status="played", entered_by=None)
        assert bytes(first.hash) == old
        check = verify_cluster(session, a1.id)
        assert check.ok and check.checked == 4
        # Editing a protocol field breaks the chain at that row.
        rows["e2"].kind = "intro"
        session.add(rows["e2"])
        session.flush()
        broken = verify_cluster(session, a1.id)
        assert not broken.ok and broken.first_broken.event_id == "e2"
        session.rollback()
    # Campaign airtime counts the content events only (60 s + 30 s), by cluster and by campaign alike.
    with session_scope(engine) as session:
        by_cluster = airtime_rows(session, ReportQuery(DAY, DAY, "cluster", world.commune_a, tz=settings.tz))
        assert {r.key: r.aired_seconds for r in by_cluster}[str(a1.id)] == 90
    recon = client.get(f"/api/v1/clusters/{a1.id}/reconciliation", params={"date": DAY.isoformat()},
                       headers=auth("supervisor_a")).json()
    assert recon["aired_seconds"] == 90 and [u["event_id"] for u in recon["unplanned"]] == ["e4"]
    stored = client.get(f"/api/v1/clusters/{a1.id}/plays", headers=auth("supervisor_a")).json()["events"]
    assert [(e["kind"], e["content_id"]) for e in stored] == [("content", content_id), ("filler", None),
                                                               ("relay", None), ("content", content_id)]
    csv_text = client.get(f"/api/v1/clusters/{a1.id}/plays", params={"from": DAY.isoformat(), "to": DAY.isoformat(),
                                                                   "format": "csv"},
                          headers=auth("supervisor_a")).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].endswith("kind,relay_id,sha256,source,error")


def test_content_id_rules_depend_on_the_kind(client, auth, world, engine):
    a1 = world.clusters_a[0]
    with session_scope(engine) as session:
        content_id = make_content(session, "Tin").id
    device = pair_device(client, auth, a1.id)
    at = local(DAY, 6, 0).isoformat()
    bad = [
        {"event_id": "b1", "kind": "filler", "content_id": content_id, "started_at": at, "duration_ms": 1,
         "status": "played"},
        {"event_id": "b2", "kind": "content", "started_at": at, "duration_ms": 1, "status": "played"},
        {"event_id": "b3", "kind": "jingle", "started_at": at, "duration_ms": 1, "status": "played"},
        {"event_id": "b4", "kind": "outro", "relay_id": 3, "started_at": at, "duration_ms": 1, "status": "played"},
        {"event_id": "b5", "kind": "intro", "sha256": "xyz", "started_at": at, "duration_ms": 1, "status": "played"},
        {"event_id": "b6", "kind": "alert", "source": "radio", "started_at": at, "duration_ms": 1, "status": "played"},
    ]
    res = client.post(f"/api/v1/clusters/{a1.id}/plays", json={"events": bad}, headers=device["headers"])
    assert res.status_code == 422
    fields = {(e["index"], e["field"]) for e in res.json()["errors"]}
    assert fields == {(0, "content_id"), (1, "content_id"), (2, "kind"), (3, "relay_id"), (4, "sha256"),
                      (5, "source")}
