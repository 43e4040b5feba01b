"""Test data for airtime: campaigns, content with an approval history, published playlists, events.

Rows are made directly with the owning packages' models (campaigns, playlists), as their tables
are the contract airtime reads.
"""

import hashlib
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from campaigns.models import (
    Campaign,
    CampaignArea,
    CampaignDirective,
    Content,
    ContentRevision,
    ContentStatus,
    Directive,
    RevisionStatus,
)
from core.db import saved_id
from playlists.models import PlanItem as PlanItemRow
from playlists.models import Playlist

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_counter = itertools.count(1)


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """An aware local (Asia/Ho_Chi_Minh) time."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


def make_directive(session: Session, number: str = "205/KH-UBND", title: str = "V/v tuyên truyền") -> Directive:
    d = Directive(number=number, issuer="UBND tỉnh Lào Cai", title=title, issued_on=date(2021, 4, 1))
    session.add(d)
    session.flush()
    return d


def make_campaign(session: Session, name: str, starts_on: date, ends_on: date, *, target: float | None = None,
                  area_ids: Sequence[int] = (), directives: Sequence[Directive] = (),
                  color: str = "#1f77b4") -> Campaign:
    c = Campaign(name=name, starts_on=starts_on, ends_on=ends_on, target_minutes_per_week=target, color=color)
    session.add(c)
    session.flush()
    for area_id in area_ids:
        session.add(CampaignArea(campaign_id=saved_id(c), area_id=area_id))
    for d in directives:
        session.add(CampaignDirective(campaign_id=saved_id(c), directive_id=saved_id(d)))
    session.flush()
    return c


def make_content(session: Session, title: str, *, campaign: Campaign | None = None,
                 valid_from: date = date(2020, 1, 1), valid_until: date = date(2030, 12, 31),
                 approved_at: datetime | None = datetime(2019, 12, 1, tzinfo=UTC), approved: bool = True,
                 archived_at: datetime | None = None) -> Content:
    """An item with one revision: approved at `approved_at`, or still submitted (never approved)."""
    status = ContentStatus.archived if archived_at else (ContentStatus.approved if approved else
                                                         ContentStatus.submitted)
    c = Content(title=title, campaign_id=campaign.id if campaign else None, valid_from=valid_from,
                valid_until=valid_until, status=status, archived_at=archived_at)
    session.add(c)
    session.flush()
    rev_status = (RevisionStatus.superseded if archived_at else RevisionStatus.approved) if approved \
        else RevisionStatus.submitted
    rev = ContentRevision(content_id=saved_id(c), title=title, body=f"Nội dung {title}", valid_from=valid_from,
                          valid_until=valid_until, status=rev_status, decided_at=approved_at if approved else None)
    session.add(rev)
    session.flush()
    c.latest_revision_id = rev.id
    c.airing_revision_id = rev.id if approved and not archived_at else None
    session.add(c)
    session.flush()
    return c


@dataclass(frozen=True)
class PlanItem:
    content: Content | None  # None: intro/outro/filler
    starts_at: datetime
    duration_ms: int
    slot_name: str = "Bản tin sáng"
    slot_starts_at: datetime | None = None
    slot_ends_at: datetime | None = None


def make_playlist(session: Session, cluster_id: int, day: date, items: Sequence[PlanItem], *, version: int = 1,
                  current: bool = True) -> Playlist:
    if current:  # the previous current version steps down, as a build does
        for old in session.query(Playlist).filter_by(cluster_id=cluster_id, day=day, is_current=True):
            old.is_current = False
            session.add(old)
        session.flush()
    # As the builder does: equal plan_hash on a day means equal items (airtime relies on it).
    plan_hash = hashlib.sha256(repr((day, [(it.content.id if it.content else None, it.duration_ms,
                                            it.starts_at.timestamp(), it.slot_name, it.slot_starts_at,
                                            it.slot_ends_at) for it in items])).encode()).hexdigest()
    p = Playlist(cluster_id=cluster_id, day=day, version=version, etag=uuid.uuid4().hex, inputs_hash="x",
                 plan_hash=plan_hash, is_current=current, item_count=len(items))
    session.add(p)
    session.flush()
    if session.query(PlanItemRow).filter_by(plan_hash=plan_hash).first() is not None:
        return p  # the plan's items are stored once, shared by every playlist of the plan
    for position, it in enumerate(items):
        slot_start = it.slot_starts_at or it.starts_at - timedelta(minutes=5)
        slot_end = it.slot_ends_at or it.starts_at + timedelta(milliseconds=it.duration_ms) + timedelta(minutes=30)
        c = it.content
        session.add(PlanItemRow(
            plan_hash=plan_hash, slot_index=0, slot_name=it.slot_name,
            slot_starts_at=slot_start, slot_ends_at=slot_end, position=position,
            kind="content" if c else "filler", content_id=c.id if c else None,
            revision_id=c.airing_revision_id if c else None, campaign_id=c.campaign_id if c else None,
            level="normal" if c else "filler", title=c.title if c else "Nhạc nền", starts_at=it.starts_at,
            duration_ms=it.duration_ms, sha256="0" * 64, ext="mp3"))
    session.flush()
    return p


def event(content_id: int, started_at: datetime, duration_ms: int, status: str = "played",
          event_id: str | None = None) -> dict:
    """An event as a device sends it (JSON-ready)."""
    return {"event_id": event_id or f"ev-{next(_counter)}", "content_id": content_id,
            "started_at": started_at.isoformat(), "duration_ms": duration_ms, "status": status}


def send_to(session: Session, cluster_id: int, content: Content, day: date | None = None) -> Playlist:
    """Put `content` in one of the cluster's playlists, so its device may report playing it."""
    day = day or date(2020, 1, 1)
    starts = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    version = session.query(Playlist).filter_by(cluster_id=cluster_id, day=day).count() + 1
    return make_playlist(session, cluster_id, day, [PlanItem(content, starts, 60_000)], version=version,
                         current=False)
