"""Shared plans: a plan's items are stored once (`plan_item`) and every playlist of the plan reads them
through the `playlist_item` view, item by item, as if each had its own rows; failed builds and pruned
versions leave no stored items behind; and the public forms are byte for byte those the old
one-row-per-item-per-cluster table gave (the database is migrated down to that table and back)."""

import io
import zipfile
from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from alembic import command
from sqlmodel import Session, col, func, select

from core.areas import AreaCreate, AreaLevel, create_area
from core.db import alembic_config, session_scope
from playlists.housekeeping import prune_superseded
from playlists.models import PlanItem, Playlist, PlaylistItem
from playlists.queries import playlist_items, published_items
from playlists.service import build_day
from tests.conftest import BACKENDS, PG_BASE_URL
from tests.core.test_migration_shared_plans import shared_plans_revision
from tests.playlists.helpers import add_campaign, add_content, add_slot, make_mp3
from tests.processes import fresh_pg_database

DAY = date(2026, 6, 15)  # a Monday


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A database made by the migrations (not by create_all): the down-and-up test needs alembic's history."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    assert PG_BASE_URL
    with fresh_pg_database(PG_BASE_URL, "loaxa_plans") as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture
def scene(engine, world, store):
    """Province slot 06:00 (1 min), commune A slot 17:00 (1 min); three 10 s items of one campaign."""
    add_slot(engine, world.province.id, "Sáng", time(6, 0), 1)
    add_slot(engine, world.commune_a.id, "Chiều", time(17, 0), 1)
    campaign = add_campaign(engine, "Chiến dịch", [world.province.id], target_minutes_per_week=2)
    for i in range(3):
        add_content(engine, f"Tin {i}", [world.province.id], make_mp3(store, 10, 300 + 50 * i), campaign_id=campaign)
    return campaign


def _count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _orphans(engine) -> int:
    """Stored plan items no playlist refers to."""
    with Session(engine) as s:
        used = select(Playlist.plan_hash)
        return s.exec(select(func.count()).select_from(PlanItem).where(col(PlanItem.plan_hash).not_in(used))).one()


def test_a_plan_is_stored_once_and_read_per_cluster(engine, world, scene, settings):
    with session_scope(engine) as s:
        for i in range(200):
            create_area(s, AreaCreate(name=f"Cụm {i}", level=AreaLevel.cluster, parent_id=world.commune_b.id))
    result = build_day(engine, day=DAY, tz=settings.tz)
    # Commune A's two clusters hear both slots (6 items), commune B's 202 the morning one (3 items).
    assert result.written == 205 and result.items == 2 * 6 + 202 * 3
    assert result.plan_items == 6 + 3 == _count(engine, PlanItem)
    assert _count(engine, PlaylistItem, PlaylistItem.day == DAY) == 2 * 6 + 202 * 3
    b1, b2 = world.clusters_b[0].id, world.clusters_b[1].id
    with Session(engine) as s:
        rows = published_items(s, day_from=DAY, day_to=DAY, cluster_ids=[b1, b2])
        playlists = {p.cluster_id: p.id for p in s.exec(select(Playlist).where(col(Playlist.cluster_id).in_([b1, b2])))}
    # Item by item, each cluster's own rows: its cluster, day and playlist, the plan's values.
    assert [(r.cluster_id, r.playlist_id, r.day, r.position) for r in rows] == [
        (cid, playlists[cid], DAY, pos) for cid in (b1, b2) for pos in range(3)]
    assert [r.id for r in rows[:3]] == [r.id for r in rows[3:]]  # the same stored items...
    assert len({id(r) for r in rows}) == 6  # ...read as six rows, not merged by the session


def test_a_new_plan_adds_only_its_own_items(engine, world, scene, store, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    before = _count(engine, PlanItem)
    build_day(engine, day=DAY + timedelta(days=1), tz=settings.tz)  # another day: other plans
    assert _count(engine, PlanItem) > before
    again = build_day(engine, day=DAY, tz=settings.tz)
    assert again.written == 0 and again.plan_items == 0


def test_a_failed_build_leaves_no_stored_items(engine, world, scene, store, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    stored = _count(engine, PlanItem)
    add_content(engine, "Tin mới", [world.province.id], make_mp3(store, 5, 900))

    def failing(done, total, message):
        if message.startswith("Đã ghi"):
            raise RuntimeError("đĩa đầy (giả lập)")

    with pytest.raises(RuntimeError, match="giả lập"):
        build_day(engine, day=DAY, tz=settings.tz, chunk_clusters=1, progress=failing)
    assert _count(engine, PlanItem) == stored and _orphans(engine) == 0
    result = build_day(engine, day=DAY, tz=settings.tz)
    assert result.written == 4 and result.plan_items > 0 and _orphans(engine) == 0


def test_pruning_superseded_versions_prunes_their_plans(engine, world, scene, store, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    first = {p.id: _titles(engine, p.id) for p in _playlists(engine)}
    add_content(engine, "Tin mới", [world.province.id], make_mp3(store, 5, 900))
    build_day(engine, day=DAY, tz=settings.tz)  # version 2 everywhere, version 1 superseded
    # Superseded versions still read their own items (the history of what was published).
    assert {pid: _titles(engine, pid) for pid in first} == first
    assert any("Tin mới" in _titles(engine, p.id) for p in _playlists(engine) if p.is_current)
    current = {p.plan_hash for p in _playlists(engine) if p.is_current and p.item_count}  # empty plans store none
    with Session(engine) as s:
        before = published_items(s, day_from=DAY, day_to=DAY)
    assert prune_superseded(engine, before=DAY + timedelta(days=1)) == 4
    assert _orphans(engine) == 0
    with Session(engine) as s:
        hashes = set(s.exec(select(PlanItem.plan_hash).distinct()))
        after = published_items(s, day_from=DAY, day_to=DAY)
    assert hashes == current
    assert [(r.cluster_id, r.id, r.title) for r in after] == [(r.cluster_id, r.id, r.title) for r in before]


def _titles(engine, playlist_id: int) -> list[str]:
    with Session(engine) as s:
        return [it.title for it in playlist_items(s, playlist_id)]


def _playlists(engine) -> list[Playlist]:
    with Session(engine) as s:
        return list(s.exec(select(Playlist)))


def _forms(client, headers, cluster: int, day: date) -> dict[str, tuple[int, str | None, bytes]]:
    """Every public form of the cluster's playlist of `day`: status, ETag and bytes."""
    base = f"/api/v1/clusters/{cluster}/playlists/{day.isoformat()}"
    out = {}
    for suffix in ("", ".m3u8", "/bundle", "/explain"):
        response = client.get(base + suffix, headers=headers)
        assert response.status_code == 200, response.text
        body = response.content
        if suffix == "/bundle":  # a zip made per request: its members, not its headers' timestamps
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                body = repr(sorted((n, zf.read(n)) for n in zf.namelist())).encode()
        out[suffix] = (response.status_code, response.headers.get("etag"), body)
    return out


def test_public_forms_are_those_of_the_old_table(client, auth, engine, world, scene, store, settings, db_url):
    build_day(engine, day=DAY, tz=settings.tz)
    add_content(engine, "Tin mới", [world.commune_a.id], make_mp3(store, 4, 700))
    build_day(engine, day=DAY, tz=settings.tz)  # commune A: version 2; B unchanged
    op = auth("operator")
    clusters = [world.clusters_a[0].id, world.clusters_b[0].id]
    shared = {c: _forms(client, op, c, DAY) for c in clusters}
    playlists = _playlists(engine)
    assert len({p.plan_hash for p in playlists}) < len(playlists)  # clusters share plans
    per_plan = {p.plan_hash: p.item_count for p in playlists}
    assert _count(engine, PlanItem) == sum(per_plan.values())
    engine.dispose()
    cfg = alembic_config(db_url)
    command.downgrade(cfg, shared_plans_revision(db_url)[1])  # every item of every playlist in its own row again
    engine.dispose()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM playlist_item").scalar() == sum(
            p.item_count for p in playlists)
    old = {c: _forms(client, op, c, DAY) for c in clusters}
    engine.dispose()
    command.upgrade(cfg, "head")  # and back: the upgrade shares them again
    engine.dispose()
    again = {c: _forms(client, op, c, DAY) for c in clusters}
    assert shared == old == again
    assert _count(engine, PlanItem) == sum(per_plan.values())
