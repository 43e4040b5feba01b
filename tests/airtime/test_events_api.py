"""A cluster's stored events over HTTP: pages in chain order, the period filter, the re-verifiable CSV."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from airtime.chain import GENESIS, event_hash
from airtime.ingest import ingest_plays
from core.db import session_scope
from core.users import User
from tests.airtime.builders import TZ, event, make_content

DAY1, DAY2 = date(2026, 4, 1), date(2026, 4, 2)


@pytest.fixture
def logged(engine, world):
    """Cluster A1: five events on 01/04 (one entered by hand), four on 02/04 (one just before midnight)."""
    cluster = world.clusters_a[0]
    with session_scope(engine) as s:
        content = make_content(s, "Tin phòng, chống cháy rừng mùa khô")
    first = datetime(2026, 4, 1, 6, 0, tzinfo=TZ)
    day1 = [event(content.id, first + timedelta(minutes=3 * i), 90_000 + i, event_id=f"d1-{i}") for i in range(5)]
    day2 = [event(content.id, first + timedelta(days=1, minutes=3 * i), 60_000, status, event_id=f"d2-{i}")
            for i, status in enumerate(("played", "interrupted", "skipped"))]
    day2.append(event(content.id, datetime(2026, 4, 2, 23, 59, 30, tzinfo=TZ), 120_000, event_id="d2-late"))
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, events=day1[:4], tz=TZ)
    with session_scope(engine) as s:
        operator = s.exec(select(User).where(User.username == "operator_a")).one()
        ingest_plays(s, cluster_id=cluster.id, events=day1[4:], tz=TZ, entered_by=operator.id)
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, events=day2, tz=TZ)
    return cluster.id, content


def _url(cluster_id: int) -> str:
    return f"/api/v1/clusters/{cluster_id}/plays"


def test_pages_walk_the_chain_in_order(client, auth, logged):
    cluster_id, content = logged
    sup = auth("supervisor")
    seen, after = [], 0
    while True:
        res = client.get(_url(cluster_id), params={"after_seq": after, "limit": 4}, headers=sup)
        assert res.status_code == 200, res.text
        body = res.json()
        seen += body["events"]
        if body["next_after_seq"] is None:
            break
        after = body["next_after_seq"]
    assert [e["seq"] for e in seen] == list(range(1, 10))
    assert [e["event_id"] for e in seen][:5] == [f"d1-{i}" for i in range(5)]
    first = seen[0]
    assert first["content_title"] == content.title and first["started_at"] == "2026-04-01T06:00:00+07:00"
    assert first["prev_hash"] == GENESIS.hex() and all(
        b["prev_hash"] == a["hash"] for a, b in zip(seen, seen[1:], strict=False))
    assert [e["entered_by"] is not None for e in seen] == [False] * 4 + [True] + [False] * 4


def test_period_filter_uses_local_days(client, auth, logged):
    cluster_id, _ = logged
    res = client.get(_url(cluster_id), params={"from": "2026-04-02", "to": "2026-04-02"}, headers=auth("operator_a"))
    body = res.json()
    assert [e["event_id"] for e in body["events"]] == ["d2-0", "d2-1", "d2-2", "d2-late"]
    assert body["events"][-1]["local_day"] == "2026-04-02"  # 23:59:30 +07:00 is 16:59 UTC, still the 2nd locally
    assert body["next_after_seq"] is None


def test_csv_export_can_be_verified_without_the_database(client, auth, logged, engine):
    cluster_id, content = logged
    res = client.get(_url(cluster_id), params={"from": "2026-04-01", "to": "2026-04-30", "format": "csv"},
                     headers=auth("supervisor"))
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert 'filename="nhat-ky-phat-cum-' in res.headers["content-disposition"]
    assert res.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Vietnamese titles
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert len(rows) == 9 and rows[0]["content_title"] == content.title
    assert _rechain(cluster_id, rows) == [r["hash"] for r in rows]
    # An edited row in the database shows in the next export: its stored hash no longer follows from its fields.
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE play_event SET duration_ms = 1 WHERE cluster_id = :c AND seq = 3"),
                     {"c": cluster_id})
    rows = list(csv.DictReader(io.StringIO(client.get(
        _url(cluster_id), params={"from": "2026-04-01", "to": "2026-04-30", "format": "csv"},
        headers=auth("supervisor")).content.decode("utf-8-sig"))))
    recomputed = _rechain(cluster_id, rows)
    assert recomputed[:2] == [r["hash"] for r in rows[:2]] and recomputed[2] != rows[2]["hash"]


def _unquote(cell: str) -> str:
    """Undo the spreadsheet neutralisation (docs/airtime.md): one leading quote before = + - @ tab CR."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def _rechain(cluster_id: int, rows: list[dict]) -> list[str]:
    """The chain recomputed from the CSV's fields alone (docs/airtime.md, "Tamper evidence")."""
    prev, out = bytes.fromhex(rows[0]["prev_hash"]), []
    for r in rows:
        digest = event_hash(prev, cluster_id=cluster_id, seq=int(r["seq"]), event_id=_unquote(r["event_id"]),
                            content_id=int(r["content_id"]), started_at=datetime.fromisoformat(r["started_at"]),
                            local_day=date.fromisoformat(r["local_day"]), duration_ms=int(r["duration_ms"]),
                            status=r["status"], entered_by=int(r["entered_by"]) if r["entered_by"] else None,
                            kind=r["kind"], relay_id=int(r["relay_id"]) if r["relay_id"] else None,
                            sha256=_unquote(r["sha256"]) or None, source=_unquote(r["source"]) or None,
                            error=_unquote(r["error"]) or None)
        out.append(digest.hex())
        prev = digest
    return out


def test_csv_defuses_what_devices_send_and_still_rechains(client, auth, engine, world):
    """A device-chosen event id or error that a spreadsheet would run as a formula is quoted in the CSV,
    and the chain still re-hashes from the file once the quote is dropped."""
    cluster = world.clusters_a[0]
    with session_scope(engine) as s:
        content = make_content(s, "=HYPERLINK(\"http://x\")")
    start = datetime(2026, 4, 1, 6, 0, tzinfo=TZ)
    events = [event(content.id, start, 60_000, event_id="=1+1"), event(content.id, start + timedelta(minutes=2),
                                                                       60_000, "failed", event_id="@SUM(A1)")]
    events[1]["error"] = "-cmd|' /C calc'!A0"
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, events=events, tz=TZ)
    res = client.get(_url(cluster.id), params={"from": "2026-04-01", "to": "2026-04-01", "format": "csv"},
                     headers=auth("supervisor"))
    assert res.status_code == 200, res.text
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert [r["event_id"] for r in rows] == ["'=1+1", "'@SUM(A1)"]
    assert rows[0]["content_title"].startswith("'=") and rows[1]["error"].startswith("'-")
    assert _rechain(cluster.id, rows) == [r["hash"] for r in rows]


@pytest.mark.parametrize(("params", "words"), [
    ({"format": "csv"}, "from"),
    ({"format": "csv", "from": "2026-01-01", "to": "2027-06-30"}, "366"),
    ({"from": "2026-04-03", "to": "2026-04-01"}, "03/04/2026"),
])
def test_bad_periods_are_explained(client, auth, logged, params, words):
    cluster_id, _ = logged
    res = client.get(_url(cluster_id), params=params, headers=auth("supervisor"))
    assert res.status_code == 422 and words in res.text


def test_only_readers_of_the_area(client, auth, logged, world):
    cluster_id, _ = logged
    assert client.get(_url(cluster_id), headers=auth("operator_b")).status_code == 403
    assert client.get(_url(world.commune_a.id), headers=auth("admin")).status_code == 422
    assert client.get(_url(2_000_000), headers=auth("admin")).status_code == 404
