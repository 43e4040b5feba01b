"""The shared-plans migration on existing data, SQLite and PostgreSQL: every playlist reads back exactly
the items it had (through the view), equal plans are stored once, a playlist whose items differ from
its plan_hash's gets a plan of its own, and the downgrade gives every row back to the old table."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from core.db import alembic_config, make_engine
from tests.conftest import BACKENDS, PG_BASE_URL
from tests.processes import fresh_pg_database

COLUMNS = ("playlist_id", "cluster_id", "day", "slot_index", "slot_name", "slot_starts_at", "slot_ends_at",
           "position", "kind", "content_id", "revision_id", "campaign_id", "level", "title", "starts_at",
           "duration_ms", "sha256", "ext", "relay_id", "stream_url")
DAY = date(2026, 6, 15)
T0 = datetime(2026, 6, 14, 23, 0, tzinfo=UTC)


def shared_plans_revision(url: str) -> tuple[str, str]:
    """(this migration's revision, the one before it): found by file name, so re-numbering keeps the test."""
    script = ScriptDirectory.from_config(alembic_config(url))
    rev = next(r for r in script.walk_revisions() if r.path.endswith("_shared_plans.py"))
    assert isinstance(rev.down_revision, str)
    return rev.revision, rev.down_revision


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plans.db'}"
        return
    assert PG_BASE_URL
    with fresh_pg_database(PG_BASE_URL, "loaxa_mig") as url:
        yield url


def _item(playlist_id: int, cluster_id: int, position: int, title: str, *, relay: bool = False) -> dict:
    start = T0 + timedelta(seconds=30 * position)
    return {"playlist_id": playlist_id, "cluster_id": cluster_id, "day": DAY, "slot_index": 0,
            "slot_name": "Bản tin sáng", "slot_starts_at": T0, "slot_ends_at": T0 + timedelta(minutes=30),
            "position": position, "kind": "relay" if relay else "content",
            "content_id": None if relay else 10 + position, "revision_id": None if relay else 20 + position,
            "campaign_id": None, "level": "relay" if relay else "normal", "title": title, "starts_at": start,
            "duration_ms": 30_000, "sha256": None if relay else f"{position:064x}", "ext": None if relay else "mp3",
            "relay_id": 7 if relay else None, "stream_url": "http://127.0.0.1:9/live" if relay else None}


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(f"SELECT {', '.join(COLUMNS)} FROM playlist_item "
                                     "ORDER BY playlist_id, slot_index, position")).all()
    return [tuple(r) for r in found]


def test_existing_items_are_shared_and_read_back_unchanged(url):
    mine, before = shared_plans_revision(url)
    cfg = alembic_config(url)
    command.upgrade(cfg, before)
    engine = make_engine(url)
    now = datetime.now(UTC)
    area = sa.table("area", *(sa.column(c) for c in ("id", "name", "level", "code", "parent_id", "path",
                                                    "created_at")))
    playlist = sa.table("playlist", *(sa.column(c) for c in (
        "id", "cluster_id", "day", "version", "etag", "inputs_hash", "plan_hash", "built_at", "is_current",
        "item_count")))
    old_items = sa.table("playlist_item", *(sa.column(c) for c in COLUMNS))
    plan_a, plan_b = "a" * 64, "b" * 64
    with engine.begin() as conn:
        conn.execute(sa.insert(area), [{"id": 1, "name": "Tỉnh", "level": "province", "code": "P", "parent_id": None,
                                        "path": "/1/", "created_at": now}] + [
            {"id": c, "name": f"Cụm {c}", "level": "cluster", "code": f"K{c}", "parent_id": 1, "path": f"/1/{c}/",
             "created_at": now} for c in (2, 3, 4, 5)])
        # Clusters 2, 3, 4 share plan A's hash (4 with other items: from an older planner, say); 5 has plan B,
        # with a relay; 3 also has a superseded version with plan B's hash and no items at all.
        conn.execute(sa.insert(playlist), [
            {"id": pid, "cluster_id": cid, "day": DAY, "version": v, "etag": f"e{pid}", "inputs_hash": "i",
             "plan_hash": h, "built_at": now, "is_current": cur, "item_count": n}
            for pid, cid, v, h, cur, n in ((1, 2, 1, plan_a, True, 2), (2, 3, 1, plan_a, True, 2),
                                           (3, 4, 1, plan_a, True, 3), (4, 5, 1, plan_b, True, 2),
                                           (5, 3, 2, plan_b, False, 0))])
        conn.execute(sa.insert(old_items), [
            _item(1, 2, 0, "Tin một"), _item(1, 2, 1, "Tin hai"),
            _item(2, 3, 0, "Tin một"), _item(2, 3, 1, "Tin hai"),
            _item(3, 4, 0, "Tin một"), _item(3, 4, 1, "Tin khác"), _item(3, 4, 2, "Tin ba"),
            _item(4, 5, 0, "Tin một"), _item(4, 5, 1, "Tiếp sóng", relay=True)])
    legacy = _rows(engine)
    engine.dispose()

    command.upgrade(cfg, mine)
    engine = make_engine(url)
    assert _rows(engine) == legacy  # every playlist reads exactly its old items, through the view
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT plan_hash, count(*) FROM plan_item GROUP BY plan_hash")).all()
        hashes = dict(conn.execute(sa.text("SELECT id, plan_hash FROM playlist")).all())
        kinds = conn.execute(sa.text("SELECT type FROM sqlite_master WHERE name = 'playlist_item'")).scalar() \
            if engine.dialect.name == "sqlite" else conn.execute(sa.text(
                "SELECT table_type FROM information_schema.tables WHERE table_name = 'playlist_item'")).scalar()
    assert kinds in ("view", "VIEW")
    # Plan A once (2 items, not 2 + 2), B once, and the playlists whose items differ from their hash's
    # (3: other items, 5: none) under plans of their own.
    assert hashes[1] == hashes[2] == plan_a and hashes[4] == plan_b
    assert len({plan_a, plan_b, hashes[3], hashes[5]}) == 4 and len(hashes[3]) == len(hashes[5]) == 64
    assert sorted(n for _, n in stored) == [2, 2, 3] and {h for h, _ in stored} == {plan_a, plan_b, hashes[3]}
    engine.dispose()

    command.downgrade(cfg, before)
    engine = make_engine(url)
    assert _rows(engine) == legacy
    engine.dispose()
