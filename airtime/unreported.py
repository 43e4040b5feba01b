"""Cluster-days that never reported: a published plan with content for a past day, and not one as-run
event of that cluster on that local day. Reconciliation calls each such item `not_reported`; a whole
silent day usually means a device offline or a lost log, which the operator must chase."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from airtime.models import AirtimeRollup, PlayEvent
from core.areas import Area, cluster_labels, subtree_condition
from playlists.models import Playlist, PlaylistItem


@dataclass(frozen=True)
class UnreportedDay:
    cluster_id: int
    label: str
    day: date
    planned_items: int


def unreported_days(session: Session, *, day_from: date, day_to: date, today: date, area: Area | None = None,
                    cluster_id: int | None = None, limit: int = 500) -> tuple[list[UnreportedDay], int]:
    """Cluster-days of the period (today left out: its reports are still coming in) whose current plan has
    content items and whose cluster sent no event that day; newest first. Also the total count."""
    last = min(day_to, today - timedelta(days=1))
    if last < day_from:
        return [], 0
    reported = (select(PlayEvent.cluster_id).where(col(PlayEvent.cluster_id) == Playlist.cluster_id,
                                                   col(PlayEvent.local_day) == Playlist.day))
    # An archived day has no events left, but its aired totals stay in the roll-ups.
    rolled_up = (select(AirtimeRollup.cluster_id).where(col(AirtimeRollup.cluster_id) == Playlist.cluster_id,
                                                        col(AirtimeRollup.local_day) == Playlist.day))
    query = (select(col(Playlist.cluster_id), col(Playlist.day), func.count(col(PlaylistItem.id)))
             .join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
             .join(Area, col(Area.id) == Playlist.cluster_id)
             .where(col(Playlist.is_current), col(Playlist.day) >= day_from, col(Playlist.day) <= last,
                    PlaylistItem.kind == "content", ~sa.exists(reported), ~sa.exists(rolled_up))
             .group_by(col(Playlist.cluster_id), col(Playlist.day), col(Area.path)))
    if area is not None:
        query = query.where(subtree_condition(area))
    if cluster_id is not None:
        query = query.where(Playlist.cluster_id == cluster_id)
    rows = list(session.exec(query.order_by(col(Playlist.day).desc(), col(Area.path))))
    shown = rows[:limit]
    labels = cluster_labels(session, list(session.exec(
        select(Area).where(col(Area.id).in_({c for c, _, _ in shown})))))
    return [UnreportedDay(c, labels.get(c, f"#{c}"), d, n) for c, d, n in shown], len(rows)
