"""The weekly forecast: for a campaign and an ISO week, the minutes each of its clusters will get if
the week is planned as things stand, against its target, and a warning when the slots cannot
hold the targets (capacity shortfall) — before the week airs.

Nothing is published: the seven days are planned in memory with the same planner and the same
inputs a build would use (content valid in that week, slots, campaign targets), one planner run per
group of clusters with equal inputs. Minutes already published for the week are shown beside it.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from campaigns.eligibility import CampaignTarget, airable_contents, campaign_targets
from core.areas import Area, AreaLevel, is_within
from core.errors import Invalid, NotFound
from core.levels import Level
from playlists.grouping import campaign_progress, candidate_from, drop_overlaps, targeting
from playlists.inputs import load_area_slots
from playlists.models import Playlist, PlaylistItem
from playlists.planner import AudioRef, CampaignProgress, Candidate, plan_days
from playlists.slot_times import SlotInstance, SlotTemplate, slot_instances

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_ROWS = 20_000


def parse_week(week: str | None, week_start: date | None, today: date) -> date:
    """The Monday of an ISO week given as "2026-W24", or of the week holding `week_start`; default this week."""
    if week is not None:
        match = WEEK_RE.match(week)
        if not match:
            raise Invalid(f"Tuần phải có dạng YYYY-Www (ví dụ 2026-W24), nhận {week!r}.")
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise Invalid(f"Tuần {week} không tồn tại.") from exc
    day = week_start or today
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class ClusterForecast:
    cluster_id: int
    cluster_name: str
    planned_minutes: float
    published_minutes: float
    target_minutes: float | None
    slot_minutes: float
    available_minutes: float  # slot time minus intros/outros and emergency/priority items
    targets_minutes: float  # all campaigns' targets for this cluster
    shortfall_minutes: float  # targets that cannot fit even with perfect packing
    unused_minutes: float  # slot time the plan leaves empty (not enough eligible content)

    @property
    def meets_target(self) -> bool | None:
        if self.target_minutes is None:
            return None
        return self.planned_minutes + 1e-6 >= self.target_minutes


@dataclass
class CampaignForecast:
    campaign_id: int
    name: str
    week: str
    week_start: date
    target_minutes_per_week: float | None
    clusters: int
    planned_minutes_total: float
    target_minutes_total: float | None
    clusters_below_target: int
    clusters_short_of_capacity: int
    warnings: list[str] = field(default_factory=list)
    rows: list[ClusterForecast] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "campaign_id": self.campaign_id, "name": self.name, "week": self.week,
            "week_start": self.week_start.isoformat(), "week_end": (self.week_start + timedelta(days=6)).isoformat(),
            "target_minutes_per_week": self.target_minutes_per_week, "clusters": self.clusters,
            "planned_minutes_total": round(self.planned_minutes_total, 2),
            "target_minutes_total": None if self.target_minutes_total is None else round(self.target_minutes_total, 2),
            "clusters_below_target": self.clusters_below_target,
            "clusters_short_of_capacity": self.clusters_short_of_capacity,
            "capacity_shortfall": self.clusters_short_of_capacity > 0,
            "warnings": self.warnings,
            "rows": [{
                "cluster_id": r.cluster_id, "cluster_name": r.cluster_name,
                "planned_minutes": round(r.planned_minutes, 2), "published_minutes": round(r.published_minutes, 2),
                "target_minutes": r.target_minutes, "meets_target": r.meets_target,
                "slot_minutes": round(r.slot_minutes, 2), "available_minutes": round(r.available_minutes, 2),
                "targets_minutes": round(r.targets_minutes, 2), "shortfall_minutes": round(r.shortfall_minutes, 2),
                "unused_minutes": round(r.unused_minutes, 2),
            } for r in self.rows],
        }


def _campaign_clusters(session: Session, target: CampaignTarget, scope: Area | None) -> list[Area]:
    areas = list(session.exec(select(Area).where(col(Area.id).in_(list(target.area_ids)))))
    conditions = [col(Area.path).startswith(a.path) for a in areas]
    if not conditions:
        return []
    query = select(Area).where(Area.level == AreaLevel.cluster, sa.or_(*conditions))
    if scope is not None:
        query = query.where(col(Area.path).startswith(scope.path))
    return list(session.exec(query.order_by(col(Area.id))))


def _published_minutes(session: Session, campaign_id: int, week_start: date,
                       cluster_ids: list[int]) -> dict[int, float]:
    found: dict[int, float] = {}
    for start in range(0, len(cluster_ids), 5000):
        chunk = cluster_ids[start:start + 5000]
        rows = session.exec(
            select(Playlist.cluster_id, func.sum(PlaylistItem.duration_ms))
            .join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
            .where(col(Playlist.is_current).is_(True), col(Playlist.day) >= week_start,
                   col(Playlist.day) <= week_start + timedelta(days=6), PlaylistItem.campaign_id == campaign_id,
                   PlaylistItem.kind == "content", col(Playlist.cluster_id).in_(chunk))
            .group_by(col(Playlist.cluster_id)))
        for cid, total in rows:
            found[cid] = (total or 0) / 60_000
    return found


@dataclass(frozen=True)
class _GroupResult:
    planned_seconds: dict[int, float]  # by campaign
    slot_seconds: float
    frame_seconds: float
    reserved_seconds: float
    unused_seconds: float


def _plan_week(week_start: date, tz: tzinfo, templates_by_day: tuple[tuple[SlotTemplate, ...], ...],
               candidates: list[Candidate], progress: dict[int, CampaignProgress],
               filler: AudioRef | None) -> _GroupResult:
    def slots_on(day: date) -> list[SlotInstance]:
        return drop_overlaps(slot_instances(templates_by_day[(day - week_start).days], day, tz))

    # Candidates valid on a day only: the planner reports the rest as not valid.
    plans = plan_days(first_day=week_start, last_day=week_start + timedelta(days=6), tz=tz, slots_on=slots_on,
                      candidates=candidates, progress=progress, last_planned={}, filler=filler)
    planned: dict[int, float] = defaultdict(float)
    slot_ms = frame_ms = reserved_ms = unused_ms = 0
    for plan in plans:
        for campaign_id, seconds in plan.planned_seconds_by_campaign().items():
            if campaign_id is not None:
                planned[campaign_id] += seconds
        for ps in plan.slots:
            slot_ms += ps.slot.duration_ms
            unused_ms += ps.unused_ms
            for item in ps.items:
                if item.kind == "filler":  # filler is time no content wanted
                    unused_ms += item.duration_ms
                elif item.kind in ("intro", "outro"):
                    frame_ms += item.duration_ms
                elif item.level in (Level.EMERGENCY, Level.PRIORITY):
                    reserved_ms += item.duration_ms
    return _GroupResult(dict(planned), slot_ms / 1000, frame_ms / 1000, reserved_ms / 1000, unused_ms / 1000)


def forecast_campaign(session: Session, *, campaign_id: int, week_start: date, tz: tzinfo,
                      scope: Area | None = None, limit: int = 1000) -> CampaignForecast:
    found = campaign_targets(session, [campaign_id])
    if campaign_id not in found:
        raise NotFound("chiến dịch", campaign_id)
    target = found[campaign_id]
    if scope is not None:
        areas = list(session.exec(select(Area).where(col(Area.id).in_(list(target.area_ids)))))
        if not any(is_within(a, scope) or is_within(scope, a) for a in areas):
            raise NotFound("chiến dịch", campaign_id)
    week_end = week_start + timedelta(days=6)
    iso = week_start.isocalendar()
    week_label = f"{iso.year}-W{iso.week:02d}"
    clusters = _campaign_clusters(session, target, scope)
    airable = airable_contents(session, day_from=week_start, day_to=week_end)
    targets = campaign_targets(session, {a.campaign_id for a in airable if a.campaign_id is not None} | {campaign_id})
    slots = load_area_slots(session)
    reach = targeting(airable, targets, week_start, week_end)

    # Clusters with equal slots, content, campaigns and filler get the same week: plan it once.
    groups: dict[tuple, list[Area]] = defaultdict(list)
    for cluster in clusters:
        ancestors = tuple(cluster.ancestor_ids)
        templates_by_day = tuple(slots.templates_for(ancestors, week_start + timedelta(days=i)) for i in range(7))
        key = (templates_by_day, reach.content_for(ancestors), reach.campaigns_for(ancestors),
               slots.filler_for(ancestors))
        groups[key].append(cluster)
    published = _published_minutes(session, campaign_id, week_start, [c.id for c in clusters if c.id is not None])

    rows: list[ClusterForecast] = []
    for key, members in groups.items():
        templates_by_day, targeted, campaigns, filler = key
        candidates = [candidate_from(airable[i], targets, True) for i in sorted(targeted)]
        result = _plan_week(week_start, tz, templates_by_day, candidates, campaign_progress(targets, campaigns),
                            filler)
        targets_seconds = sum(float(targets[c].target_minutes_per_week or 0) * 60 for c in campaigns)
        available = max(0.0, result.slot_seconds - result.frame_seconds - result.reserved_seconds)
        shortfall = max(0.0, targets_seconds - available)
        own_target = target.target_minutes_per_week if campaign_id in campaigns else None
        for cluster in members:
            assert cluster.id is not None
            rows.append(ClusterForecast(
                cluster_id=cluster.id, cluster_name=cluster.name,
                planned_minutes=result.planned_seconds.get(campaign_id, 0.0) / 60,
                published_minutes=published.get(cluster.id, 0.0), target_minutes=own_target,
                slot_minutes=result.slot_seconds / 60, available_minutes=available / 60,
                targets_minutes=targets_seconds / 60, shortfall_minutes=shortfall / 60,
                unused_minutes=result.unused_seconds / 60,
            ))

    rows.sort(key=lambda r: (r.meets_target is not False, -r.shortfall_minutes, r.cluster_id))
    below = sum(1 for r in rows if r.meets_target is False)
    short = sum(1 for r in rows if r.shortfall_minutes > 1e-6)
    warnings = []
    if short:
        worst = max(r.shortfall_minutes for r in rows)
        warnings.append(f"Thiếu thời lượng khung giờ: {short}/{len(rows)} cụm loa không đủ thời gian phát để đạt "
                        f"chỉ tiêu của các chiến dịch (thiếu tới {worst:.1f} phút/tuần). Cần thêm hoặc kéo dài "
                        f"khung giờ phát.")
    if below:
        warnings.append(f"Dự kiến {below}/{len(rows)} cụm loa chưa đạt chỉ tiêu "
                        f"{target.target_minutes_per_week:g} phút/tuần của chiến dịch trong tuần {week_label}.")
    starved = sum(1 for r in rows if r.meets_target is False and r.unused_minutes >= 1)
    if starved:
        warnings.append(f"Thiếu tin, bài: {starved}/{len(rows)} cụm loa còn trống khung giờ nhưng chiến dịch không đủ "
                        f"nội dung đã duyệt, có âm thanh để đạt chỉ tiêu (mỗi tin chỉ phát một lần mỗi khung giờ). "
                        f"Cần duyệt thêm tin, bài.")
    if not clusters:
        warnings.append("Chiến dịch chưa có cụm loa nào trong địa bàn áp dụng.")
    elif not any(r.slot_minutes for r in rows):
        warnings.append("Các cụm loa của chiến dịch chưa có khung giờ phát nào trong tuần.")
    total_target = None
    if target.target_minutes_per_week:
        total_target = sum(r.target_minutes or 0 for r in rows)
    return CampaignForecast(
        campaign_id=campaign_id, name=target.name, week=week_label, week_start=week_start,
        target_minutes_per_week=target.target_minutes_per_week, clusters=len(rows),
        planned_minutes_total=sum(r.planned_minutes for r in rows), target_minutes_total=total_target,
        clusters_below_target=below, clusters_short_of_capacity=short, warnings=warnings,
        rows=rows[:max(0, min(limit, MAX_ROWS))],
    )
