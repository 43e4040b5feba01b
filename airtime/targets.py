"""A campaign's airtime target over a report's period.

target_seconds = target_minutes_per_week × 60 × clusters × days / 7, with the campaign's clusters
(under its areas, within the report's area) and the days of the period inside the campaign's own.
"""

from datetime import date

from sqlmodel import Session, select

from campaigns.eligibility import CampaignTarget
from core.areas import Area, AreaLevel, subtree_condition


def overlap_days(first: date, last: date, starts_on: date, ends_on: date) -> int:
    """How many days of [first, last] fall inside [starts_on, ends_on]."""
    first, last = max(first, starts_on), min(last, ends_on)
    return max(0, (last - first).days + 1)


def _cluster_paths(session: Session, area: Area | None) -> list[tuple[int, str]]:
    query = select(Area.id, Area.path).where(Area.level == AreaLevel.cluster)
    if area is not None:
        query = query.where(subtree_condition(area))
    return list(session.execute(query).all())


def campaign_cluster_counts(session: Session, targets: dict[int, CampaignTarget], area: Area | None
                            ) -> dict[int, int]:
    """Clusters under each campaign's areas, counted within the report's area."""
    clusters = _cluster_paths(session, area)
    counts: dict[int, int] = {}
    for cid, target in targets.items():
        wanted = {f"/{a}/" for a in target.area_ids}
        counts[cid] = sum(1 for _, path in clusters if any(w in path for w in wanted))
    return counts


def target_seconds(target: CampaignTarget, clusters: int, days: int) -> float | None:
    """The campaign's target over `days` days on `clusters` clusters; None when it has no weekly target."""
    if target.target_minutes_per_week is None:
        return None
    return target.target_minutes_per_week * 60 * clusters * days / 7
