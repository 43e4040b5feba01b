"""Publishing planned groups as new playlist versions, atomically.

Clusters whose inputs did not change keep their playlist (same version, same ETag); clusters whose
inputs changed but whose plan did not keep it too (only its inputs hash is updated). The others get
a new version: one `playlist` row each, written with `is_current = false` in chunked transactions
(readers never see them), on one or two connections; their items are their plan's, stored once per
plan_hash in `plan_item` (only plans not stored yet are written) and read through the
`playlist_item` view. Then a single short transaction flips them current and retires the old ones.
A build that fails or is killed half-way leaves the previous versions served: its `running` build
row and orphan rows are cleaned up at once (failure) or by the next build of the day (kill).

Callers hold the build lock (`playlists.service.build_lock`), so version numbers and the ids the
writer allocates never race.
"""

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from core import events
from core.db import table_of
from core.timeutil import now_utc
from playlists.grouping import GroupPlan, plan_slots_json
from playlists.models import PlanItem, Playlist, PlaylistBuild, PlaylistPlan
from playlists.writer import BulkWriter

log = logging.getLogger(__name__)

# Clusters written per transaction: bounded memory, and SQLite's writer lock is held briefly.
CHUNK_CLUSTERS = 2_000

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BuildResult:
    day: date
    build_id: int | None
    clusters: int  # clusters in scope: each now has a current playlist for the day
    written: int  # new versions published
    unchanged: int  # playlists kept as they were (same version, same ETag)
    items: int  # items of the new versions (what `playlist_item` shows for them)
    groups: int  # distinct planner inputs
    seconds: float
    plan_items: int = 0  # rows stored for them: each new plan's items, once


    @property
    def playlists(self) -> int:
        return self.clusters

    def as_dict(self) -> dict:
        return {"date": self.day.isoformat(), "build_id": self.build_id, "playlists": self.clusters,
                "written": self.written, "unchanged": self.unchanged, "items": self.items,
                "groups": self.groups, "plan_items": self.plan_items, "seconds": round(self.seconds, 3)}


@dataclass
class _Assignment:
    cluster_id: int
    group: GroupPlan
    version: int


def publish_groups(engine: Engine, *, day: date, groups: Sequence[GroupPlan], current: dict,
                   max_version: dict[int, int], area_id: int | None, reason: str, created_by: int | None,
                   progress: Progress | None = None, chunk_clusters: int = CHUNK_CLUSTERS,
                   started: float | None = None) -> BuildResult:
    """Write new versions for clusters whose plan changed, then make them current in one transaction.

    Call under the build lock. `current` maps cluster_id -> (playlist_id, version, inputs_hash, plan_hash).
    """
    started = time.monotonic() if started is None else started
    writes: list[_Assignment] = []
    relabel: list[dict] = []  # same plan, new inputs: keep the playlist, record its new inputs
    unchanged = 0
    total = 0
    for g in groups:
        for cid in g.clusters:
            total += 1
            cur = current.get(cid)
            if cur is not None and cur[2] == g.inputs_hash:
                unchanged += 1
            elif cur is not None and cur[3] == g.plan_hash:
                unchanged += 1
                relabel.append({"pid": cur[0], "h": g.inputs_hash})
            else:
                writes.append(_Assignment(cid, g, max_version.get(cid, 0) + 1))
    writes.sort(key=lambda a: a.cluster_id)

    # The build row, the groups' explanations and the new plans' items: one transaction (a failed build's
    # items are pruned with its playlists).
    with engine.begin() as conn:
        build_id = _start_build(conn, day, area_id, reason, created_by, total)
        _save_plans(conn, day, [g for g in groups if g.clusters])
        plan_items = _save_plan_items(conn, {a.group.plan_hash: a.group.rows for a in writes})
    items = 0
    try:
        if writes:
            items = _write_all(engine, day, build_id, writes, chunk_clusters, progress)
        _flip(engine, day, build_id, relabel, len(writes), unchanged, items)
    except BaseException as exc:
        log.exception("playlist build %s for %s failed", build_id, day)
        _fail_build(engine, build_id, day, str(exc) or exc.__class__.__name__)
        raise
    replaced = [a.cluster_id for a in writes if a.cluster_id in current]
    if replaced:
        _announce(engine, day, replaced)
    return BuildResult(day=day, build_id=build_id, clusters=total, written=len(writes), unchanged=unchanged,
                       items=items, groups=len(groups), seconds=time.monotonic() - started, plan_items=plan_items)


def _announce(engine: Engine, day: date, cluster_ids: list[int]) -> None:
    """Tell other packages (devices: "sync now") which current playlists were replaced, once that is committed."""
    try:
        with Session(engine) as session:
            events.publish(events.PLAYLISTS_REPUBLISHED, session=session, day=day, cluster_ids=cluster_ids)
            session.commit()
    except events.NoSubscriber:
        raise
    except Exception:  # the playlists are published: players still find them at their next sync
        log.exception("announcing the republished playlists of %s failed", day)


def cleanup_unpublished(conn: Connection, day: date) -> None:
    """Delete what failed or killed builds of `day` left behind (never current, never served)."""
    builds = table_of(PlaylistBuild)
    playlists = table_of(Playlist)
    dead = sa.select(builds.c.id).where(builds.c.day == day, builds.c.status != "published")
    conn.execute(sa.delete(playlists).where(playlists.c.build_id.in_(dead), playlists.c.is_current.is_(False)))
    killed = conn.execute(sa.update(builds).where(builds.c.day == day, builds.c.status == "running")
                          .values(status="failed", error="Bị dừng giữa chừng.", finished_at=now_utc())).rowcount
    if killed:
        prune_plan_items(conn, day)


def prune_plan_items(conn: Connection, day: date) -> int:
    """Delete the stored items of `day`'s plans that no playlist refers to any more (a failed build's, or
    superseded versions' once pruned). A plan_hash covers one day, so only that day's playlists can use it."""
    plans = table_of(PlaylistPlan)
    playlists = table_of(Playlist)
    items = table_of(PlanItem)
    used = sa.select(playlists.c.plan_hash).where(playlists.c.day == day)
    candidates = sa.select(plans.c.plan_hash).where(plans.c.day == day, plans.c.plan_hash.not_in(used))
    return conn.execute(sa.delete(items).where(items.c.plan_hash.in_(candidates))).rowcount or 0


# ---------------------------------------------------------------------------- build rows and plans


def _start_build(conn: Connection, day: date, area_id: int | None, reason: str, created_by: int | None,
                 clusters: int) -> int:
    builds = table_of(PlaylistBuild)
    return conn.execute(sa.insert(builds).values(
        day=day, area_id=area_id, reason=reason, status="running", clusters=clusters, created_by=created_by,
        started_at=now_utc()).returning(builds.c.id)).scalar_one()


def _fail_build(engine: Engine, build_id: int, day: date, error: str) -> None:
    builds = table_of(PlaylistBuild)
    with engine.begin() as conn:
        conn.execute(sa.update(builds).where(builds.c.id == build_id)
                     .values(status="failed", error=error[:2000], finished_at=now_utc()))
        cleanup_unpublished(conn, day)
        prune_plan_items(conn, day)


def _save_plans(conn: Connection, day: date, groups: Sequence[GroupPlan]) -> None:
    table = table_of(PlaylistPlan)
    wanted = {g.inputs_hash: g for g in groups}
    have: set[str] = set()
    keys = sorted(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        have |= set(conn.execute(sa.select(table.c.inputs_hash).where(table.c.inputs_hash.in_(chunk))).scalars())
    new = [{"inputs_hash": h, "day": day, "plan_hash": g.plan_hash, "slots": plan_slots_json(g.plan),
            "left_out": [{"content_id": lo.content_id, "reason": lo.reason} for lo in g.plan.left_out],
            "created_at": now_utc()}
           for h, g in sorted(wanted.items()) if h not in have]
    if new:
        conn.execute(sa.insert(table), new)


def _save_plan_items(conn: Connection, plans: dict[str, list[tuple]]) -> int:
    """Store the items of each plan not stored yet (a plan_hash's items never change); returns rows written."""
    table = table_of(PlanItem)
    keys = sorted(plans)
    have: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        have |= set(conn.execute(sa.select(table.c.plan_hash).where(table.c.plan_hash.in_(chunk)).distinct()).scalars())
    return BulkWriter(conn).write_plan_items((h, plans[h]) for h in keys if h not in have)


def _flip(engine: Engine, day: date, build_id: int, relabel: list[dict], written: int, unchanged: int,
          items: int) -> None:
    playlists = table_of(Playlist)
    builds = table_of(PlaylistBuild)
    with engine.begin() as conn:
        if written:
            new_clusters = sa.select(playlists.c.cluster_id).where(playlists.c.build_id == build_id)
            conn.execute(sa.update(playlists).where(
                playlists.c.day == day, playlists.c.is_current.is_(True),
                playlists.c.cluster_id.in_(new_clusters)).values(is_current=False))
            conn.execute(sa.update(playlists).where(playlists.c.build_id == build_id).values(is_current=True))
        if relabel:
            conn.execute(sa.update(playlists).where(playlists.c.id == sa.bindparam("pid"))
                         .values(inputs_hash=sa.bindparam("h")), relabel)
        conn.execute(sa.update(builds).where(builds.c.id == build_id).values(
            status="published", written=written, unchanged=unchanged, items=items, finished_at=now_utc()))


# ---------------------------------------------------------------------------- writing new versions


def _etag(cluster_id: int, day: date, version: int, plan_hash: str) -> str:
    return hashlib.sha256(f"{cluster_id}:{day.isoformat()}:{version}:{plan_hash}".encode()).hexdigest()[:32]


def _write_chunk(writer: BulkWriter, day: date, build_id: int, chunk: list[_Assignment]) -> int:
    built_at = now_utc()
    ids = writer.allocate_ids(len(chunk))
    writer.write_playlists([
        (pid, a.cluster_id, day, a.version, _etag(a.cluster_id, day, a.version, a.group.plan_hash),
         a.group.inputs_hash, a.group.plan_hash, build_id, built_at, False, len(a.group.rows))
        for pid, a in zip(ids, chunk, strict=True)])
    return sum(len(a.group.rows) for a in chunk)


def _writer_count(engine: Engine) -> int:
    # PostgreSQL checks every playlist's foreign keys on the server: two connections keep two server
    # processes busy. SQLite has one writer at a time, so more would only wait for each other.
    return min(2, os.cpu_count() or 1) if engine.dialect.name == "postgresql" else 1


def _write_all(engine: Engine, day: date, build_id: int, writes: list[_Assignment], chunk_clusters: int,
               progress: Progress | None) -> int:
    """Write every new version (not yet current), one transaction per chunk, on one or more connections.

    `progress` is told after each chunk has committed; if it raises, the build fails like any other."""
    chunks = [writes[i:i + chunk_clusters] for i in range(0, len(writes), chunk_clusters)]
    lanes = max(1, min(_writer_count(engine), len(chunks)))
    failed = threading.Event()
    lock = threading.Lock()
    written = {"clusters": 0, "items": 0}

    def lane(index: int) -> None:
        with engine.connect() as conn:
            writer = BulkWriter(conn)
            for chunk in chunks[index::lanes]:
                if failed.is_set():
                    return
                with conn.begin():
                    n = _write_chunk(writer, day, build_id, chunk)
                with lock:
                    written["clusters"] += len(chunk)
                    written["items"] += n
                    if progress:
                        progress(written["clusters"], len(writes),
                                 f"Đã ghi {written['clusters']}/{len(writes)} danh sách phát")

    if lanes == 1:
        lane(0)
        return written["items"]
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            lane(index)
        except BaseException as exc:  # handed to the caller below, which cleans up and re-raises
            failed.set()
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,), name=f"loaxa-build-{i}") for i in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return written["items"]
