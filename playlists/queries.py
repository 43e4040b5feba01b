"""Read-only queries over published playlists, for other packages (airtime) and the API."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from core.areas import Area, AreaLevel, is_within, subtree_condition
from core.timeutil import now_utc
from playlists.models import Playlist, PlaylistBuild, PlaylistItem

# Large id lists are sent in chunks: SQLite and PostgreSQL both cap bound parameters per statement.
_CHUNK = 5_000


def published_items_query(*, day_from: date, day_to: date, cluster_ids: Iterable[int] | None = None) -> Select:
    """SELECT of the items of current playlists dated in [day_from, day_to] (for aggregation in SQL).

    `cluster_ids` here goes into one IN list: keep it small, or filter by joining your own table.
    """
    query = (
        select(PlaylistItem)
        .join(Playlist, col(Playlist.id) == PlaylistItem.playlist_id)
        .where(col(Playlist.is_current).is_(True), col(Playlist.day) >= day_from, col(Playlist.day) <= day_to)
    )
    if cluster_ids is not None:
        query = query.where(col(Playlist.cluster_id).in_(list(cluster_ids)))
    return query


def published_items(
    session: Session, *, day_from: date, day_to: date, cluster_ids: Iterable[int] | None = None
) -> list[PlaylistItem]:
    """Items of the current playlists dated in [day_from, day_to], ordered by cluster, day, slot, position."""
    order = (
        col(PlaylistItem.cluster_id), col(PlaylistItem.day), col(PlaylistItem.slot_index),
        col(PlaylistItem.position),
    )
    if cluster_ids is None:
        query = published_items_query(day_from=day_from, day_to=day_to).order_by(*order)
        return list(session.exec(query))  # type: ignore[call-overload]
    ids = sorted(set(cluster_ids))
    rows: list[PlaylistItem] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        query = published_items_query(day_from=day_from, day_to=day_to, cluster_ids=chunk)
        rows += session.exec(query)  # type: ignore[call-overload]
    rows.sort(key=lambda r: (r.cluster_id, r.day, r.slot_index, r.position))
    return rows


def current_playlist(session: Session, cluster_id: int, day: date) -> Playlist | None:
    query = select(Playlist).where(Playlist.cluster_id == cluster_id, Playlist.day == day,
                                   col(Playlist.is_current).is_(True))
    return session.exec(query).first()


def get_current_playlists(session: Session, *, day: date, cluster_ids: Iterable[int]) -> dict[int, Playlist]:
    """The current playlist of `day` of each of `cluster_ids` that has one, by cluster id."""
    ids = sorted(set(cluster_ids))
    found: dict[int, Playlist] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(Playlist).where(Playlist.day == day, col(Playlist.is_current).is_(True),
                                       col(Playlist.cluster_id).in_(ids[start:start + _CHUNK]))
        found.update((p.cluster_id, p) for p in session.exec(query))
    return found


def list_clusters_without_playlist(session: Session, *, day: date, scope: Area | None,
                                   limit: int) -> list[Area]:
    """Clusters of the subtree of `scope` (None: everywhere) with no current playlist for `day`, in tree order."""
    clusters = select(Area.id).where(Area.level == AreaLevel.cluster)
    if scope is not None:
        clusters = clusters.where(subtree_condition(scope))
    have = select(Playlist.cluster_id).where(Playlist.day == day, col(Playlist.is_current).is_(True))
    missing = select(Area).where(col(Area.id).in_(clusters), col(Area.id).not_in(have)).order_by(col(Area.path))
    return list(session.exec(missing.limit(limit)))


def list_builds(session: Session, *, scope: Area | None, day: date | None = None,
                limit: int = 50) -> list[PlaylistBuild]:
    """Recent builds, newest first; a user with a scope sees only builds of areas inside it."""
    query = select(PlaylistBuild)
    if day is not None:
        query = query.where(PlaylistBuild.day == day)
    rows = session.exec(query.order_by(col(PlaylistBuild.id).desc()).limit(limit * 4 if scope else limit))
    visible = []
    for row in rows:
        if scope is not None:
            if row.area_id is None:
                continue
            area = session.get(Area, row.area_id)
            if area is None or not is_within(area, scope):
                continue
        visible.append(row)
        if len(visible) >= limit:
            break
    return visible


def playlist_items(session: Session, playlist_id: int) -> list[PlaylistItem]:
    query = (select(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id)
             .order_by(col(PlaylistItem.slot_index), col(PlaylistItem.position)))
    return list(session.exec(query))


@dataclass(frozen=True)
class Alert:
    content_id: int
    title: str
    sha256: str | None
    ext: str | None
    duration_ms: int | None
    issued_at: datetime
    valid_until: date
    ends_at: datetime | None = None
    tone_in_audio: bool = False  # the audio starts with the alert tone: the device plays none of its own


def cluster_alerts(session: Session, cluster: Area, today: date, now: datetime | None = None) -> list[Alert]:
    """Emergency content targeted at the cluster (directly or through an ancestor) that is approved, still
    valid today and not past its end (nor ended): a device polls this to interrupt what is on air."""
    from campaigns.eligibility import airable_contents
    from campaigns.models import tone_in_audio

    now = now or now_utc()
    ancestors = set(cluster.ancestor_ids)
    found = [
        Alert(a.content_id, a.title, a.audio_sha256, a.audio_ext, a.audio_duration_ms, a.approved_at, a.valid_until,
              a.ends_at, tone_in_audio(a.audio_source))
        for a in airable_contents(session, day_from=today, day_to=today)
        if a.level == "emergency" and a.valid_from <= today <= a.valid_until and ancestors.intersection(a.area_ids)
        and (a.ends_at is None or a.ends_at > now)
    ]
    return sorted(found, key=lambda a: (a.issued_at, a.content_id), reverse=True)
