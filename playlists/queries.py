"""Read-only queries over published playlists, for other packages (airtime) and the API."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from core.areas import Area
from playlists.models import Playlist, PlaylistItem

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


def cluster_alerts(session: Session, cluster: Area, today: date) -> list[Alert]:
    """Emergency content targeted at the cluster (directly or through an ancestor) that is approved and
    still valid today: a device polls this to interrupt what is on air."""
    from campaigns.eligibility import airable_contents

    ancestors = set(cluster.ancestor_ids)
    found = [
        Alert(a.content_id, a.title, a.audio_sha256, a.audio_ext, a.audio_duration_ms, a.approved_at, a.valid_until)
        for a in airable_contents(session, day_from=today, day_to=today)
        if a.level == "emergency" and a.valid_from <= today <= a.valid_until and ancestors.intersection(a.area_ids)
    ]
    return sorted(found, key=lambda a: (a.issued_at, a.content_id), reverse=True)
