"""Clusters that have gone quiet: no event started in the last N days (settings.silent_after_days)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime.models import PlayChain
from core.areas import Area, AreaLevel, cluster_labels, subtree_condition


@dataclass(frozen=True)
class SilentCluster:
    cluster_id: int
    label: str
    last_started_at: datetime | None
    last_received_at: datetime | None
    silent_days: int | None


def silent_clusters(session: Session, *, area: Area | None, now: datetime, after_days: int) -> list[SilentCluster]:
    """Clusters with no event started in the last `after_days` days (and older than that themselves)."""
    cutoff = now - timedelta(days=after_days)
    query = (select(Area, PlayChain).outerjoin(PlayChain, col(PlayChain.cluster_id) == Area.id)
             .where(Area.level == AreaLevel.cluster, col(Area.created_at) <= cutoff,
                    sa.or_(col(PlayChain.last_started_at).is_(None), col(PlayChain.last_started_at) < cutoff)))
    if area is not None:
        query = query.where(subtree_condition(area))
    rows = list(session.exec(query.order_by(col(Area.path))))
    labels = cluster_labels(session, [a for a, _ in rows])
    heads = {a.id: head for a, head in rows}
    out = []
    for cluster_id, label in labels.items():
        head = heads[cluster_id]
        last = head.last_started_at if head else None
        out.append(SilentCluster(cluster_id, label, last, head.last_received_at if head else None,
                                 (now - last).days if last else None))
    return out
