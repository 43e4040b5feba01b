"""Roll-ups (`airtime_rollup`): kept by ingest, moved when a content changes campaign, checked by verify."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from airtime.aggregate import ReportQuery
from airtime.ingest import ingest_plays
from airtime.reports import airtime_rows
from airtime.rollups import ROLLUP, check_cluster
from core.db import session_scope
from tests.airtime.builders import TZ, event, local, make_campaign, make_content

DAY = date(2026, 3, 2)


def _rollups(engine, cluster_id: int) -> dict[tuple[date, int], tuple[int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ROLLUP.c.local_day, ROLLUP.c.campaign_id, ROLLUP.c.aired_ms, ROLLUP.c.plays)
                            .where(ROLLUP.c.cluster_id == cluster_id)).all()
    return {(d if isinstance(d, date) else date.fromisoformat(d), k): (ms, n) for d, k, ms, n in rows}


def _setup(engine, world):
    with session_scope(engine) as s:
        a = make_campaign(s, "Chiến dịch A", date(2026, 1, 1), date(2026, 12, 31), area_ids=[world.province.id])
        b = make_campaign(s, "Chiến dịch B", date(2026, 1, 1), date(2026, 12, 31), area_ids=[world.province.id])
        in_a = make_content(s, "Tin A", campaign=a)
        loose = make_content(s, "Tin lẻ")
        return a.id, b.id, in_a.id, loose.id


def _by_campaign(engine, day_from: date = DAY, day_to: date = DAY) -> dict[str, float]:
    with Session(engine) as s:
        rows = airtime_rows(s, ReportQuery(day_from, day_to, "campaign", tz=TZ))
    return {r.key: r.aired_seconds for r in rows}


def test_ingest_keeps_totals_per_cluster_day_and_campaign(engine, world):
    a, _, in_a, loose = _setup(engine, world)
    cluster = world.clusters_a[0].id
    with session_scope(engine) as s:
        result = ingest_plays(s, cluster_id=cluster, tz=TZ, events=[
            event(in_a, local(DAY, 6, 0), 60_000),
            event(in_a, local(DAY, 6, 5), 30_000, "interrupted"),
            event(in_a, local(DAY, 6, 10), 45_000, "skipped"),  # not airtime
            event(loose, local(DAY, 23, 58), 20_000),  # counts on its start day
            event(in_a, local(date(2026, 3, 3), 0, 1), 10_000),  # the next local day (17:01 UTC the day before)
        ])
        assert result.accepted == 5
    assert _rollups(engine, cluster) == {(DAY, a): (90_000, 2), (DAY, 0): (20_000, 1),
                                         (date(2026, 3, 3), a): (10_000, 1)}
    # A resent batch adds nothing.
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster, tz=TZ, events=[event(in_a, local(DAY, 6, 0), 60_000,
                                                                 event_id="again")] * 2)
    assert _rollups(engine, cluster)[(DAY, a)] == (150_000, 3)
    with Session(engine) as s:
        assert check_cluster(s, cluster).ok
    assert _by_campaign(engine) == {str(a): 150.0, "none": 20.0}


def test_a_content_changing_campaign_moves_its_totals(client, engine, world, auth):
    a, b, in_a, loose = _setup(engine, world)
    c1, c2 = world.clusters_a[0].id, world.clusters_b[0].id
    for cluster in (c1, c2):
        with session_scope(engine) as s:
            ingest_plays(s, cluster_id=cluster, tz=TZ, events=[event(in_a, local(DAY, 6, 0), 60_000),
                                                               event(loose, local(DAY, 6, 5), 40_000)])
    assert _by_campaign(engine) == {str(a): 120.0, "none": 80.0}

    res = client.patch(f"/api/v1/contents/{loose}", json={"campaign_id": b, "area_ids": [world.province.id]},
                       headers=auth("admin"))
    assert res.status_code == 200, res.text
    assert _rollups(engine, c1) == {(DAY, a): (60_000, 1), (DAY, b): (40_000, 1)}
    assert _by_campaign(engine) == {str(a): 120.0, str(b): 80.0}

    res = client.patch(f"/api/v1/contents/{in_a}", json={"campaign_id": None, "area_ids": [world.province.id]},
                       headers=auth("admin"))
    assert res.status_code == 200, res.text
    assert _rollups(engine, c2) == {(DAY, 0): (60_000, 1), (DAY, b): (40_000, 1)}
    assert _by_campaign(engine) == {str(b): 80.0, "none": 120.0}  # A, without a target, has no row left
    with Session(engine) as s:
        assert check_cluster(s, c1).ok and check_cluster(s, c2).ok


def test_verify_finds_a_roll_up_that_disagrees_with_the_events(client, engine, world, auth):
    a, _, in_a, _ = _setup(engine, world)
    cluster = world.clusters_a[0].id
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster, tz=TZ, events=[event(in_a, local(DAY, 6, 0), 60_000)])
    url = f"/api/v1/clusters/{cluster}/plays/verify"
    ok = client.get(url, headers=auth("admin")).json()
    assert ok["ok"] and ok["rollup_ok"] and ok["rollup_first_mismatch"] is None
    with engine.begin() as conn:
        conn.execute(sa.update(ROLLUP).where(ROLLUP.c.cluster_id == cluster).values(aired_ms=600_000))
    bad = client.get(url, headers=auth("admin")).json()
    assert bad["ok"] and not bad["rollup_ok"]  # the chain itself is intact
    assert "02/03/2026" in bad["rollup_first_mismatch"] and "600000 ms" in bad["rollup_first_mismatch"]
    with engine.begin() as conn:  # a roll-up with no events behind it
        conn.execute(sa.update(ROLLUP).where(ROLLUP.c.cluster_id == cluster).values(aired_ms=60_000))
        conn.execute(ROLLUP.insert().values(cluster_id=cluster, local_day=date(2026, 3, 9), campaign_id=a,
                                            aired_ms=1, plays=1))
    assert "09/03/2026" in client.get(url, headers=auth("admin")).json()["rollup_first_mismatch"]


def test_reports_verify_fails_on_a_wrong_total(engine, world, settings, monkeypatch):
    from typer.testing import CliRunner

    import api.cli_reports as cli

    monkeypatch.setattr(cli, "open_engine", lambda: engine)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    _, _, in_a, _ = _setup(engine, world)
    cluster = world.clusters_a[0].id
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster, tz=TZ, events=[event(in_a, local(DAY, 6, 0), 60_000)])
    assert CliRunner().invoke(cli.app, ["verify"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.delete(ROLLUP))
    failed = CliRunner().invoke(cli.app, ["verify"])
    assert failed.exit_code == 1 and "toàn vẹn, 1 sự kiện" in failed.output and "SỐ LIỆU TỔNG HỢP SAI" in failed.output


def test_a_campaign_change_during_an_ingest_waits_for_it(client, engine, world, auth):
    """The change may not recompute before the ingest's events are visible, nor the ingest read the old
    campaign after the change: either way the totals would stay under the old campaign."""
    import threading
    import time

    a, b, in_a, _ = _setup(engine, world)
    cluster = world.clusters_a[0].id
    answers: list = []
    admin = auth("admin")
    client.get("/api/v1/contents", headers=admin)  # the app and its connections are warm
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster, tz=TZ, events=[event(in_a, local(DAY, 6, 0), 60_000)])
        # Not committed yet: the change starts now and must wait for this transaction.
        change = threading.Thread(target=lambda: answers.append(client.patch(
            f"/api/v1/contents/{in_a}", json={"campaign_id": b, "area_ids": [world.province.id]},
            headers=admin)))
        change.start()
        time.sleep(2.0)
    change.join(timeout=30)
    assert answers and answers[0].status_code == 200, answers[0].text if answers else "no answer"
    assert _rollups(engine, cluster) == {(DAY, b): (60_000, 1)}
    with Session(engine) as s:
        assert check_cluster(s, cluster).ok
