"""What a playlist build reads from the database, in bulk: the clusters in scope, every slot template,
filler and commemorative day (`AreaSlots`), the airable content and campaign targets, the recent
play history, the versions already published for the day, the day's relays and the operators'
priority orders.

Queries only: nothing here plans or writes. Id lists are sent in chunks of `IN_CHUNK` so that a
national build stays under the drivers' parameter limits.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import Session, col, select

from campaigns.eligibility import AirableContent, CampaignTarget, airable_contents, campaign_targets
from core.areas import Area, AreaLevel
from playlists.commemorations import CommemorativeDays, commemorative_days
from playlists.models import AreaFiller, Playlist, PlaylistItem, SlotTemplateRow
from playlists.planner import RelayWindow
from playlists.priority_orders import orders_on
from playlists.relays import relays_on
from playlists.slot_times import AudioRef, SlotTemplate
from playlists.slots import to_template

# Play history the planner sees for "least recently planned first".
HISTORY_DAYS = 7
# Ids per IN (...) list.
IN_CHUNK = 5_000


def chunked(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` in slices of IN_CHUNK."""
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start:start + IN_CHUNK]


def _in_chunks(ids: Sequence[int] | None) -> Iterator[Sequence[int] | None]:
    """`ids` in slices of IN_CHUNK; None (no restriction) once."""
    if ids is None:
        yield None
    else:
        yield from chunked(ids)


# ---------------------------------------------------------------------------- slots, in bulk


@dataclass(frozen=True)
class AreaSlots:
    """Every slot template in the database, grouped by area, for the day builder."""

    by_area: dict[int, tuple[tuple[SlotTemplate, bool], ...]]  # area_id -> ((template, commemorative_only), ...)
    commemorations: CommemorativeDays
    fillers: dict[int, AudioRef] = field(default_factory=dict)  # area_id -> filler set on it

    def filler_for(self, ancestor_ids: Sequence[int]) -> AudioRef | None:
        """The filler of the nearest area (the cluster itself first, then up the tree)."""
        for area_id in reversed(ancestor_ids):
            if area_id in self.fillers:
                return self.fillers[area_id]
        return None

    def templates_for(self, ancestor_ids: Sequence[int], day: date) -> tuple[SlotTemplate, ...]:
        """The templates of a cluster (given its ancestor-or-self ids) that may run on `day`."""
        found: list[SlotTemplate] = []
        special: bool | None = None
        for area_id in ancestor_ids:
            for template, commemorative_only in self.by_area.get(area_id, ()):
                if commemorative_only:
                    if special is None:
                        special = self.commemorations.applies(day, ancestor_ids)
                    if not special:
                        continue
                found.append(template)
        return tuple(sorted(found, key=lambda t: t.slot_id))


def load_area_slots(session: Session) -> AreaSlots:
    by_area: dict[int, list[tuple[SlotTemplate, bool]]] = defaultdict(list)
    for row in session.exec(select(SlotTemplateRow).order_by(col(SlotTemplateRow.id))):
        by_area[row.area_id].append((to_template(row), row.commemorative_only))
    fillers = {r.area_id: AudioRef(r.sha256, r.ext, r.duration_ms) for r in session.exec(select(AreaFiller))}
    return AreaSlots({k: tuple(v) for k, v in by_area.items()}, commemorative_days(session), fillers)


# ---------------------------------------------------------------------------- a day's inputs


@dataclass(frozen=True)
class HistoryDay:
    """What one distinct published plan put on air (content items only)."""

    seconds_by_campaign: dict[int, float]
    last_start: dict[int, datetime]


@dataclass
class BuildInputs:
    day: date
    tz: tzinfo
    clusters: list[tuple[int, str]]  # (cluster_id, path)
    slots: AreaSlots
    airable: list[AirableContent]
    targets: dict[int, CampaignTarget]
    history: dict[int, tuple[tuple[date, str], ...]]  # cluster_id -> ((day, plan_hash), ...)
    history_days: dict[tuple[date, str], HistoryDay]
    current: dict[int, tuple[int, int, str, str]]  # cluster_id -> (playlist_id, version, inputs_hash, plan_hash)
    max_version: dict[int, int]
    relays: dict[int, tuple[RelayWindow, ...]] = field(default_factory=dict)  # area_id -> the day's relays set on it
    # area_id (a commune or a cluster) -> slot_id -> an operator's order of priority content ids
    priority_orders: dict[int, dict[int, tuple[int, ...]]] = field(default_factory=dict)


def _cluster_filter(query, area: Area | None, cluster_ids: Sequence[int] | None, cluster_col):
    """Restrict a query on playlists to clusters in scope (a subtree, or an explicit small id list)."""
    if area is not None:
        query = query.join(Area, col(Area.id) == cluster_col).where(col(Area.path).startswith(area.path))
    if cluster_ids is not None:
        query = query.where(cluster_col.in_(list(cluster_ids)))
    return query


def _load_clusters(session: Session, area: Area | None, cluster_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    query = select(Area.id, Area.path).where(Area.level == AreaLevel.cluster)
    if area is not None:
        query = query.where(col(Area.path).startswith(area.path))
    found: list[tuple[int, str]] = []
    for chunk in _in_chunks(cluster_ids):
        q = query if chunk is None else query.where(col(Area.id).in_(list(chunk)))
        found += [(cid, path) for cid, path in session.exec(q) if cid is not None]
    return sorted(found)


def gather_inputs(session: Session, *, day: date, tz: tzinfo, area: Area | None = None,
                  cluster_ids: Sequence[int] | None = None) -> BuildInputs:
    clusters = _load_clusters(session, area, cluster_ids)
    ids = [cid for cid, _ in clusters] if cluster_ids is not None else None
    airable = airable_contents(session, day_from=day, day_to=day)
    targets = campaign_targets(session, sorted({a.campaign_id for a in airable if a.campaign_id is not None}))

    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    reps: dict[tuple[date, str], int] = {}
    hq = select(col(Playlist.cluster_id), col(Playlist.day), col(Playlist.plan_hash), col(Playlist.id)).where(
        col(Playlist.is_current).is_(True), col(Playlist.day) >= day - timedelta(days=HISTORY_DAYS),
        col(Playlist.day) < day)
    for chunk in _in_chunks(ids):
        q = _cluster_filter(hq, area, chunk, col(Playlist.cluster_id))
        for cid, hday, plan_hash, pid in session.exec(q):
            history[cid].append((hday, plan_hash))
            reps.setdefault((hday, plan_hash), pid)
    history_days = _history_days(session, reps)

    current: dict[int, tuple[int, int, str, str]] = {}
    max_version: dict[int, int] = {}
    cq = select(  # type: ignore[call-overload]  # sqlmodel types select() up to four columns
        col(Playlist.cluster_id), col(Playlist.id), col(Playlist.version), col(Playlist.is_current),
        col(Playlist.inputs_hash), col(Playlist.plan_hash)).where(Playlist.day == day)
    for chunk in _in_chunks(ids):
        q = _cluster_filter(cq, area, chunk, col(Playlist.cluster_id))
        for cid, pid, version, is_current, inputs_hash, plan_hash in session.exec(q):
            max_version[cid] = max(version, max_version.get(cid, 0))
            if is_current:
                current[cid] = (pid, version, inputs_hash, plan_hash)
    return BuildInputs(
        day=day, tz=tz, clusters=clusters, slots=load_area_slots(session), airable=airable, targets=targets,
        history={cid: tuple(sorted(days)) for cid, days in history.items()}, history_days=history_days,
        current=current, max_version=max_version, relays=relays_on(session, day, tz),
        priority_orders=orders_on(session, day),
    )


def _history_days(session: Session, reps: dict[tuple[date, str], int]) -> dict[tuple[date, str], HistoryDay]:
    by_playlist = {pid: key for key, pid in reps.items()}
    seconds: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    last: dict[int, dict[int, datetime]] = defaultdict(dict)
    pids = sorted(by_playlist)
    for start in range(0, len(pids), 500):
        chunk = pids[start:start + 500]
        rows = session.exec(
            select(  # type: ignore[call-overload]  # sqlmodel types select() up to four columns
                col(PlaylistItem.playlist_id), col(PlaylistItem.content_id), col(PlaylistItem.campaign_id),
                col(PlaylistItem.duration_ms), col(PlaylistItem.starts_at))
            .where(col(PlaylistItem.playlist_id).in_(chunk), PlaylistItem.kind == "content"))
        for pid, content_id, campaign_id, duration_ms, starts_at in rows:
            if campaign_id is not None:
                seconds[pid][campaign_id] += duration_ms / 1000
            if content_id is not None:
                prev = last[pid].get(content_id)
                if prev is None or prev < starts_at:
                    last[pid][content_id] = starts_at
    return {key: HistoryDay(dict(seconds.get(pid, {})), dict(last.get(pid, {}))) for pid, key in by_playlist.items()}
