"""Tamper evidence: an edited, deleted or forged row breaks the cluster's chain, and verify says where."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from airtime.chain import GENESIS, row_hash, verify_cluster
from airtime.ingest import ingest_plays
from airtime.models import PlayEvent
from core.db import session_scope
from tests.airtime.builders import TZ, event, make_content


@pytest.fixture
def chained(engine, world):
    """Ten events on cluster A1 (two batches), two on A2."""
    cluster, other = world.clusters_a
    with session_scope(engine) as s:
        content = make_content(s, "Tin an toàn giao thông")
    start = datetime(2026, 4, 1, 6, 0, tzinfo=TZ)
    events = [event(content.id, start + timedelta(minutes=3 * i), 120_000, event_id=f"c{i}") for i in range(10)]
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, events=events[:6], tz=TZ)
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, events=events[6:], tz=TZ)
        ingest_plays(s, cluster_id=other.id, events=events[:2], tz=TZ)
    return cluster.id


def _sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _verify(engine, cluster_id):
    with Session(engine) as s:
        return verify_cluster(s, cluster_id)


def test_intact_chain_verifies(engine, chained, world):
    check = _verify(engine, chained)
    assert check.ok and check.checked == 10 and check.head_seq == 10 and check.first_broken is None
    assert len(check.head_hash) == 64
    assert _verify(engine, world.clusters_a[1].id).checked == 2
    empty = _verify(engine, world.clusters_b[0].id)
    assert empty.ok and empty.checked == 0 and empty.head_hash is None


def test_rewriting_values_to_themselves_is_not_tampering(engine, chained):
    """Verification compares values, not write history: a no-op update keeps the chain valid."""
    _sql(engine, "UPDATE play_event SET status = status, local_day = local_day, duration_ms = duration_ms "
                 "WHERE cluster_id = :c", c=chained)
    assert _verify(engine, chained).ok


@pytest.mark.parametrize("statement", [
    "UPDATE play_event SET duration_ms = duration_ms + 1000 WHERE cluster_id = :c AND seq = 4",
    "UPDATE play_event SET status = 'interrupted' WHERE cluster_id = :c AND seq = 4",
    "UPDATE play_event SET content_id = content_id + 1 WHERE cluster_id = :c AND seq = 4",
    "UPDATE play_event SET local_day = :day WHERE cluster_id = :c AND seq = 4",
])
def test_edited_row_is_detected(engine, chained, statement):
    _sql(engine, statement, c=chained, day=datetime(2026, 4, 2).date())
    check = _verify(engine, chained)
    assert not check.ok
    assert check.first_broken.seq == 4 and check.first_broken.event_id == "c3"
    assert "sửa" in check.first_broken.reason
    assert check.checked == 3


def test_deleted_row_is_detected(engine, chained):
    _sql(engine, "DELETE FROM play_event WHERE cluster_id = :c AND seq = 6", c=chained)
    check = _verify(engine, chained)
    assert not check.ok and check.first_broken.seq == 6 and "xóa" in check.first_broken.reason


def test_deleted_tail_is_detected(engine, chained):
    _sql(engine, "DELETE FROM play_event WHERE cluster_id = :c AND seq >= 9", c=chained)
    check = _verify(engine, chained)
    assert not check.ok and check.checked == 8 and check.first_broken.seq == 9


def test_renumbered_rows_after_a_delete_are_detected(engine, chained):
    """Deleting row 5 and shifting the rest down leaves no gap in seq, but the hashes no longer fit."""
    _sql(engine, "DELETE FROM play_event WHERE cluster_id = :c AND seq = 5", c=chained)
    for seq in range(6, 11):
        _sql(engine, "UPDATE play_event SET seq = :new WHERE cluster_id = :c AND seq = :old",
             c=chained, new=seq - 1, old=seq)
    check = _verify(engine, chained)
    assert not check.ok and check.first_broken.seq == 5


def test_a_row_forged_with_its_own_hash_is_detected_at_the_next_row(engine, chained):
    """Whoever edits a row and recomputes its hash still breaks the link from the row after it."""
    with Session(engine) as s:
        row = s.get(PlayEvent, (chained, 4))
        row.duration_ms += 60_000
        row.hash = row_hash(bytes(row.prev_hash), row)
        s.add(row)
        s.commit()
    check = _verify(engine, chained)
    assert not check.ok and check.first_broken.seq == 5 and "trước" in check.first_broken.reason


def test_verify_over_http(client, engine, chained, auth, world):
    url = f"/api/v1/clusters/{chained}/plays/verify"
    ok = client.get(url, headers=auth("supervisor_a")).json()
    assert ok["ok"] and ok["checked"] == 10
    _sql(engine, "UPDATE play_event SET duration_ms = 1 WHERE cluster_id = :c AND seq = 2", c=chained)
    broken = client.get(url, headers=auth("supervisor")).json()
    assert broken["ok"] is False and broken["first_broken"]["seq"] == 2 and broken["first_broken"]["event_id"] == "c1"
    assert ok["head_hash"] == broken["head_hash"]


def test_genesis_and_hash_are_stable(engine, chained):
    """The first row links to the zero hash, and hashing a stored row again gives its stored hash."""
    with Session(engine) as s:
        first = s.get(PlayEvent, (chained, 1))
        assert bytes(first.prev_hash) == GENESIS
        assert row_hash(GENESIS, first) == bytes(first.hash)
        assert first.started_at == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
