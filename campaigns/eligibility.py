"""What may air: the read side of campaigns that playlists and airtime build on.

`airable_contents` lists every content item whose approved (airing) revision's validity overlaps
a date range, with its targets and audio (audio may still be missing while the render runs);
`campaign_targets` gives campaigns' periods, areas and weekly airtime targets. Both are plain
frozen values: callers never hold on to ORM rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from campaigns.models import (
    Campaign,
    CampaignArea,
    Content,
    ContentArea,
    ContentRevision,
    ContentStatus,
)
from core.db import saved_id


@dataclass(frozen=True)
class AirableContent:
    content_id: int
    revision_id: int
    title: str
    campaign_id: int | None
    level: str  # "normal" | "priority" | "emergency"
    valid_from: date
    valid_until: date
    # Targeted areas (any level): a cluster is targeted when any of its ancestor-or-self ids is here.
    area_ids: tuple[int, ...]
    audio_sha256: str | None
    audio_ext: str | None
    audio_duration_ms: int | None
    approved_at: datetime
    # Emergencies: the instant it stops airing (no slot starting then or later holds it); None: its validity.
    ends_at: datetime | None = None
    # "tts" (an emergency's render carries its own alert tone) | "recording" | None (no audio yet)
    audio_source: str | None = None


@dataclass(frozen=True)
class CampaignTarget:
    campaign_id: int
    name: str
    color: str
    target_minutes_per_week: float | None
    starts_on: date
    ends_on: date
    area_ids: tuple[int, ...]


def airable_contents(session: Session, *, day_from: date, day_to: date) -> list[AirableContent]:
    """Approved (airing) revisions valid on some day of [day_from, day_to], ordered by content id.

    Archived items never air, nor emergencies that were ended ("end now"). An item whose newer
    revision awaits approval still airs its approved one.
    """
    query = (
        select(Content, ContentRevision)
        .join(ContentRevision, col(ContentRevision.id) == col(Content.airing_revision_id))
        .where(Content.status != ContentStatus.archived, col(Content.ended_at).is_(None),
               col(ContentRevision.valid_from) <= day_to,
               col(ContentRevision.valid_until) >= day_from)
        .order_by(col(Content.id))
    )
    rows = list(session.exec(query))
    areas = _revision_areas(session, [saved_id(rev) for _, rev in rows])
    result = []
    for content, rev in rows:
        ready = rev.audio_sha256 is not None
        result.append(AirableContent(
            content_id=saved_id(content), revision_id=saved_id(rev), title=rev.title, campaign_id=content.campaign_id,
            level=rev.level, valid_from=rev.valid_from, valid_until=rev.valid_until,
            area_ids=areas.get(saved_id(rev), ()),
            audio_sha256=rev.audio_sha256 if ready else None,
            audio_ext=rev.audio_ext if ready else None,
            audio_duration_ms=rev.audio_duration_ms if ready else None,
            approved_at=rev.decided_at or rev.created_at,
            ends_at=rev.ends_at if rev.level == "emergency" else None,
            audio_source=rev.audio_source if ready else None,
        ))
    return result


def campaign_targets(session: Session, campaign_ids: Iterable[int] | None = None) -> dict[int, CampaignTarget]:
    """Campaigns by id (all of them when `campaign_ids` is None)."""
    query = select(Campaign)
    if campaign_ids is not None:
        ids = list(set(campaign_ids))
        if not ids:
            return {}
        query = query.where(col(Campaign.id).in_(ids))
    campaigns = list(session.exec(query.order_by(col(Campaign.id))))
    links = session.exec(select(CampaignArea).where(
        col(CampaignArea.campaign_id).in_([c.id for c in campaigns])).order_by(col(CampaignArea.area_id)))
    areas: dict[int, list[int]] = defaultdict(list)
    for link in links:
        areas[link.campaign_id].append(link.area_id)
    return {
        saved_id(c): CampaignTarget(campaign_id=saved_id(c), name=c.name, color=c.color,
                             target_minutes_per_week=c.target_minutes_per_week, starts_on=c.starts_on,
                             ends_on=c.ends_on, area_ids=tuple(areas.get(saved_id(c), ())))
        for c in campaigns
    }


def _revision_areas(session: Session, revision_ids: list[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = defaultdict(list)
    # Chunked: a province can have thousands of airing items and drivers cap bound parameters.
    for start in range(0, len(revision_ids), 500):
        chunk = revision_ids[start:start + 500]
        links = session.exec(select(ContentArea).where(col(ContentArea.revision_id).in_(chunk))
                             .order_by(col(ContentArea.area_id)))
        for link in links:
            found[link.revision_id].append(link.area_id)
    return {rev_id: tuple(ids) for rev_id, ids in found.items()}
