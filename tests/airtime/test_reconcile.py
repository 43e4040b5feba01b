"""Reconciliation of a cluster-day, the anomalies report and silent clusters."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from airtime.anomalies import anomalies
from airtime.ingest import ingest_plays
from airtime.reconcile import reconcile_day
from airtime.silent import silent_clusters
from core.db import session_scope
from tests.airtime.builders import TZ, PlanItem, event, local, make_content, make_playlist

D = date(2026, 3, 10)


@pytest.fixture
def day(engine, world):
    """Cluster A1's plan for D (and the evening of D-1), and what it reported."""
    cluster = world.clusters_a[0]
    with session_scope(engine) as s:
        c = {name: make_content(s, name) for name in ("a", "b", "c", "d", "e", "f", "g", "prev")}
        c["never"] = make_content(s, "never", approved=False)
        c["early"] = make_content(s, "early", approved_at=datetime(2026, 3, 10, 5, 0, tzinfo=UTC))  # 12:00 local
        c["expired"] = make_content(s, "expired", valid_until=D - timedelta(days=1))
        c["withdrawn"] = make_content(s, "withdrawn", archived_at=datetime(2026, 3, 8, tzinfo=UTC))
        night_start, night_end = local(D, 23, 45), local(D, 23, 45) + timedelta(minutes=45)
        make_playlist(
            s,
            cluster.id,
            D,
            [
                PlanItem(None, local(D, 5, 59), 30_000),  # intro: not reconciled
                PlanItem(c["a"], local(D, 6, 0), 120_000),
                PlanItem(c["b"], local(D, 6, 2), 60_000),
                PlanItem(c["c"], local(D, 6, 3), 60_000),
                PlanItem(c["d"], local(D, 6, 4), 60_000),
                PlanItem(c["a"], local(D, 17, 30), 120_000, "Bản tin chiều"),
                PlanItem(c["e"], local(D, 17, 32), 100_000, "Bản tin chiều"),
                # A slot that crosses midnight: the item plays at 00:10 on D+1 but belongs to D's plan.
                PlanItem(c["f"], local(D + timedelta(days=1), 0, 10), 90_000, "Bản tin khuya", night_start, night_end),
            ],
        )
        prev_start = local(D - timedelta(days=1), 23, 50)
        make_playlist(
            s,
            cluster.id,
            D - timedelta(days=1),
            [PlanItem(c["prev"], local(D, 0, 5), 60_000, "Bản tin khuya", prev_start, prev_start + timedelta(hours=1))],
        )
        ids = {k: v.id for k, v in c.items()}
    events = [
        event(ids["a"], local(D, 6, 0, 1), 120_000, event_id="a"),
        event(ids["b"], local(D, 6, 2, 5), 20_000, "interrupted", event_id="b"),
        event(ids["c"], local(D, 6, 3, 1), 0, "skipped", event_id="c"),
        event(ids["d"], local(D, 6, 4), 0, "failed", event_id="d1"),
        event(ids["d"], local(D, 6, 10), 60_000, event_id="d2"),  # the retry
        event(ids["e"], local(D, 17, 33), 50_000, event_id="e"),  # "played" but half of it
        event(ids["f"], local(D + timedelta(days=1), 0, 11), 90_000, event_id="f"),
        event(ids["prev"], local(D, 0, 6), 60_000, event_id="prev"),  # D-1's late slot
        event(ids["g"], local(D, 12, 0), 30_000, event_id="g"),  # approved, not planned
        event(ids["never"], local(D, 12, 5), 30_000, event_id="never"),
        event(ids["early"], local(D, 8, 0), 30_000, event_id="early"),  # before its 12:00 approval
        event(ids["expired"], local(D, 12, 10), 30_000, event_id="expired"),
        event(ids["withdrawn"], local(D, 12, 15), 30_000, event_id="withdrawn"),
        event(ids["early"], local(D, 13, 0), 30_000, event_id="early-ok"),  # after approval: off schedule only
        event(ids["never"], local(D + timedelta(days=3), 9, 0), 30_000, event_id="never-later"),
    ]
    with session_scope(engine) as s:
        result = ingest_plays(s, cluster_id=cluster.id, events=events, tz=TZ, now=datetime(2026, 3, 14, tzinfo=UTC))
        assert result.accepted == len(events), result.errors
    return cluster, ids


def test_each_planned_item_gets_its_outcome(engine, day):
    cluster, ids = day
    with Session(engine) as s:
        out = reconcile_day(s, cluster_id=cluster.id, day=D, tz=TZ)
    got = [(i.content_id, i.outcome, i.actual_seconds) for i in out.items]
    assert got == [
        (ids["a"], "aired", 120.0),
        (ids["b"], "interrupted", 20.0),
        (ids["c"], "skipped", 0.0),
        (ids["d"], "aired", 60.0),  # failed, then aired on retry: one item, two events
        (ids["a"], "not_reported", 0.0),  # the evening repeat never played
        (ids["e"], "interrupted", 50.0),  # reported "played" for half its length
        (ids["f"], "aired", 90.0),  # after midnight, still D's plan
    ]
    assert [e.event_id for e in out.items[3].events] == ["d1", "d2"]
    assert out.counts == {"aired": 3, "interrupted": 2, "skipped": 1, "failed": 0, "not_reported": 1}
    assert out.planned_items == 7 and out.planned_seconds == pytest.approx(610.0)
    assert out.items[0].planned_starts_at.utcoffset() == timedelta(hours=7)


def test_events_no_plan_explains(engine, day):
    cluster, ids = day
    with Session(engine) as s:
        out = reconcile_day(s, cluster_id=cluster.id, day=D, tz=TZ)
    kinds = {u.event_id: u.kind for u in out.unplanned}
    assert kinds == {
        "g": "off_schedule",
        "never": "never_approved",
        "early": "before_approval",
        "expired": "outside_validity",
        "withdrawn": "after_withdrawal",
        "early-ok": "off_schedule",
    }
    assert out.anomalies == 4
    assert all(u.anomaly == (u.kind != "off_schedule") for u in out.unplanned)
    assert "BẤT THƯỜNG" in next(u for u in out.unplanned if u.kind == "never_approved").kind_label
    # "prev" belongs to D-1's night slot, "f" to D's: neither is unplanned.
    assert "prev" not in kinds and "f" not in kinds


def test_a_day_without_plan(engine, day):
    cluster, ids = day
    with Session(engine) as s:
        out = reconcile_day(s, cluster_id=cluster.id, day=D + timedelta(days=3), tz=TZ)
    assert out.items == [] and out.playlist_version is None
    assert [(u.event_id, u.kind) for u in out.unplanned] == [("never-later", "never_approved")]


def test_reconciliation_over_http(client, day, auth):
    cluster, ids = day
    res = client.get(
        f"/api/v1/clusters/{cluster.id}/reconciliation", params={"date": D.isoformat()}, headers=auth("supervisor_a")
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["date"] == D.isoformat() and body["counts"]["not_reported"] == 1
    assert body["items"][1]["outcome"] == "interrupted" and body["items"][1]["actual_seconds"] == 20.0
    assert body["items"][0]["planned_starts_at"].endswith("+07:00")
    assert (
        client.get(
            f"/api/v1/clusters/{cluster.id}/reconciliation", params={"date": "10/03/2026"}, headers=auth("admin")
        ).status_code
        == 422
    )


def test_anomalies_report(engine, day, world):
    cluster, ids = day
    with Session(engine) as s:
        found, total = anomalies(
            s, day_from=D - timedelta(days=1), day_to=D + timedelta(days=5), area=world.province, tz=TZ
        )
        assert total == 5
        assert [a.event_id for a in found] == ["early", "never", "expired", "withdrawn", "never-later"]
        assert found[0].cluster_label == "Cụm loa thôn 1 (Phường Cam Đường)"
        limited, total_again = anomalies(s, day_from=D, day_to=D, area=world.province, tz=TZ, limit=2)
        assert total_again == 4 and len(limited) == 2
        elsewhere, none = anomalies(s, day_from=D, day_to=D, area=world.commune_b, tz=TZ)
        assert (elsewhere, none) == ([], 0)


def test_anomalies_over_http(client, day, auth):
    res = client.get(
        "/api/v1/reports/anomalies", params={"from": D.isoformat(), "to": D.isoformat()}, headers=auth("supervisor")
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] == 4 and {a["kind"] for a in body["anomalies"]} == {
        "never_approved",
        "before_approval",
        "outside_validity",
        "after_withdrawal",
    }
    assert body["anomalies"][0]["started_at"].endswith("+07:00")
    assert "silent_clusters" in body and body["silent_after_days"] == 2


def test_silent_clusters(engine, world, client, auth):
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.execute(sa.text("UPDATE area SET created_at = :t"), {"t": now - timedelta(days=30)})
        content = make_content(s, "tin")
    a1, a2 = world.clusters_a
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=a1.id, events=[event(content.id, now - timedelta(hours=1), 1000)], tz=TZ)
        ingest_plays(s, cluster_id=a2.id, events=[event(content.id, now - timedelta(days=5), 1000)], tz=TZ)
    with Session(engine) as s:
        found = silent_clusters(s, area=world.province, now=now, after_days=2)
    assert {f.cluster_id: f.silent_days for f in found} == {
        a2.id: 5,
        world.clusters_b[0].id: None,
        world.clusters_b[1].id: None,
    }
    res = client.get("/api/v1/reports/silent-clusters", headers=auth("supervisor_a")).json()
    assert [c["cluster_id"] for c in res["clusters"]] == [a2.id]
    assert res["clusters"][0]["last_started_at"].endswith("+07:00")
