"""Archiving (`loaxa airtime archive --before DAY`): verified CSV per cluster, checkpoint, events deleted;
reports over archived days unchanged, the chain verifies from the checkpoint, refusals change nothing."""

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

import api.cli_airtime as cli
from airtime.aggregate import ReportQuery
from airtime.chain import verify_cluster
from airtime.ingest import ingest_plays
from airtime.models import PlayCheckpoint
from airtime.reports import airtime_rows
from airtime.rollups import check_cluster
from airtime.unreported import unreported_days
from core.areas import AreaLevel
from core.db import session_scope
from tests.airtime.builders import TZ, PlanItem, event, local, make_campaign, make_content, make_playlist
from tests.airtime.test_events_api import _rechain

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


@pytest.fixture
def run(engine, settings, monkeypatch):
    monkeypatch.setattr(cli, "open_engine", lambda: engine)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args))


@pytest.fixture
def logged(engine, world):
    """Cluster A1 reports D1, D2, D3 in order; B1 reports D1 and D3; both had a plan each day."""
    with session_scope(engine) as s:
        campaign = make_campaign(s, "Chiến dịch", D1, D3, target=30, area_ids=[world.province.id])
        content = make_content(s, "Tin", campaign=campaign)
        other = make_content(s, "Tin lẻ")
        a1, b1 = world.clusters_a[0].id, world.clusters_b[0].id
        for cluster in (a1, b1):
            for day in (D1, D2, D3):
                make_playlist(s, cluster, day, [PlanItem(content, local(day, 6), 60_000),
                                                PlanItem(other, local(day, 6, 5), 30_000)])
    for cluster, days in ((a1, (D1, D2, D3)), (b1, (D1, D3))):
        for day in days:
            with session_scope(engine) as s:
                ingest_plays(s, cluster_id=cluster, tz=TZ, events=[
                    event(content.id, local(day, 6), 60_000), event(other.id, local(day, 6, 5), 20_000),
                    event(content.id, local(day, 6, 10), 0, "skipped")])
    return a1, b1, content.id


def _reports(engine, world) -> dict:
    out = {}
    with Session(engine) as s:
        province = s.get(type(world.province), world.province.id)
        for group_by, level in (("campaign", None), ("cluster", None), ("day", None), ("area", AreaLevel.commune),
                                ("directive", None)):
            rows = airtime_rows(s, ReportQuery(D1, D3, group_by, province, area_level=level, tz=TZ))
            out[group_by] = [(r.key, r.planned_seconds, r.aired_seconds, r.target_seconds) for r in rows]
    return out


def _events(engine, cluster_id: int) -> list[tuple[int, date]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT seq, local_day FROM play_event WHERE cluster_id = :c ORDER BY seq"),
                            {"c": cluster_id}).all()
    return [(seq, d if isinstance(d, date) else date.fromisoformat(d)) for seq, d in rows]


def test_archive_keeps_reports_and_the_chain_and_runs_twice(run, engine, world, logged, tmp_path):
    a1, b1, content_id = logged
    before = _reports(engine, world)
    assert {k: a for k, _, a, _ in before["cluster"]} == {str(a1): 240.0, str(b1): 160.0}

    done = run("archive", "--before", "04/03/2026", "--dir", str(tmp_path / "a"))  # dd/mm/yyyy
    assert done.exit_code == 0, done.output
    assert "[1/2] cụm loa" in done.output and "[2/2] cụm loa" in done.output  # progress, cluster by cluster
    assert "Đã lưu trữ 9 sự kiện của 2 cụm loa" in done.output
    assert [d for _, d in _events(engine, a1)] == [D3, D3, D3] and [s for s, _ in _events(engine, a1)] == [7, 8, 9]
    assert [s for s, _ in _events(engine, b1)] == [4, 5, 6]

    # Each file re-verifies on its own: the columns of the API's CSV, chained from the zero hash.
    files = sorted((tmp_path / "a").glob("*.csv"))
    assert len(files) == 2 and not list((tmp_path / "a").glob(".*.tmp"))
    with Session(engine) as s:
        checkpoints = {c.cluster_id: c for c in s.exec(select(PlayCheckpoint))}
    for cluster, n in ((a1, 6), (b1, 3)):
        cp = checkpoints[cluster]
        rows = list(csv.DictReader(io.StringIO((tmp_path / "a" / cp.file).read_bytes().decode("utf-8-sig"))))
        assert len(rows) == n == cp.events and cp.seq == n and cp.before_day == D3
        assert rows[0]["prev_hash"] == "00" * 32
        assert _rechain(cluster, rows) == [r["hash"] for r in rows] and rows[-1]["hash"] == bytes(cp.hash).hex()

    # Reports over the archived days read the roll-ups: every grouping the same as before.
    assert _reports(engine, world) == before
    with Session(engine) as s:
        check = verify_cluster(s, a1)
        assert check.ok and check.checkpoint_seq == 6 and check.checked == 3 and check.head_seq == 9
        assert check_cluster(s, a1).ok
        # Archived days are not "never reported".
        unreported, _ = unreported_days(s, day_from=D1, day_to=D3, today=D3 + timedelta(days=1))
        assert [(u.cluster_id, u.day) for u in unreported] == [(b1, D2)]

    # Again with the same day (ISO this time): nothing new, nothing rewritten.
    mtimes = {f: f.stat().st_mtime_ns for f in files}
    again = run("archive", "--before", "2026-03-04", "--dir", str(tmp_path / "a"))
    assert again.exit_code == 0, again.output
    assert "Đã lưu trữ 0 sự kiện của 0 cụm loa" in again.output
    assert {f: f.stat().st_mtime_ns for f in (tmp_path / "a").glob("*.csv")} == mtimes

    # The chain goes on from where it was; a later cut starts from the checkpoint.
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=a1, tz=TZ, events=[event(content_id, local(D3, 18), 1000)])
    later = run("archive", "--before", "05/03/2026", "--dir", str(tmp_path / "a"))
    assert later.exit_code == 0, later.output
    assert _events(engine, a1) == [] and _events(engine, b1) == []
    with Session(engine) as s:
        assert verify_cluster(s, a1).ok and verify_cluster(s, a1).checkpoint_seq == 10
    second = next((tmp_path / "a").glob(f"nhat-ky-phat-cum-{a1}-vi-tri-7-10-*.csv"))
    rows = list(csv.DictReader(io.StringIO(second.read_bytes().decode("utf-8-sig"))))
    assert rows[0]["prev_hash"] == bytes(checkpoints[a1].hash).hex()
    assert _rechain(a1, rows) == [r["hash"] for r in rows]
    assert _reports(engine, world)["campaign"] == [
        (k, p, a + (1.0 if k != "none" else 0), t) for k, p, a, t in before["campaign"]]


def test_a_deleted_archived_row_is_still_caught(run, engine, world, logged, tmp_path):
    a1, _, _ = logged
    assert run("archive", "--before", "03/03/2026", "--dir", str(tmp_path / "a")).exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM play_event WHERE cluster_id = :c AND seq = 5"), {"c": a1})
    with Session(engine) as s:
        check = verify_cluster(s, a1)
    assert not check.ok and check.first_broken is not None and check.first_broken.seq == 5


def test_a_cut_inside_an_interleaved_chain_is_refused_and_changes_nothing(run, engine, world, logged, tmp_path):
    a1, b1, content_id = logged
    # B1's device sends D2 late, after D3: its chain holds D1, D3, D2 in that order.
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=b1, tz=TZ, events=[event(content_id, local(D2, 6), 60_000)])
    before = (_events(engine, a1), _events(engine, b1))
    refused = run("archive", "--before", "04/03/2026", "--dir", str(tmp_path / "a"))
    assert refused.exit_code == 1
    assert f"cụm loa {b1}" in refused.output and "đứt chuỗi băm" in refused.output
    assert (_events(engine, a1), _events(engine, b1)) == before  # A1 could have been cut: it was not either
    assert not list((tmp_path / "a").iterdir())
    with Session(engine) as s:
        assert s.exec(select(PlayCheckpoint)).first() is None
    # A cut before D2 is fine for both.
    assert run("archive", "--before", "03/03/2026", "--dir", str(tmp_path / "a")).exit_code == 0
    assert [d for _, d in _events(engine, b1)] == [D3, D3, D3, D2]


def test_future_bad_and_earlier_cuts_and_broken_chains_are_refused(run, engine, world, logged, tmp_path):
    a1, _, _ = logged
    future = run("archive", "--before", "01/01/2100", "--dir", str(tmp_path / "a"))
    assert future.exit_code == 1 and "ở tương lai" in future.output
    assert run("archive", "--before", "31/02/2026").exit_code == 1
    assert "không hợp lệ" in run("archive", "--before", "hôm qua").output
    with engine.begin() as conn:  # an edited event before the cut: archiving must not launder it
        conn.execute(sa.text("UPDATE play_event SET duration_ms = 1 WHERE cluster_id = :c AND seq = 2"), {"c": a1})
    broken = run("archive", "--before", "03/03/2026", "--dir", str(tmp_path / "a"))
    assert broken.exit_code == 1 and f"cụm loa {a1} hỏng tại vị trí 2" in broken.output
    assert len(_events(engine, a1)) == 9
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE play_event SET duration_ms = 20000 WHERE cluster_id = :c AND seq = 2"),
                     {"c": a1})
    assert run("archive", "--before", "04/03/2026", "--dir", str(tmp_path / "a")).exit_code == 0
    earlier = run("archive", "--before", "03/03/2026", "--dir", str(tmp_path / "a"))
    assert earlier.exit_code == 1 and "ngày cắt mới phải từ 04/03/2026" in earlier.output
