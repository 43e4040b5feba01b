"""Building and publishing daily playlists.

A build gathers the inputs of every cluster in scope (effective slots, targeted airable content,
campaign targets, this ISO week's planned airtime and recent play history), groups clusters whose
inputs are equal (a commune's clusters usually are; a province's thousands of clusters fall into a
handful of groups), runs the pure planner once per group, and writes one playlist per cluster.

Publishing is atomic. New versions are written with `is_current = false` in chunked transactions
(readers never see them), then a single short transaction flips them current and retires the old
ones. A build that fails or is killed half-way leaves the previous version served; its orphan rows
are deleted by the next build. Clusters whose inputs did not change keep their playlist (same
version, same ETag); clusters whose inputs changed but whose plan did not keep it too.

Builds are serialised per database (PostgreSQL advisory lock, or an flock beside the SQLite file),
so version numbers never race.
"""

import fcntl
import hashlib
import logging
import os
import threading
import time as time_mod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from campaigns.eligibility import AirableContent, CampaignTarget, airable_contents, campaign_targets
from core.areas import Area, AreaLevel
from core.errors import Conflict, Invalid, NotFound
from core.timeutil import iso_week_start, local_today, now_utc
from playlists.models import Playlist, PlaylistBuild, PlaylistItem, PlaylistPlan
from playlists.planner import (
    AudioRef,
    CampaignProgress,
    Candidate,
    DayPlan,
    LeftOut,
    Level,
    PlannedItem,
    PlannedSlot,
    SlotInstance,
    SlotTemplate,
    emergency_insert,
    plan_day,
)
from playlists.slot_times import elapsed_ms, slot_instances
from playlists.slots import AreaSlots, load_area_slots

log = logging.getLogger(__name__)

# How far from today a day may be built (a typo like 2035 is refused, not planned).
MAX_DAYS_FROM_TODAY = 366
# Play history the planner sees for "least recently planned first".
HISTORY_DAYS = 7
# Clusters written per transaction: bounded memory, and SQLite's writer lock is held briefly.
CHUNK_CLUSTERS = 2_000
LOCK_WAIT_SECONDS = 120.0
_IN_CHUNK = 5_000

ITEM_COLUMNS = (
    "playlist_id", "cluster_id", "day", "slot_index", "slot_name", "slot_starts_at", "slot_ends_at",
    "position", "kind", "content_id", "revision_id", "campaign_id", "level", "title", "starts_at",
    "duration_ms", "sha256", "ext",
)

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------------------- errors and results


class BuildBusy(Conflict):
    def __init__(self) -> None:
        super().__init__("Đang có một lượt lập danh sách phát khác chạy; vui lòng thử lại sau ít phút.")


@dataclass(frozen=True)
class BuildResult:
    day: date
    build_id: int | None
    clusters: int  # clusters in scope: each now has a current playlist for the day
    written: int  # new versions published
    unchanged: int  # playlists kept as they were (same version, same ETag)
    items: int  # item rows written
    groups: int  # distinct planner inputs
    seconds: float

    @property
    def playlists(self) -> int:
        return self.clusters

    def as_dict(self) -> dict:
        return {"date": self.day.isoformat(), "build_id": self.build_id, "playlists": self.clusters,
                "written": self.written, "unchanged": self.unchanged, "items": self.items,
                "groups": self.groups, "seconds": round(self.seconds, 3)}


def check_build_day(day: date, today: date) -> None:
    if abs((day - today).days) > MAX_DAYS_FROM_TODAY:
        raise Invalid(f"Ngày {day:%d/%m/%Y} cách hôm nay quá {MAX_DAYS_FROM_TODAY} ngày: không lập danh sách phát.")


# ---------------------------------------------------------------------------- locking


_thread_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
_thread_locks_guard = threading.Lock()


def _sqlite_lock_path(engine: Engine, name: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.{name}.lock")


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"loaxa:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def db_lock(engine: Engine, name: str, *, wait_seconds: float | None = LOCK_WAIT_SECONDS,
            lock_file: Path | None = None) -> Iterator[bool]:
    """A lock shared by every process using this database; yields False if not taken in time.

    PostgreSQL: a session advisory lock on a dedicated connection (released if the process dies).
    SQLite: an flock on `lock_file` (default: beside the database file), also released by the
    kernel when the process dies. `wait_seconds=None` waits forever, 0 tries once.
    """
    deadline = None if wait_seconds is None else time_mod.monotonic() + wait_seconds

    def expired() -> bool:
        return deadline is not None and time_mod.monotonic() >= deadline

    if engine.dialect.name == "postgresql":
        key = _advisory_key(name)
        with engine.connect() as conn:
            while not (taken := bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())):
                conn.commit()
                if expired():
                    break
                time_mod.sleep(0.1)
            conn.commit()
            try:
                yield taken
            finally:
                if taken:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    path = lock_file or _sqlite_lock_path(engine, name)
    if path is None:
        with _thread_locks_guard:
            lock = _thread_locks[f"{id(engine)}:{name}"]
        taken = lock.acquire(timeout=-1 if wait_seconds is None else wait_seconds)
        try:
            yield taken
        finally:
            if taken:
                lock.release()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
                break
            except BlockingIOError:
                if expired():
                    taken = False
                    break
                time_mod.sleep(0.1)
        try:
            yield taken
        finally:
            if taken:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------- hashing


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _HistoryDay:
    """What one distinct published plan put on air (content items only)."""

    seconds_by_campaign: dict[int, float]
    last_start: dict[int, datetime]


@dataclass
class _Inputs:
    day: date
    tz: tzinfo
    clusters: list[tuple[int, str]]  # (cluster_id, path)
    slots: AreaSlots
    airable: list[AirableContent]
    targets: dict[int, CampaignTarget]
    history: dict[int, tuple[tuple[date, str], ...]]  # cluster_id -> ((day, plan_hash), ...)
    history_days: dict[tuple[date, str], _HistoryDay]
    current: dict[int, tuple[int, int, str, str]]  # cluster_id -> (playlist_id, version, inputs_hash, plan_hash)
    max_version: dict[int, int]


def _cluster_filter(query, area: Area | None, cluster_ids: Sequence[int] | None, cluster_col):
    """Restrict a query on playlists to clusters in scope (a subtree, or an explicit small id list)."""
    if area is not None:
        query = query.join(Area, col(Area.id) == cluster_col).where(col(Area.path).startswith(area.path))
    if cluster_ids is not None:
        query = query.where(cluster_col.in_(list(cluster_ids)))
    return query


def _chunks(ids: Sequence[int] | None) -> Iterator[Sequence[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start:start + _IN_CHUNK]


def _load_clusters(session: Session, area: Area | None, cluster_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    query = select(Area.id, Area.path).where(Area.level == AreaLevel.cluster)
    if area is not None:
        query = query.where(col(Area.path).startswith(area.path))
    found: list[tuple[int, str]] = []
    for chunk in _chunks(cluster_ids):
        q = query if chunk is None else query.where(col(Area.id).in_(list(chunk)))
        found += [(cid, path) for cid, path in session.exec(q)]  # type: ignore[misc]
    return sorted(found)


def gather_inputs(session: Session, *, day: date, tz: tzinfo, area: Area | None = None,
                  cluster_ids: Sequence[int] | None = None) -> _Inputs:
    clusters = _load_clusters(session, area, cluster_ids)
    ids = [cid for cid, _ in clusters] if cluster_ids is not None else None
    airable = airable_contents(session, day_from=day, day_to=day)
    targets = campaign_targets(session, sorted({a.campaign_id for a in airable if a.campaign_id is not None}))

    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    reps: dict[tuple[date, str], int] = {}
    hq = select(Playlist.cluster_id, Playlist.day, Playlist.plan_hash, Playlist.id).where(
        col(Playlist.is_current).is_(True), col(Playlist.day) >= day - timedelta(days=HISTORY_DAYS),
        col(Playlist.day) < day)
    for chunk in _chunks(ids):
        q = _cluster_filter(hq, area, chunk, col(Playlist.cluster_id))
        for cid, hday, plan_hash, pid in session.exec(q):  # type: ignore[misc]
            history[cid].append((hday, plan_hash))
            reps.setdefault((hday, plan_hash), pid)
    history_days = _history_days(session, reps)

    current: dict[int, tuple[int, int, str, str]] = {}
    max_version: dict[int, int] = {}
    cq = select(Playlist.cluster_id, Playlist.id, Playlist.version, Playlist.is_current, Playlist.inputs_hash,
                Playlist.plan_hash).where(Playlist.day == day)
    for chunk in _chunks(ids):
        q = _cluster_filter(cq, area, chunk, col(Playlist.cluster_id))
        for cid, pid, version, is_current, inputs_hash, plan_hash in session.exec(q):  # type: ignore[misc]
            max_version[cid] = max(version, max_version.get(cid, 0))
            if is_current:
                current[cid] = (pid, version, inputs_hash, plan_hash)
    return _Inputs(
        day=day, tz=tz, clusters=clusters, slots=load_area_slots(session), airable=airable, targets=targets,
        history={cid: tuple(sorted(days)) for cid, days in history.items()}, history_days=history_days,
        current=current, max_version=max_version,
    )


def _history_days(session: Session, reps: dict[tuple[date, str], int]) -> dict[tuple[date, str], _HistoryDay]:
    by_playlist = {pid: key for key, pid in reps.items()}
    seconds: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    last: dict[int, dict[int, datetime]] = defaultdict(dict)
    pids = sorted(by_playlist)
    for start in range(0, len(pids), 500):
        chunk = pids[start:start + 500]
        rows = session.exec(
            select(PlaylistItem.playlist_id, PlaylistItem.content_id, PlaylistItem.campaign_id,
                   PlaylistItem.duration_ms, PlaylistItem.starts_at)
            .where(col(PlaylistItem.playlist_id).in_(chunk), PlaylistItem.kind == "content"))
        for pid, content_id, campaign_id, duration_ms, starts_at in rows:  # type: ignore[misc]
            if campaign_id is not None:
                seconds[pid][campaign_id] += duration_ms / 1000
            if content_id is not None:
                prev = last[pid].get(content_id)
                if prev is None or prev < starts_at:
                    last[pid][content_id] = starts_at
    return {key: _HistoryDay(dict(seconds.get(pid, {})), dict(last.get(pid, {}))) for pid, key in by_playlist.items()}


# ---------------------------------------------------------------------------- per-group planning


@dataclass
class GroupPlan:
    """One planner run and the rows every cluster of its group gets."""

    inputs_hash: str
    plan_hash: str
    plan: DayPlan
    rows: list[tuple]  # ITEM_COLUMNS[3:] values, Python types (UTC datetimes)
    clusters: list[int] = field(default_factory=list)


def candidate_from(a: AirableContent, targets: dict[int, CampaignTarget], targeted: bool) -> Candidate:
    valid_from, valid_until = a.valid_from, a.valid_until
    campaign = targets.get(a.campaign_id) if a.campaign_id is not None else None
    if campaign is not None:
        # The campaign's own period bounds its content's airing.
        valid_from, valid_until = max(valid_from, campaign.starts_on), min(valid_until, campaign.ends_on)
    audio = None
    if a.audio_sha256 and a.audio_ext and a.audio_duration_ms and a.audio_duration_ms > 0:
        audio = AudioRef(a.audio_sha256, a.audio_ext, a.audio_duration_ms)
    return Candidate(
        content_id=a.content_id, title=a.title, campaign_id=a.campaign_id, level=Level.from_api(a.level),
        valid_from=valid_from, valid_until=valid_until, approved=True, targeted=targeted, audio=audio,
    )


def drop_overlaps(instances: list[SlotInstance]) -> list[SlotInstance]:
    """Defensive: the slot service refuses overlaps, but a day must build even if data slipped past it."""
    kept: list[SlotInstance] = []
    for inst in instances:
        if kept and elapsed_ms(inst.starts_at, kept[-1].ends_at) > 0:
            log.warning("slot %s (%s) overlaps slot %s: left out of the plan", inst.slot_id, inst.name,
                        kept[-1].slot_id)
            continue
        kept.append(inst)
    return kept


def _audio_key(ref: AudioRef | None) -> tuple | None:
    return None if ref is None else (ref.sha256, ref.ext, ref.duration_ms)


def plan_rows(plan: DayPlan, revisions: dict[int, int]) -> list[tuple]:
    rows: list[tuple] = []
    for slot_index, ps in enumerate(plan.slots):
        s_start, s_end = ps.slot.starts_at.astimezone(UTC), ps.slot.ends_at.astimezone(UTC)
        for item in ps.items:
            rows.append((
                slot_index, ps.slot.name, s_start, s_end, item.position, item.kind, item.content_id,
                revisions.get(item.content_id) if item.content_id is not None else None, item.campaign_id,
                item.level.api_name, item.title, item.starts_at.astimezone(UTC), item.duration_ms,
                item.audio.sha256, item.audio.ext,
            ))
    return rows


def plan_slots_json(plan: DayPlan) -> list[dict]:
    return [{"index": i, "slot_id": ps.slot.slot_id, "name": ps.slot.name, "starts_at": _iso(ps.slot.starts_at),
             "ends_at": _iso(ps.slot.ends_at), "unused_ms": ps.unused_ms} for i, ps in enumerate(plan.slots)]


def _stamp(value: object) -> object:
    # An instant as integer microseconds since the epoch: exact, zone-free, and cheap to hash.
    return round(value.timestamp() * 1_000_000) if isinstance(value, datetime) else value


def plan_hash_of(day: date, plan: DayPlan, rows: list[tuple]) -> str:
    slots = [(ps.slot.name, _stamp(ps.slot.starts_at), _stamp(ps.slot.ends_at)) for ps in plan.slots]
    return _digest("plan", day.isoformat(), slots, [tuple(map(_stamp, r)) for r in rows])


def candidate_key(c: Candidate, revision_id: int | None) -> str:
    """Everything about a candidate the planner reads, as a stable string (for the inputs hash)."""
    return repr((c.content_id, c.title, c.campaign_id, int(c.level), c.valid_from.isoformat(),
                 c.valid_until.isoformat(), c.approved, c.targeted, _audio_key(c.audio), revision_id))


def inputs_hash_of(day: date, tz: tzinfo, instances: Sequence[SlotInstance], candidate_keys: Iterable[str],
                   progress: dict[int, CampaignProgress], last_planned: dict[int, datetime],
                   filler: AudioRef | None = None) -> str:
    return _digest(
        "inputs", day.isoformat(), str(tz), _audio_key(filler),
        [(s.slot_id, s.name, _iso(s.starts_at), _iso(s.ends_at), _audio_key(s.intro), _audio_key(s.outro))
         for s in instances],
        "|".join(candidate_keys),
        [(cid, p.target_seconds_per_week, round(p.planned_seconds_this_week, 3))
         for cid, p in sorted(progress.items())],
        sorted((cid, _iso(t)) for cid, t in last_planned.items()),
    )


def plan_group(day: date, tz: tzinfo, inputs_hash: str, instances: Sequence[SlotInstance],
               candidates: Sequence[Candidate], progress: dict[int, CampaignProgress],
               last_planned: dict[int, datetime], revisions: dict[int, int],
               filler: AudioRef | None = None) -> GroupPlan:
    plan = plan_day(day=day, tz=tz, slots=instances, candidates=candidates, progress=progress,
                    last_planned=last_planned, filler=filler)
    rows = plan_rows(plan, revisions)
    return GroupPlan(inputs_hash=inputs_hash, plan_hash=plan_hash_of(day, plan, rows), plan=plan, rows=rows)


def plan_groups(inputs: _Inputs) -> list[GroupPlan]:
    """Group the clusters by equal planner inputs and plan each group once."""
    day, tz = inputs.day, inputs.tz
    week_start = iso_week_start(day)
    targets = inputs.targets
    by_area: dict[int, list[int]] = defaultdict(list)  # area_id -> indexes into airable
    for i, a in enumerate(inputs.airable):
        for area_id in a.area_ids:
            by_area[area_id].append(i)
    campaigns_by_area: dict[int, list[int]] = defaultdict(list)
    for cid, t in targets.items():
        if t.target_minutes_per_week and t.target_minutes_per_week > 0 and t.starts_on <= day <= t.ends_on:
            for area_id in t.area_ids:
                campaigns_by_area[area_id].append(cid)
    revisions = {a.content_id: a.revision_id for a in inputs.airable}

    # Key parts computed once per parent chain: a commune's clusters share theirs unless a cluster
    # has slots, targeted content, campaigns or a commemorative day of its own.
    own_areas = (set(inputs.slots.by_area) | set(by_area) | set(campaigns_by_area) | set(inputs.slots.fillers)
                 | {a for a in inputs.slots.commemorations.areas_on(day) if a is not None})
    chain_cache: dict[tuple[int, ...], tuple] = {}

    def chain_key(ancestor_ids: tuple[int, ...]):
        found = chain_cache.get(ancestor_ids)
        if found is None:
            templates = inputs.slots.templates_for(ancestor_ids, day)
            targeted = frozenset(i for a in ancestor_ids for i in by_area.get(a, ()))
            campaigns = frozenset(c for a in ancestor_ids for c in campaigns_by_area.get(a, ()))
            filler = inputs.slots.filler_for(ancestor_ids)
            found = chain_cache[ancestor_ids] = (len(chain_cache), templates, targeted, campaigns, filler)
        return found

    groups: dict[tuple, list[int]] = defaultdict(list)
    chains: dict[int, tuple] = {}
    for cid, path in inputs.clusters:
        ancestor_ids = tuple(int(p) for p in path.strip("/").split("/") if p)
        chain = chain_key(ancestor_ids if cid in own_areas else ancestor_ids[:-1])
        chains[chain[0]] = chain
        groups[(chain[0], inputs.history.get(cid, ()))].append(cid)

    # Candidates and their hash keys, made once per content item (targeted: the groups hold only theirs).
    candidates = [candidate_from(a, targets, True) for a in inputs.airable]
    keys = [candidate_key(c, a.revision_id) for c, a in zip(candidates, inputs.airable, strict=True)]
    instances_cache: dict[tuple[SlotTemplate, ...], list[SlotInstance]] = {}
    hashes: dict[tuple, str] = {}
    plans: dict[str, GroupPlan] = {}
    result: list[GroupPlan] = []
    for (chain_index, history), cluster_ids in groups.items():
        _, templates, targeted, campaigns, filler = chains[chain_index]
        seconds: dict[int, float] = defaultdict(float)
        last_planned: dict[int, datetime] = {}
        for hday, plan_hash in history:
            h = inputs.history_days.get((hday, plan_hash))
            if h is None:
                continue
            if hday >= week_start:
                for campaign_id, s in h.seconds_by_campaign.items():
                    seconds[campaign_id] += s
            for content_id, when in h.last_start.items():
                if content_id not in last_planned or last_planned[content_id] < when:
                    last_planned[content_id] = when
        progress = {
            c: CampaignProgress(c, float(targets[c].target_minutes_per_week or 0) * 60, seconds.get(c, 0.0))
            for c in sorted(campaigns)
        }
        instances = instances_cache.get(templates)
        if instances is None:
            instances = instances_cache[templates] = drop_overlaps(slot_instances(templates, day, tz))
        chosen = sorted(targeted)
        # Communes of a province usually share slots, content and history: hash their inputs once.
        shortcut = (templates, targeted, campaigns, history, filler)
        inputs_hash = hashes.get(shortcut)
        if inputs_hash is None:
            inputs_hash = hashes[shortcut] = inputs_hash_of(day, tz, instances, (keys[i] for i in chosen),
                                                            progress, last_planned, filler)
        # Different keys can still mean equal inputs (communes with the same content): plan once.
        existing = plans.get(inputs_hash)
        if existing is not None:
            existing.clusters += cluster_ids
            continue
        group = plan_group(day, tz, inputs_hash, instances, [candidates[i] for i in chosen], progress,
                           last_planned, revisions, filler)
        group.clusters = list(cluster_ids)
        plans[inputs_hash] = group
        result.append(group)
    return result


# ---------------------------------------------------------------------------- writing


PLAYLIST_COLUMNS = ("id", "cluster_id", "day", "version", "etag", "inputs_hash", "plan_hash", "build_id",
                    "built_at", "is_current", "item_count")


def _copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class _Writer:
    """Bulk inserts on the connection's own transaction, at the driver level: COPY on PostgreSQL,
    executemany on SQLite. A group's item rows are rendered once and shared by all its clusters."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        dialect = conn.dialect
        tables = {"playlist_item": (PlaylistItem.__table__, ITEM_COLUMNS),  # type: ignore[attr-defined]
                  "playlist": (Playlist.__table__, PLAYLIST_COLUMNS)}  # type: ignore[attr-defined]
        # SQLite wants dates and times as strings: render with the columns' own bind processors.
        self._procs = {name: [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
                       for name, (table, names) in tables.items()}
        self._next_id: int | None = None

    def _render(self, table: str, row: tuple, offset: int = 0) -> tuple:
        procs = self._procs[table][offset:]
        return tuple(p(v) if p is not None and v is not None else v for p, v in zip(procs, row, strict=True))

    def prepare(self, rows: list[tuple]) -> list:
        """A group's item rows without their first three columns (playlist_id, cluster_id, day)."""
        if self.pg:
            return ["\t".join(_copy_text(v) for v in row) + "\n" for row in rows]
        return [self._render("playlist_item", row, 3) for row in rows]

    def day_value(self, day: date) -> object:
        return day.isoformat() if self.pg else self._procs["playlist_item"][2](day)

    def allocate_ids(self, n: int) -> list[int]:
        """Ids for new playlists, so rows need no RETURNING round trip (builds hold the build lock)."""
        if self.pg:
            seq = self.conn.execute(sa.text("SELECT pg_get_serial_sequence('playlist', 'id')")).scalar_one()
            return list(self.conn.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                          {"s": seq, "n": n}).scalars())
        if self._next_id is None:
            self._next_id = (self.conn.execute(sa.text("SELECT max(id) FROM playlist")).scalar() or 0) + 1
        first = self._next_id
        self._next_id += n
        return list(range(first, first + n))

    def _cursor(self):
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        return raw.cursor()

    def write_playlists(self, rows: list[tuple]) -> None:
        cursor = self._cursor()
        try:
            if self.pg:
                with cursor.copy(f"COPY playlist ({', '.join(PLAYLIST_COLUMNS)}) FROM STDIN") as copy:
                    copy.write("".join("\t".join(_copy_text(v) for v in row) + "\n" for row in rows))
            else:
                marks = ", ".join("?" for _ in PLAYLIST_COLUMNS)
                cursor.executemany(f"INSERT INTO playlist ({', '.join(PLAYLIST_COLUMNS)}) VALUES ({marks})",
                                   [self._render("playlist", row) for row in rows])
        finally:
            cursor.close()

    def write_items(self, batches: Iterable[tuple[int, int, list]], day: date) -> None:
        """`batches`: (playlist_id, cluster_id, prepared rows of its group) per playlist."""
        day_value = self.day_value(day)
        cursor = self._cursor()
        try:
            if self.pg:
                with cursor.copy(f"COPY playlist_item ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
                    for pid, cid, lines in batches:
                        if lines:
                            prefix = f"{pid}\t{cid}\t{day_value}\t"
                            copy.write(prefix + prefix.join(lines))
            else:
                marks = ", ".join("?" for _ in ITEM_COLUMNS)
                cursor.executemany(
                    f"INSERT INTO playlist_item ({', '.join(ITEM_COLUMNS)}) VALUES ({marks})",
                    ((pid, cid, day_value, *row) for pid, cid, rows in batches for row in rows))
        finally:
            cursor.close()


def _etag(cluster_id: int, day: date, version: int, plan_hash: str) -> str:
    return hashlib.sha256(f"{cluster_id}:{day.isoformat()}:{version}:{plan_hash}".encode()).hexdigest()[:32]


def _save_plans(conn: Connection, day: date, groups: Sequence[GroupPlan]) -> None:
    table = PlaylistPlan.__table__  # type: ignore[attr-defined]
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


@dataclass
class _Assignment:
    cluster_id: int
    group: GroupPlan
    version: int


def _write_chunk(writer: _Writer, day: date, build_id: int, chunk: list[_Assignment],
                 prepared: dict[str, list]) -> int:
    built_at = now_utc()
    ids = writer.allocate_ids(len(chunk))
    writer.write_playlists([
        (pid, a.cluster_id, day, a.version, _etag(a.cluster_id, day, a.version, a.group.plan_hash),
         a.group.inputs_hash, a.group.plan_hash, build_id, built_at, False, len(a.group.rows))
        for pid, a in zip(ids, chunk, strict=True)])
    _insert_items(writer, [(pid, a.cluster_id, prepared[a.group.inputs_hash])
                           for pid, a in zip(ids, chunk, strict=True)], day)
    return sum(len(a.group.rows) for a in chunk)


def _insert_items(writer: _Writer, batches: list[tuple[int, int, list]], day: date) -> None:
    # A separate function so tests can make a build fail half-way, as a crash would.
    writer.write_items(batches, day)


def _cleanup_unpublished(conn: Connection, day: date) -> None:
    """Delete what failed or killed builds of `day` left behind (never current, never served)."""
    builds = PlaylistBuild.__table__  # type: ignore[attr-defined]
    playlists = Playlist.__table__  # type: ignore[attr-defined]
    items = PlaylistItem.__table__  # type: ignore[attr-defined]
    dead = sa.select(builds.c.id).where(builds.c.day == day, builds.c.status != "published")
    orphans = sa.select(playlists.c.id).where(playlists.c.build_id.in_(dead), playlists.c.is_current.is_(False))
    conn.execute(sa.delete(items).where(items.c.playlist_id.in_(orphans)))
    conn.execute(sa.delete(playlists).where(playlists.c.build_id.in_(dead), playlists.c.is_current.is_(False)))
    conn.execute(sa.update(builds).where(builds.c.day == day, builds.c.status == "running")
                 .values(status="failed", error="Bị dừng giữa chừng.", finished_at=now_utc()))


def _start_build(conn: Connection, day: date, area_id: int | None, reason: str, created_by: int | None,
                 clusters: int) -> int:
    builds = PlaylistBuild.__table__  # type: ignore[attr-defined]
    return conn.execute(sa.insert(builds).values(
        day=day, area_id=area_id, reason=reason, status="running", clusters=clusters, created_by=created_by,
        started_at=now_utc()).returning(builds.c.id)).scalar_one()


def _fail_build(engine: Engine, build_id: int, day: date, error: str) -> None:
    builds = PlaylistBuild.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.update(builds).where(builds.c.id == build_id)
                     .values(status="failed", error=error[:2000], finished_at=now_utc()))
        _cleanup_unpublished(conn, day)


def _writer_count(engine: Engine) -> int:
    # PostgreSQL checks every item's foreign key on the server: two connections keep two server
    # processes busy. SQLite has one writer at a time, so more would only wait for each other.
    return min(2, os.cpu_count() or 1) if engine.dialect.name == "postgresql" else 1


def _write_all(engine: Engine, day: date, build_id: int, groups: Sequence[GroupPlan], writes: list[_Assignment],
               chunk_clusters: int, progress: Progress | None) -> int:
    """Write every new version (not yet current), one transaction per chunk, on one or more connections."""
    chunks = [writes[i:i + chunk_clusters] for i in range(0, len(writes), chunk_clusters)]
    lanes = max(1, min(_writer_count(engine), len(chunks)))
    failed = threading.Event()
    lock = threading.Lock()
    written = {"clusters": 0, "items": 0}

    def lane(index: int) -> None:
        with engine.connect() as conn:
            writer = _Writer(conn)
            prepared = {g.inputs_hash: writer.prepare(g.rows) for g in groups if g.clusters}
            for chunk in chunks[index::lanes]:
                if failed.is_set():
                    return
                with conn.begin():
                    n = _write_chunk(writer, day, build_id, chunk, prepared)
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


def publish_groups(engine: Engine, *, day: date, groups: Sequence[GroupPlan], current: dict,
                   max_version: dict[int, int], area_id: int | None, reason: str, created_by: int | None,
                   progress: Progress | None = None, chunk_clusters: int = CHUNK_CLUSTERS,
                   started: float | None = None) -> BuildResult:
    """Write new versions for clusters whose plan changed, then make them current in one transaction.

    Call under the build lock. `current` maps cluster_id -> (playlist_id, version, inputs_hash, plan_hash).
    """
    started = time_mod.monotonic() if started is None else started
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

    with engine.begin() as conn:
        build_id = _start_build(conn, day, area_id, reason, created_by, total)
        _save_plans(conn, day, [g for g in groups if g.clusters])
    items = 0
    try:
        if writes:
            items = _write_all(engine, day, build_id, groups, writes, chunk_clusters, progress)
        _flip(engine, day, build_id, relabel, len(writes), unchanged, items)
    except BaseException as exc:
        log.exception("playlist build %s for %s failed", build_id, day)
        _fail_build(engine, build_id, day, str(exc) or exc.__class__.__name__)
        raise
    return BuildResult(day=day, build_id=build_id, clusters=total, written=len(writes), unchanged=unchanged,
                       items=items, groups=len(groups), seconds=time_mod.monotonic() - started)


def _flip(engine: Engine, day: date, build_id: int, relabel: list[dict], written: int, unchanged: int,
          items: int) -> None:
    playlists = Playlist.__table__  # type: ignore[attr-defined]
    builds = PlaylistBuild.__table__  # type: ignore[attr-defined]
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


# ---------------------------------------------------------------------------- the builder


def build_day(engine: Engine, *, day: date, tz: tzinfo, area_id: int | None = None,
              cluster_ids: Sequence[int] | None = None, reason: str = "manual", created_by: int | None = None,
              progress: Progress | None = None, chunk_clusters: int = CHUNK_CLUSTERS,
              lock_wait_seconds: float | None = LOCK_WAIT_SECONDS) -> BuildResult:
    """Build and publish `day` for every cluster below `area_id` (all clusters if None), or for `cluster_ids`."""
    started = time_mod.monotonic()
    with db_lock(engine, "playlist-build", wait_seconds=lock_wait_seconds) as taken:
        if not taken:
            raise BuildBusy()
        with engine.begin() as conn:
            _cleanup_unpublished(conn, day)
        with Session(engine) as session:
            area = None
            if area_id is not None:
                area = session.get(Area, area_id)
                if area is None:
                    raise NotFound("địa bàn", area_id)
            inputs = gather_inputs(session, day=day, tz=tz, area=area,
                                   cluster_ids=sorted(set(cluster_ids)) if cluster_ids is not None else None)
        if progress:
            progress(0, max(1, len(inputs.clusters)), f"Đang lập kế hoạch cho {len(inputs.clusters)} cụm loa")
        groups = plan_groups(inputs)
        return publish_groups(engine, day=day, groups=groups, current=inputs.current,
                              max_version=inputs.max_version, area_id=area_id, reason=reason,
                              created_by=created_by, progress=progress, chunk_clusters=chunk_clusters,
                              started=started)


# ---------------------------------------------------------------------------- content changes


def affected_clusters(session: Session, content_id: int,
                      days: Sequence[date]) -> tuple[set[int], AirableContent | None]:
    """Clusters a change of `content_id` touches: those it targets now, and those whose current playlist
    on one of `days` holds it (it may have been withdrawn or retargeted)."""
    found: set[int] = set()
    content = next((a for a in airable_contents(session, day_from=min(days), day_to=max(days))
                    if a.content_id == content_id), None)
    if content is not None and content.area_ids:
        areas = list(session.exec(select(Area).where(col(Area.id).in_(list(content.area_ids)))))
        for area in areas:
            found |= set(session.exec(select(Area.id).where(col(Area.path).startswith(area.path),
                                                            Area.level == AreaLevel.cluster)))
    found |= set(session.exec(
        select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
        .where(col(Playlist.is_current).is_(True), col(Playlist.day).in_(list(days)),
               PlaylistItem.content_id == content_id).distinct()))
    return found, content


def days_with_playlists(session: Session, days: Sequence[date], cluster_ids: Iterable[int]) -> list[date]:
    ids = sorted(set(cluster_ids))
    result = []
    for day in days:
        for start in range(0, len(ids), _IN_CHUNK):
            hit = session.exec(select(Playlist.id).where(
                Playlist.day == day, col(Playlist.is_current).is_(True),
                col(Playlist.cluster_id).in_(ids[start:start + _IN_CHUNK])).limit(1)).first()
            if hit is not None:
                result.append(day)
                break
    return result


def _plan_from_rows(day: date, tz: tzinfo, slots_json: list[dict], items: Sequence[PlaylistItem]) -> DayPlan:
    """Rebuild a published DayPlan (to patch it) from its stored slots and item rows."""
    by_slot: dict[int, list[PlannedItem]] = defaultdict(list)
    for it in sorted(items, key=lambda r: (r.slot_index, r.position)):
        by_slot[it.slot_index].append(PlannedItem(
            position=it.position, kind=it.kind, content_id=it.content_id, title=it.title,
            campaign_id=it.campaign_id, level=Level[it.level.upper()], starts_at=it.starts_at.astimezone(tz),
            duration_ms=it.duration_ms, audio=AudioRef(it.sha256, it.ext, it.duration_ms)))
    slots = []
    for s in slots_json:
        inst = SlotInstance(s["slot_id"], s["name"], datetime.fromisoformat(s["starts_at"]).astimezone(tz),
                            datetime.fromisoformat(s["ends_at"]).astimezone(tz))
        placed = tuple(by_slot.get(s["index"], ()))
        unused = inst.duration_ms - sum(i.duration_ms for i in placed)
        slots.append(PlannedSlot(slot=inst, items=placed, unused_ms=unused))
    return DayPlan(day=day, slots=tuple(slots), left_out=())


def insert_emergency(engine: Engine, *, content: AirableContent, cluster_ids: Iterable[int], day: date,
                     tz: tzinfo, now: datetime, targets: dict[int, CampaignTarget]) -> BuildResult | None:
    """Put an approved emergency at the start of the current or next slot of each cluster's current
    playlist of `day` (call under the build lock). Clusters without a playlist that day are left to
    a full build. Returns None when nothing was published."""
    candidate = candidate_from(content, targets, True)
    started = time_mod.monotonic()
    with Session(engine) as session:
        ids = sorted(set(cluster_ids))
        current: dict[int, tuple[int, int, str, str]] = {}
        max_version: dict[int, int] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            rows = session.exec(select(Playlist).where(Playlist.day == day,
                                                       col(Playlist.cluster_id).in_(ids[start:start + _IN_CHUNK])))
            for p in rows:
                max_version[p.cluster_id] = max(p.version, max_version.get(p.cluster_id, 0))
                if p.is_current:
                    current[p.cluster_id] = (p.id, p.version, p.inputs_hash, p.plan_hash)
        by_inputs: dict[str, list[int]] = defaultdict(list)
        for cid, (_pid, _v, inputs_hash, _ph) in current.items():
            by_inputs[inputs_hash].append(cid)
        groups: list[GroupPlan] = []
        for inputs_hash, members in sorted(by_inputs.items()):
            plan_row = session.get(PlaylistPlan, inputs_hash)
            if plan_row is None:
                continue
            rep = current[members[0]][0]
            items = list(session.exec(select(PlaylistItem).where(PlaylistItem.playlist_id == rep)))
            plan = _plan_from_rows(day, tz, plan_row.slots, items)
            result = emergency_insert(plan, candidate, now)
            if not result.slot_indexes or result.plan == plan:
                continue
            # The stored explanation, minus the emergency, plus what the insertion pushed out.
            left_out = {lo["content_id"]: LeftOut(lo["content_id"], lo["reason"]) for lo in plan_row.left_out
                        if lo["content_id"] != content.content_id}
            left_out.update({lo.content_id: lo for lo in result.plan.left_out})
            revisions = {it.content_id: it.revision_id for it in items
                         if it.content_id is not None and it.revision_id is not None}
            revisions[content.content_id] = content.revision_id
            rows = plan_rows(result.plan, revisions)
            new_plan = DayPlan(day=day, slots=result.plan.slots,
                               left_out=tuple(left_out[k] for k in sorted(left_out)))
            group = GroupPlan(inputs_hash=_digest("emergency", inputs_hash, content.content_id, _iso(now)),
                              plan_hash=plan_hash_of(day, new_plan, rows), plan=new_plan, rows=rows,
                              clusters=list(members))
            groups.append(group)
    if not groups:
        return None
    return publish_groups(engine, day=day, groups=groups, current=current, max_version=max_version, area_id=None,
                          reason="emergency", created_by=None, started=started)


@dataclass(frozen=True)
class ChangeResult:
    content_id: int
    clusters: int
    builds: list[BuildResult]
    emergency_inserted: bool

    def as_dict(self) -> dict:
        return {"content_id": self.content_id, "clusters": self.clusters,
                "emergency_inserted": self.emergency_inserted, "builds": [b.as_dict() for b in self.builds]}


def apply_content_change(engine: Engine, *, content_id: int, tz: tzinfo, now: datetime | None = None) -> ChangeResult:
    """Bring today's (and an already built tomorrow's) playlists in line with a content change.

    An approved emergency with audio goes in at the start of the current or next slot of every
    targeted cluster's current playlist for today; anything else (approval, withdrawal, new audio)
    rebuilds the affected clusters' day in full.
    """
    now = now or now_utc()
    today = local_today(tz, now)
    tomorrow = today + timedelta(days=1)
    with Session(engine) as session:
        clusters, content = affected_clusters(session, content_id, [today, tomorrow])
        if not clusters:
            return ChangeResult(content_id, 0, [], False)
        later = days_with_playlists(session, [tomorrow], clusters)
        targets = campaign_targets(session, [content.campaign_id] if content and content.campaign_id else [])
        already = set(session.exec(
            select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
            .where(col(Playlist.is_current).is_(True), Playlist.day == today,
                   PlaylistItem.content_id == content_id).distinct()))
    builds: list[BuildResult] = []
    inserted = False
    is_emergency = (content is not None and content.level == "emergency" and content.audio_sha256 is not None
                    and content.valid_from <= today <= content.valid_until)
    full_today = sorted(clusters)
    if is_emergency:
        assert content is not None
        with db_lock(engine, "playlist-build") as taken:
            if not taken:
                raise BuildBusy()
            fresh = sorted(clusters - already)
            result = insert_emergency(engine, content=content, cluster_ids=fresh, day=today, tz=tz, now=now,
                                      targets=targets)
        if result is not None:
            builds.append(result)
            inserted = True
        # Clusters without a playlist today, or already holding it (new audio), get a full build.
        with Session(engine) as session:
            have = _current_clusters(session, today, fresh)
        full_today = sorted(already | (set(fresh) - have))
    if full_today:
        builds.append(build_day(engine, day=today, tz=tz, cluster_ids=full_today, reason="content_changed"))
    for day in later:
        builds.append(build_day(engine, day=day, tz=tz, cluster_ids=sorted(clusters), reason="content_changed"))
    return ChangeResult(content_id, len(clusters), builds, inserted)


def _current_clusters(session: Session, day: date, cluster_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(cluster_ids), _IN_CHUNK):
        found |= set(session.exec(select(Playlist.cluster_id).where(
            Playlist.day == day, col(Playlist.is_current).is_(True),
            col(Playlist.cluster_id).in_(list(cluster_ids[start:start + _IN_CHUNK])))))
    return found


# ---------------------------------------------------------------------------- housekeeping


def prune_superseded(engine: Engine, *, before: date) -> int:
    """Delete superseded (non-current) versions of days before `before`; current ones are history and stay."""
    playlists = Playlist.__table__  # type: ignore[attr-defined]
    items = PlaylistItem.__table__  # type: ignore[attr-defined]
    plans = PlaylistPlan.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        old = sa.select(playlists.c.id).where(playlists.c.day < before, playlists.c.is_current.is_(False))
        conn.execute(sa.delete(items).where(items.c.playlist_id.in_(old)))
        deleted = conn.execute(sa.delete(playlists).where(playlists.c.day < before,
                                                          playlists.c.is_current.is_(False))).rowcount
        used = sa.select(playlists.c.inputs_hash).where(playlists.c.day < before)
        conn.execute(sa.delete(plans).where(plans.c.day < before, plans.c.inputs_hash.not_in(used)))
    return deleted or 0


def rebuild_stale(engine: Engine, *, day: date, tz: tzinfo, reason: str = "expiry") -> BuildResult | None:
    """Rebuild the clusters whose current playlist of `day` holds content that may no longer air that day
    (expired, withdrawn, or replaced by a newer approved revision). Returns None when all is in order."""
    with Session(engine) as session:
        airing = {(a.content_id, a.revision_id) for a in airable_contents(session, day_from=day, day_to=day)
                  if a.valid_from <= day <= a.valid_until}
        planned = session.exec(
            select(PlaylistItem.content_id, PlaylistItem.revision_id)
            .join(Playlist, col(Playlist.id) == PlaylistItem.playlist_id)
            .where(Playlist.day == day, col(Playlist.is_current).is_(True), PlaylistItem.kind == "content")
            .distinct())
        stale = sorted({cid for cid, rev in planned if cid is not None and (cid, rev) not in airing})
        if not stale:
            return None
        clusters: set[int] = set()
        for start in range(0, len(stale), 500):
            clusters |= set(session.exec(
                select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
                .where(Playlist.day == day, col(Playlist.is_current).is_(True),
                       col(PlaylistItem.content_id).in_(stale[start:start + 500])).distinct()))
    log.info("day %s: %d stale content items in %d clusters, rebuilding", day, len(stale), len(clusters))
    return build_day(engine, day=day, tz=tz, cluster_ids=sorted(clusters), reason=reason)


def has_full_build(engine: Engine, day: date) -> bool:
    """Whether a build of every cluster (no area) has been published for `day`."""
    with Session(engine) as session:
        return session.exec(select(PlaylistBuild.id).where(
            PlaylistBuild.day == day, col(PlaylistBuild.area_id).is_(None), PlaylistBuild.status == "published",
            col(PlaylistBuild.reason).in_(["nightly", "catch-up", "manual"]))).first() is not None
