"""`loaxa demo`'s as-run history: what every demo cluster's device would have reported for the past week.

The past days' playlists of the demo province are published first (playlists.demo builds them,
oldest first, before today's; this step makes sure they exist), then each demo cluster's device
"reports" its plays through the real ingest (`airtime.ingest.ingest_plays`, a few batches per
cluster), so the hash chains, the `play_chain` heads and the reports are exactly what a real
deployment would have:

- most content items played in full at their planned time, a few seconds off (the device clock's
  drift of the day, and a little per item); some interrupted part-way; a few skipped or failed;
  now and then one not reported at all (a lost log line);
- two cluster-days not reported at all (a device offline whose log was lost);
- one off-schedule play of an approved bulletin (reconciliation lists it, it is no anomaly) and
  exactly one anomaly: a commune aired a bulletin the day before its validity began (the campaigns
  demo approves that bulletin ahead of its validity for this purpose).

Deterministic: outcomes come from a random generator seeded per (cluster code, day), event ids from
the playlist item (`demo-<item id>`) or from the planted case, and the planted cases are placed
relative to the first day the demo content is valid (the day after the demo's editorial day), not
to today, so a later run does not plant them again. Running it twice stores nothing new: the
second run's events are all duplicates. A device only plays what was approved before the item was
due: an item planned for content approved later (a demo database from before this history existed)
is left out rather than reported as aired before its approval.
"""

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from airtime.ingest import ingest_plays
from campaigns.demo import CAMPAIGNS
from campaigns.models import Campaign, Content, ContentArea, ContentRevision, ContentStatus
from core.areas import Area, AreaLevel, subtree_condition
from core.config import Settings
from core.db import saved_id
from core.timeutil import as_utc, local_today
from playlists.demo import demo_province, ensure_past_playlists
from playlists.models import PlaylistItem
from playlists.queries import published_items

SEED = "loaxa-demo-airtime"
EVENT_PREFIX = "demo-"
BATCH = 250
# Cluster-days with no report at all: (index of the cluster in id order, days after the first history day).
UNREPORTED = ((4, 3), (7, 5))
# The off-schedule play: (cluster index, days after the first history day, local time).
OFF_SCHEDULE = (2, 4, time(12, 20))
# The anomaly: a bulletin aired the evening before its validity begins, at this local time.
EARLY_AIRING = time(18, 40)

# Per item, on a reported cluster-day (the rest is played in full).
P_MISSING, P_SKIPPED, P_FAILED, P_INTERRUPTED = 0.02, 0.03, 0.02, 0.08


@dataclass(frozen=True)
class DemoEvent:
    event_id: str
    content_id: int
    started_at: datetime
    duration_ms: int
    status: str

    def as_json(self, tz: ZoneInfo) -> dict:
        return {"event_id": self.event_id, "content_id": self.content_id,
                "started_at": self.started_at.astimezone(tz).isoformat(timespec="milliseconds"),
                "duration_ms": self.duration_ms, "status": self.status}


@dataclass
class DemoAirtimeResult:
    days: list[date] = field(default_factory=list)
    clusters: int = 0
    events: int = 0  # sent to the ingest
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    unreported: list[tuple[int, date]] = field(default_factory=list)  # (cluster id, day)
    off_schedule: list[tuple[int, str]] = field(default_factory=list)  # (cluster id, event id)
    anomalies: list[tuple[int, str]] = field(default_factory=list)
    left_out: int = 0  # planned items of content approved only after they were due


def simulate_items(items: Sequence[PlaylistItem], rng: random.Random) -> list[DemoEvent]:
    """A device's reports for one cluster-day's planned content items, in order."""
    drift = rng.uniform(-4.0, 6.0)  # the device clock's offset that day, in seconds
    events: list[DemoEvent] = []
    for item in items:
        assert item.content_id is not None and item.id is not None
        started = as_utc(item.starts_at) + timedelta(seconds=round(drift + rng.uniform(-1.5, 1.5), 3))
        planned = item.duration_ms
        roll = rng.random()
        if roll < P_MISSING:
            continue
        roll -= P_MISSING
        if roll < P_SKIPPED:
            status, duration = "skipped", 0
        elif roll < P_SKIPPED + P_FAILED:
            status, duration = "failed", rng.randint(0, 1500)
        elif roll < P_SKIPPED + P_FAILED + P_INTERRUPTED:
            status, duration = "interrupted", round(planned * rng.uniform(0.2, 0.75))
        else:
            status, duration = "played", max(0, planned - rng.randint(0, 700))
        events.append(DemoEvent(f"{EVENT_PREFIX}{item.id}", item.content_id, started, duration, status))
    return events


def _demo_contents(session: Session) -> list[tuple[Content, ContentRevision]]:
    """The demo campaigns' content with its airing (approved) revision."""
    names = [c.name for c in CAMPAIGNS]
    query = (select(Content, ContentRevision)
             .join(Campaign, col(Campaign.id) == Content.campaign_id)
             .join(ContentRevision, col(ContentRevision.id) == Content.airing_revision_id)
             .where(col(Campaign.name).in_(names), Content.status == ContentStatus.approved)
             .order_by(col(Content.id)))
    return list(session.exec(query).all())


def _approved_at(session: Session, revision_ids: set[int]) -> dict[int, datetime | None]:
    found: dict[int, datetime | None] = {}
    ids = sorted(revision_ids)
    for start in range(0, len(ids), 500):
        rows = session.exec(select(ContentRevision.id, ContentRevision.decided_at)
                            .where(col(ContentRevision.id).in_(ids[start:start + 500])))
        found.update({rid: as_utc(at) if at else None for rid, at in rows})  # type: ignore[misc]
    return found


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return as_utc(datetime.combine(day, at, tzinfo=tz))


def load_demo_airtime(session: Session, settings: Settings, echo: Callable[[str], None] = print,
                      today: date | None = None) -> DemoAirtimeResult:
    result = DemoAirtimeResult()
    tz = settings.tz
    province = demo_province(session)
    if province is None:
        echo("Chưa có tỉnh mẫu: bỏ qua nhật ký phát mẫu.")
        return result
    contents = _demo_contents(session)
    if not contents:
        echo("Chưa có tin, bài mẫu đã duyệt: bỏ qua nhật ký phát mẫu.")
        return result
    today = today or local_today(tz)
    past = ensure_past_playlists(session, settings, province, today, echo, quiet_when_present=True)
    # The planted cases are placed from the first day the demo content airs: the same on every run.
    anchor = min(rev.valid_from for _, rev in contents)
    days = [d for d in past if d >= anchor]
    clusters = list(session.exec(select(Area).where(subtree_condition(province), Area.level == AreaLevel.cluster)
                                 .order_by(col(Area.id))))
    if not days or not clusters:
        echo("Nhật ký phát mẫu: không có ngày hoặc cụm loa nào để mô phỏng.")
        return result
    result.days, result.clusters = days, len(clusters)

    items = [i for i in published_items(session, day_from=days[0], day_to=days[-1],
                                        cluster_ids=[saved_id(c) for c in clusters])
             if i.kind == "content" and i.content_id is not None]
    approved = _approved_at(session, {i.revision_id for i in items if i.revision_id is not None})
    by_cluster_day: dict[tuple[int, date], list[PlaylistItem]] = defaultdict(list)
    for item in items:
        at = approved.get(item.revision_id) if item.revision_id is not None else None
        if at is None or at > as_utc(item.starts_at):
            result.left_out += 1
            continue
        by_cluster_day[(item.cluster_id, item.day)].append(item)

    unreported = {(saved_id(clusters[i % len(clusters)]), anchor + timedelta(days=n)) for i, n in UNREPORTED}
    planted = _planted(session, clusters, contents, anchor, set(days), unreported, tz, result)

    for cluster in clusters:
        cluster_id = saved_id(cluster)
        events: list[DemoEvent] = []
        for day in days:
            if (cluster_id, day) in unreported:
                result.unreported.append((cluster_id, day))
                continue
            rng = random.Random(f"{SEED}|{cluster.code or cluster_id}|{day.isoformat()}")
            events += simulate_items(by_cluster_day.get((cluster_id, day), []), rng)
        events += planted.get(cluster_id, [])
        events.sort(key=lambda e: (e.started_at, e.event_id))
        for start in range(0, len(events), BATCH):
            batch = [e.as_json(tz) for e in events[start:start + BATCH]]
            session.commit()  # each batch in its own transaction, as a device's request would be
            outcome = ingest_plays(session, cluster_id=cluster_id, events=batch, tz=tz)
            session.commit()
            result.events += len(batch)
            result.accepted += outcome.accepted
            result.duplicates += outcome.duplicates
            result.rejected += outcome.rejected
    _echo(result, echo)
    return result


def _planted(session: Session, clusters: list[Area], contents: list[tuple[Content, ContentRevision]],
             anchor: date, days: set[date], unreported: set[tuple[int, date]], tz: ZoneInfo,
             result: DemoAirtimeResult) -> dict[int, list[DemoEvent]]:
    """The off-schedule play and the anomaly, each on a cluster-day that is otherwise reported."""
    planted: dict[int, list[DemoEvent]] = defaultdict(list)
    always = [(c, r) for c, r in contents if r.valid_from <= anchor and r.audio_duration_ms]
    index, offset, at = OFF_SCHEDULE
    cluster, day = clusters[index % len(clusters)], anchor + timedelta(days=offset)
    if always and day in days and (saved_id(cluster), day) not in unreported:
        content, rev = always[0]
        event_id = f"{EVENT_PREFIX}ngoai-lich-{day:%Y%m%d}"
        planted[saved_id(cluster)].append(DemoEvent(event_id, saved_id(content), _local(day, at, tz),
                                                    rev.audio_duration_ms or 0, "played"))
        result.off_schedule.append((saved_id(cluster), event_id))

    late = [(c, r) for c, r in contents if r.valid_from > anchor and r.audio_duration_ms]
    if late:
        content, rev = late[0]
        day = rev.valid_from - timedelta(days=1)
        targeted = _clusters_targeted(session, saved_id(rev), clusters)
        early = next((c for c in targeted if (c.id, day) not in unreported), None)
        if early is not None and day in days:
            event_id = f"{EVENT_PREFIX}phat-som-{day:%Y%m%d}"
            planted[saved_id(early)].append(DemoEvent(event_id, saved_id(content), _local(day, EARLY_AIRING, tz),
                                                      rev.audio_duration_ms or 0, "played"))
            result.anomalies.append((saved_id(early), event_id))
    return planted


def _clusters_targeted(session: Session, revision_id: int, clusters: list[Area]) -> list[Area]:
    target_ids = set(session.exec(select(ContentArea.area_id).where(ContentArea.revision_id == revision_id)))
    return [c for c in clusters if target_ids & {*c.ancestor_ids, c.id}]


def _echo(result: DemoAirtimeResult, echo: Callable[[str], None]) -> None:
    days = result.days
    counts = f"{result.accepted} mới" + (f", {result.duplicates} trùng, đã có" if result.duplicates else "")
    echo(f"Nhật ký phát mẫu: {len(days)} ngày ({days[0]:%d/%m/%Y}–{days[-1]:%d/%m/%Y}), {result.clusters} cụm loa, "
         f"{result.events} sự kiện ({counts}).")
    if result.rejected:
        echo(f"  ! {result.rejected} sự kiện bị từ chối.")
    if result.left_out:
        echo(f"  ! Bỏ qua {result.left_out} mục của tin được duyệt sau giờ phát dự kiến (dữ liệu mẫu cũ).")
    gaps = ", ".join(f"{day:%d/%m/%Y}" for _, day in result.unreported)
    echo(f"  Có chủ ý: {len(result.unreported)} cụm-ngày không báo cáo ({gaps}), {len(result.off_schedule)} lần "
         f"phát ngoài lịch, {len(result.anomalies)} bất thường (phát trước ngày hiệu lực).")


def demo_event_count(session: Session) -> int:
    """Events the demo stored (its event ids start with `EVENT_PREFIX`)."""
    from airtime.models import PlayEvent

    return session.exec(select(func.count()).select_from(PlayEvent)
                        .where(col(PlayEvent.event_id).startswith(EVENT_PREFIX))).one()
