"""A cluster-day's published plan against its as-run events, and the events no plan explains.

Matching: an event matches a planned item of the same content whose slot window (the slot's
start to end, widened by `SLOT_TOLERANCE` for clock drift and late starts) holds the event's
start; among those, the unmatched item whose planned start is nearest. A second event for an
item already matched (a retry after a failure) joins that item. Plans of the day before and
after take part too, so a slot that crosses midnight is matched whole. An item's outcome comes
from its best event: `aired` (played, at least `FULL_RATIO` of the planned duration),
`interrupted` (status interrupted, or played but shorter), `skipped`, `failed`, or
`not_reported` when no event matches.

An event of the day that matches no item is `off_schedule` when its content was approved and
valid at that moment; otherwise it is an anomaly: `never_approved`, `before_approval`,
`outside_validity` or `after_withdrawal`.

Relays (tiếp sóng) are reconciled the same way, apart from campaign content: a relay event (kind
`relay`) matches a planned relay item with the same `relay_id` (`ItemResult.kind` "relay"); one that
matches nothing is listed apart (`unplanned_relays`, kind `relay_off_schedule`), never an anomaly (a
relay is not approved content). Filler, intros, outros and alert tones are not reconciled.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime.models import PlayEvent
from campaigns.models import Content, ContentRevision, RevisionStatus
from core.db import saved_id
from core.timeutil import local_day_bounds
from playlists.models import Playlist, PlaylistItem

SLOT_TOLERANCE = timedelta(minutes=15)
FULL_RATIO = 0.9

OUTCOMES = ("aired", "interrupted", "skipped", "failed", "not_reported")
OUTCOME_LABELS = {
    "aired": "Đã phát đủ",
    "interrupted": "Phát dở dang",
    "skipped": "Bỏ qua",
    "failed": "Lỗi phát",
    "not_reported": "Không có báo cáo",
}
UNPLANNED_KINDS = ("off_schedule", "never_approved", "before_approval", "outside_validity", "after_withdrawal")
ANOMALY_KINDS = UNPLANNED_KINDS[1:]
UNPLANNED_LABELS = {
    "off_schedule": "Phát ngoài lịch (nội dung đã duyệt)",
    "relay_off_schedule": "Tiếp sóng ngoài lịch",
    "never_approved": "BẤT THƯỜNG: phát nội dung chưa từng được duyệt",
    "before_approval": "BẤT THƯỜNG: phát trước khi được duyệt",
    "outside_validity": "BẤT THƯỜNG: phát ngoài thời hạn hiệu lực",
    "after_withdrawal": "BẤT THƯỜNG: phát sau khi đã thu hồi",
}
# Better outcomes win when several events match one item (a retry after a failure).
_STATUS_RANK = {"played": 3, "interrupted": 2, "skipped": 1, "failed": 0}
_APPROVED = (RevisionStatus.approved.value, RevisionStatus.superseded.value)


@dataclass(frozen=True)
class EventView:
    event_id: str
    content_id: int | None  # None for a relay event
    started_at: datetime
    duration_ms: int
    status: str
    relay_id: int | None = None


@dataclass
class ItemResult:
    position: int
    slot_name: str
    content_id: int | None  # None for a relay
    campaign_id: int | None
    title: str
    planned_starts_at: datetime
    planned_seconds: float
    outcome: str
    outcome_label: str
    actual_seconds: float
    events: list[EventView] = field(default_factory=list)
    kind: str = "content"  # "content" | "relay"
    relay_id: int | None = None


@dataclass(frozen=True)
class UnplannedEvent:
    event_id: str
    content_id: int | None  # None for a relay event
    title: str | None
    started_at: datetime
    duration_ms: int
    status: str
    kind: str
    kind_label: str
    anomaly: bool
    relay_id: int | None = None


@dataclass
class ReconciliationOut:
    cluster_id: int
    date: date
    playlist_version: int | None
    planned_items: int
    planned_seconds: float
    aired_seconds: float
    counts: dict[str, int]
    items: list[ItemResult]
    unplanned: list[UnplannedEvent]
    anomalies: int
    # Relays, apart from the campaign content above: planned and aired seconds, events matching no relay item.
    relay_planned_seconds: float = 0.0
    relay_aired_seconds: float = 0.0
    unplanned_relays: list[UnplannedEvent] = field(default_factory=list)


# ---------------------------------------------------------------- approval windows


@dataclass(frozen=True)
class _Window:
    valid_from: date
    valid_until: date
    approved_at: datetime | None


@dataclass(frozen=True)
class ContentFacts:
    title: str
    windows: tuple[_Window, ...]
    archived_at: datetime | None


def content_facts(session: Session, content_ids: Iterable[int]) -> dict[int, ContentFacts]:
    """Per content: its title and every approved validity window (approved or since superseded)."""
    ids = sorted(set(content_ids))
    windows: dict[int, list[_Window]] = defaultdict(list)
    facts: dict[int, ContentFacts] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for rev in session.exec(select(ContentRevision).where(col(ContentRevision.content_id).in_(chunk),
                                                              col(ContentRevision.status).in_(_APPROVED))):
            windows[rev.content_id].append(_Window(rev.valid_from, rev.valid_until, rev.decided_at))
        for content in session.exec(select(Content).where(col(Content.id).in_(chunk))):
            content_id = saved_id(content)
            facts[content_id] = ContentFacts(content.title, tuple(windows.get(content_id, ())), content.archived_at)
    return facts


def classify_unplanned(facts: ContentFacts | None, started_at: datetime, local_day: date) -> str:
    """Why an event no plan explains is (or is not) an anomaly."""
    if facts is None or not facts.windows:
        return "never_approved"
    if facts.archived_at is not None and started_at >= facts.archived_at:
        return "after_withdrawal"
    valid_today = [w for w in facts.windows if w.valid_from <= local_day <= w.valid_until]
    if not valid_today:
        return "outside_validity"
    if all(w.approved_at is not None and w.approved_at > started_at for w in valid_today):
        return "before_approval"
    return "off_schedule"


# ---------------------------------------------------------------- matching


def _plan(session: Session, cluster_id: int, days: list[date]) -> list[PlaylistItem]:
    query = (select(PlaylistItem).join(Playlist, col(Playlist.id) == PlaylistItem.playlist_id)
             .where(Playlist.cluster_id == cluster_id, col(Playlist.day).in_(days), col(Playlist.is_current).is_(True),
                    sa.or_(col(PlaylistItem.content_id).is_not(None), col(PlaylistItem.kind) == "relay"))
             .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.position)))
    return list(session.exec(query))


def _outcome(item: PlaylistItem, events: list[EventView]) -> tuple[str, float]:
    if not events:
        return "not_reported", 0.0
    aired_ms = sum(e.duration_ms for e in events if e.status in ("played", "interrupted"))
    best = max(events, key=lambda e: _STATUS_RANK[e.status])
    if best.status == "played":
        full = item.duration_ms <= 0 or aired_ms >= FULL_RATIO * item.duration_ms
        return ("aired" if full else "interrupted"), aired_ms / 1000
    return best.status, aired_ms / 1000


def reconcile_day(session: Session, *, cluster_id: int, day: date, tz: ZoneInfo) -> ReconciliationOut:
    plan = _plan(session, cluster_id, [day - timedelta(days=1), day, day + timedelta(days=1)])
    version = session.exec(select(Playlist.version).where(
        Playlist.cluster_id == cluster_id, Playlist.day == day, col(Playlist.is_current).is_(True))).first()
    todays = [item for item in plan if item.day == day]
    start, end = local_day_bounds(day, tz)
    if todays:
        start = min(start, min(i.slot_starts_at for i in todays) - SLOT_TOLERANCE)
        end = max(end, max(i.slot_ends_at for i in todays) + SLOT_TOLERANCE)
    # Content and relay events: filler, intros, outros and alert tones are not reconciled.
    rows = session.exec(select(PlayEvent).where(
        PlayEvent.cluster_id == cluster_id, col(PlayEvent.started_at) >= start, col(PlayEvent.started_at) < end,
        sa.or_(col(PlayEvent.content_id).is_not(None), col(PlayEvent.kind) == "relay"))
        .order_by(col(PlayEvent.started_at), col(PlayEvent.seq))).all()

    # Items by what they played: ("content", id) or ("relay", relay id).
    by_key: dict[tuple[str, int], list[PlaylistItem]] = defaultdict(list)
    for item in plan:
        by_key[_item_key(item)].append(item)
    matched: dict[int, list[EventView]] = defaultdict(list)
    unplanned_rows: list[PlayEvent] = []
    for row in rows:
        view = EventView(row.event_id, row.content_id, row.started_at, row.duration_ms, row.status, row.relay_id)
        key = ("relay", row.relay_id or 0) if row.content_id is None else ("content", row.content_id)
        window = [i for i in by_key.get(key, [])
                  if i.slot_starts_at - SLOT_TOLERANCE <= row.started_at <= i.slot_ends_at + SLOT_TOLERANCE]
        free = [i for i in window if i.id not in matched]
        pool = free or window
        if pool:
            target = min(pool, key=lambda i: abs((i.starts_at - row.started_at).total_seconds()))
            matched[target.id or 0].append(view)
        elif row.local_day == day:
            unplanned_rows.append(row)

    items: list[ItemResult] = []
    counts = dict.fromkeys(OUTCOMES, 0)
    for item in todays:
        events = matched.get(item.id or 0, [])
        outcome, actual = _outcome(item, events)
        counts[outcome] += 1
        items.append(ItemResult(
            position=item.position, slot_name=item.slot_name, content_id=item.content_id,
            campaign_id=item.campaign_id, title=item.title, planned_starts_at=item.starts_at.astimezone(tz),
            planned_seconds=item.duration_ms / 1000, outcome=outcome, outcome_label=OUTCOME_LABELS[outcome],
            actual_seconds=actual,
            events=[EventView(e.event_id, e.content_id, e.started_at.astimezone(tz), e.duration_ms, e.status,
                              e.relay_id) for e in events],
            kind=item.kind if item.kind == "relay" else "content", relay_id=item.relay_id))

    facts = content_facts(session, {r.content_id for r in unplanned_rows if r.content_id is not None})
    unplanned: list[UnplannedEvent] = []
    unplanned_relays: list[UnplannedEvent] = []
    for row in unplanned_rows:
        if row.content_id is None:
            kind, fact = "relay_off_schedule", None
        else:
            fact = facts.get(row.content_id)
            kind = classify_unplanned(fact, row.started_at, row.local_day)
        (unplanned_relays if row.content_id is None else unplanned).append(UnplannedEvent(
            event_id=row.event_id, content_id=row.content_id, title=fact.title if fact else None,
            started_at=row.started_at.astimezone(tz), duration_ms=row.duration_ms, status=row.status,
            kind=kind, kind_label=UNPLANNED_LABELS[kind], anomaly=kind in ANOMALY_KINDS, relay_id=row.relay_id))
    aired = [r for r in rows if r.local_day == day and r.status in ("played", "interrupted")]
    content_items = [i for i in todays if i.content_id is not None]
    relay_items = [i for i in todays if i.content_id is None]
    return ReconciliationOut(
        cluster_id=cluster_id, date=day, playlist_version=version, planned_items=len(todays),
        planned_seconds=sum(i.duration_ms for i in content_items) / 1000,
        aired_seconds=sum(r.duration_ms for r in aired if r.content_id is not None) / 1000,
        counts=counts, items=items, unplanned=unplanned, anomalies=sum(1 for u in unplanned if u.anomaly),
        relay_planned_seconds=sum(i.duration_ms for i in relay_items) / 1000,
        relay_aired_seconds=sum(r.duration_ms for r in aired if r.content_id is None) / 1000,
        unplanned_relays=unplanned_relays)


def _item_key(item: PlaylistItem) -> tuple[str, int]:
    return ("relay", item.relay_id or 0) if item.content_id is None else ("content", item.content_id)
