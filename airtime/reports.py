"""Airtime reports: one aggregate SQL statement per report, rolled up into `ReportRow`s.

Formulas (../shared/API.md, "As-run and audit"):
- planned_seconds: durations of the content items (items with a content id: intro, outro and
  filler are programme furniture that devices do not report) of the current (published)
  playlists dated in [from, to];
- aired_seconds: duration_ms / 1000 of events with status played or interrupted whose
  started_at falls on a local date in [from, to] (`play_event.local_day`, fixed at ingest);
- target_seconds, campaign rows only: target_minutes_per_week × 60 × clusters × days / 7, with
  the campaign's clusters (under its areas, within the report's area) and the days of
  [from, to] inside the campaign's period; compliance = aired / target.

The database groups by content, cluster or day (planned and aired in one UNION ALL statement,
GROUP BY in the database); the few hundred to few thousand result rows are then rolled up in
Python to campaigns, directives or areas with small lookups (names, links, area paths).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime import charts, exports
from airtime.models import AIRED_STATUSES, PlayChain, PlayEvent
from airtime.reconcile import ANOMALY_KINDS, UNPLANNED_LABELS, ContentFacts, classify_unplanned, content_facts
from airtime.report_rows import QuotaRow, ReportMeta, ReportRow, WeeklySeries, WeekPoint
from campaigns.eligibility import CampaignTarget, campaign_targets
from campaigns.models import Campaign, CampaignDirective, Content, Directive
from campaigns.quotas import compliance as quota_compliance
from core.areas import Area, AreaLevel, subtree_condition
from core.errors import Invalid
from core.timeutil import format_date_vn, local_day_bounds
from core.users import Principal
from playlists.models import Playlist, PlaylistItem

DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GROUP_BY = ("campaign", "directive", "area", "cluster", "content", "day")
MAX_DAYS = 5 * 366 + 1
NONE_KEY = "none"
NONE_LABELS = {
    "campaign": "Không thuộc chiến dịch nào",
    "directive": "Không thuộc văn bản chỉ đạo nào",
    "area": "Không thuộc cấp địa bàn này",
}

_EVENTS = PlayEvent.__table__  # type: ignore[attr-defined]
_ITEMS = PlaylistItem.__table__  # type: ignore[attr-defined]
_PLAYLISTS = Playlist.__table__  # type: ignore[attr-defined]
_AREAS = Area.__table__  # type: ignore[attr-defined]
_CONTENT = Content.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReportQuery:
    day_from: date
    day_to: date
    group_by: str = "campaign"
    area: Area | None = None  # the report's area (already checked against the caller's scope)
    campaign_id: int | None = None
    area_level: AreaLevel | None = None  # group_by=area: the level of the rows
    tz: ZoneInfo = DEFAULT_TZ  # the zone of local days (settings.tz)

    def __post_init__(self) -> None:
        if self.group_by not in GROUP_BY:
            raise Invalid(f"group_by phải là một trong: {', '.join(GROUP_BY)}.")
        if self.day_to < self.day_from:
            raise Invalid(f"Kỳ báo cáo không hợp lệ: 'from' ({format_date_vn(self.day_from)}) sau 'to' "
                          f"({format_date_vn(self.day_to)}).")
        if (self.day_to - self.day_from).days + 1 > MAX_DAYS:
            raise Invalid(f"Kỳ báo cáo tối đa {MAX_DAYS} ngày; hãy chia nhỏ.")

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1


# ---------------------------------------------------------------- the one aggregate statement
#
# Shapes chosen so that no database sorts millions of rows (SQLite has no hash aggregation: a
# GROUP BY that does not follow an index sorts every input row). Each key has a covering index
# whose leading column is the key, and the key is constrained by an IN list, so the database
# walks the index key by key, seeks the period inside each key and aggregates as it goes:
#   cluster  -> ix_play_event_cluster_started (cluster_id, started_at, ...)
#   content  -> ix_play_event_content_day (content_id, local_day, ...)
#   day      -> per (content, day) on the content index, then per day (a few hundred thousand rows at most)
# The plan side counts each distinct plan of a day once: playlists with the same (day, plan_hash)
# have the same items (the playlists package's own invariant), so items are read for one
# representative playlist and multiplied by the number of playlists sharing it.


def _cluster_set(q: ReportQuery):
    query = select(_AREAS.c.id).where(_AREAS.c.level == AreaLevel.cluster.value)
    if q.area is not None:
        query = query.where(_AREAS.c.path.startswith(q.area.path, autoescape=True))
    return query


def _content_set(q: ReportQuery):
    query = select(_CONTENT.c.id)
    if q.campaign_id is not None:
        query = query.where(_CONTENT.c.campaign_id == q.campaign_id)
    return query


def _needs_cluster_filter(session: Session, q: ReportQuery) -> bool:
    """False when the report's area holds every cluster there is (the usual province deployment)."""
    if q.area is None:
        return False
    inside = session.execute(select(sa.func.count()).select_from(_cluster_set(q).subquery())).scalar_one()
    everywhere = session.execute(select(sa.func.count()).where(
        _AREAS.c.level == AreaLevel.cluster.value)).scalar_one()
    return inside != everywhere


def _aired(q: ReportQuery, key: str, cluster_filter: bool):
    e = _EVENTS
    period = [e.c.local_day >= q.day_from, e.c.local_day <= q.day_to, e.c.status.in_(AIRED_STATUSES)]
    if key == "cluster":
        # Seek each cluster's period on (cluster_id, started_at): the local days' UTC bounds, a day wider
        # either side; local_day then decides exactly.
        start, _ = local_day_bounds(q.day_from, q.tz)
        _, end = local_day_bounds(q.day_to, q.tz)
        # content_id is set on content events only (relays, filler... are not campaign airtime).
        conds = [e.c.cluster_id.in_(_cluster_set(q).scalar_subquery()), e.c.content_id.is_not(None),
                 e.c.started_at >= start - timedelta(days=1), e.c.started_at < end + timedelta(days=1), *period]
        if q.campaign_id is not None:
            conds.append(e.c.content_id.in_(_content_set(q).scalar_subquery()))
        return select(e.c.cluster_id.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                      sa.func.sum(e.c.duration_ms).label("a")).where(*conds).group_by(e.c.cluster_id)
    conds = [e.c.content_id.in_(_content_set(q).scalar_subquery()), *period]
    if cluster_filter:
        conds.append(e.c.cluster_id.in_(_cluster_set(q).scalar_subquery()))
    if key == "content":
        return select(e.c.content_id.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                      sa.func.sum(e.c.duration_ms).label("a")).where(*conds).group_by(e.c.content_id)
    per_content_day = (select(e.c.local_day.label("d"), sa.func.sum(e.c.duration_ms).label("a"))
                       .where(*conds).group_by(e.c.content_id, e.c.local_day).subquery("pcd"))
    return select(per_content_day.c.d.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                  sa.func.sum(per_content_day.c.a).label("a")).group_by(per_content_day.c.d)


def _planned(q: ReportQuery, key: str, cluster_filter: bool, dialect: str):
    p, i = _PLAYLISTS, _ITEMS
    current = [p.c.is_current.is_(True), p.c.day >= q.day_from, p.c.day <= q.day_to]
    if cluster_filter or key == "cluster":
        current.append(p.c.cluster_id.in_(_cluster_set(q).scalar_subquery()))
    item_conds = [i.c.content_id.is_not(None)]
    if q.campaign_id is not None:
        item_conds.append(i.c.content_id.in_(_content_set(q).scalar_subquery()))
    # One representative playlist per distinct plan, and how many current playlists share it.
    plans = (select(p.c.day, p.c.plan_hash, sa.func.count().label("n"), sa.func.min(p.c.id).label("rep"))
             .where(*current).group_by(p.c.day, p.c.plan_hash).subquery("plans"))
    if key == "content":
        return (select(i.c.content_id.label("k"), sa.func.sum(i.c.duration_ms * plans.c.n).label("p"),
                       sa.literal(0, sa.BigInteger).label("a"))
                .select_from(plans.join(i, i.c.playlist_id == plans.c.rep)).where(*item_conds)
                .group_by(i.c.content_id))
    per_plan = (select(plans.c.day, plans.c.plan_hash, plans.c.n, sa.func.sum(i.c.duration_ms).label("ms"))
                .select_from(plans.join(i, i.c.playlist_id == plans.c.rep)).where(*item_conds)
                .group_by(plans.c.day, plans.c.plan_hash, plans.c.n).subquery("per_plan"))
    if key == "day":
        return select(per_plan.c.day.label("k"), sa.func.sum(per_plan.c.ms * per_plan.c.n).label("p"),
                      sa.literal(0, sa.BigInteger).label("a")).group_by(per_plan.c.day)
    if dialect != "postgresql":
        # SQLite: join each playlist back to its plan's total on (day, plan_hash) (an automatic index).
        return (select(p.c.cluster_id.label("k"), sa.func.sum(per_plan.c.ms).label("p"),
                       sa.literal(0, sa.BigInteger).label("a"))
                .select_from(p.join(per_plan, sa.and_(per_plan.c.day == p.c.day,
                                                      per_plan.c.plan_hash == p.c.plan_hash)))
                .where(*current).group_by(p.c.cluster_id))
    # PostgreSQL: each current playlist learns its plan's representative (a window over the day's
    # playlists) and joins that representative's total on an integer key. (The join back on
    # (day, plan_hash) made PostgreSQL misjudge the sizes and loop: 30 s instead of 4 on 10M rows;
    # the window form is the slow one on SQLite.)
    with_rep = (select(p.c.cluster_id, sa.func.min(p.c.id).over(partition_by=(p.c.day, p.c.plan_hash)).label("rep"))
                .where(*current).cte("with_rep"))
    totals = (select(i.c.playlist_id.label("rep"), sa.func.sum(i.c.duration_ms).label("ms"))
              .where(i.c.playlist_id.in_(select(with_rep.c.rep)), *item_conds)
              .group_by(i.c.playlist_id).subquery("totals"))
    return (select(with_rep.c.cluster_id.label("k"), sa.func.sum(totals.c.ms).label("p"),
                   sa.literal(0, sa.BigInteger).label("a"))
            .select_from(with_rep.join(totals, totals.c.rep == with_rep.c.rep)).group_by(with_rep.c.cluster_id))


def _content_day_conds(session: Session, q: ReportQuery, statuses: tuple[str, ...] | None) -> list[Any]:
    """Events of the period by content (the content index), within the report's area and campaign."""
    e = _EVENTS
    conds = [e.c.content_id.in_(_content_set(q).scalar_subquery()), e.c.local_day >= q.day_from,
             e.c.local_day <= q.day_to]
    if statuses is not None:
        conds.append(e.c.status.in_(statuses))
    if _needs_cluster_filter(session, q):
        conds.append(e.c.cluster_id.in_(_cluster_set(q).scalar_subquery()))
    return conds


def _sql_key(group_by: str) -> str:
    if group_by in ("campaign", "directive", "content"):
        return "content"
    if group_by in ("area", "cluster"):
        return "cluster"
    return "day"


def aggregate_statement(q: ReportQuery, key: str | None = None, cluster_filter: bool = True,
                        dialect: str = "sqlite"):
    """SELECT k, planned_ms, aired_ms grouped by content, cluster or day: planned and aired in one statement."""
    key = key or _sql_key(q.group_by)
    both = sa.union_all(_aired(q, key, cluster_filter), _planned(q, key, cluster_filter, dialect)).subquery("u")
    return select(both.c.k, sa.func.sum(both.c.p).label("planned_ms"),
                  sa.func.sum(both.c.a).label("aired_ms")).group_by(both.c.k)


def _aggregate(session: Session, q: ReportQuery) -> dict[Any, tuple[int, int]]:
    out: dict[Any, tuple[int, int]] = {}
    stmt = aggregate_statement(q, cluster_filter=_needs_cluster_filter(session, q),
                               dialect=session.get_bind().dialect.name)
    for k, planned, aired in session.execute(stmt):
        if isinstance(k, str) and _sql_key(q.group_by) == "day":
            k = date.fromisoformat(k)
        out[k] = (int(planned or 0), int(aired or 0))
    return out


# ---------------------------------------------------------------- roll-ups


@dataclass
class _Acc:
    label: str
    planned_ms: int = 0
    aired_ms: int = 0
    target_seconds: float | None = None
    sort: Any = ""

    def add(self, planned: int, aired: int) -> None:
        self.planned_ms += planned
        self.aired_ms += aired


def _rows(groups: dict[str, _Acc]) -> list[ReportRow]:
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == NONE_KEY, kv[1].sort, kv[1].label, kv[0]))
    return [ReportRow.of(key, acc.label, acc.planned_ms / 1000, acc.aired_ms / 1000, acc.target_seconds)
            for key, acc in ordered]


def _content_campaigns(session: Session, content_ids: Iterable[int]) -> dict[int, int | None]:
    ids = sorted(set(content_ids))
    found: dict[int, int | None] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        found.update(session.execute(select(_CONTENT.c.id, _CONTENT.c.campaign_id)
                                     .where(_CONTENT.c.id.in_(chunk))).all())
    return found


def _areas_by_id(session: Session, ids: Iterable[int]) -> dict[int, Area]:
    ids = sorted(set(ids))
    found: dict[int, Area] = {}
    for start in range(0, len(ids), 1000):
        found.update({a.id: a for a in session.exec(select(Area).where(col(Area.id).in_(ids[start:start + 1000])))})
    return found


def overlap_days(q: ReportQuery, starts_on: date, ends_on: date) -> int:
    first, last = max(q.day_from, starts_on), min(q.day_to, ends_on)
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
    if target.target_minutes_per_week is None:
        return None
    return target.target_minutes_per_week * 60 * clusters * days / 7


def _by_campaign(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    campaign_of = _content_campaigns(session, agg)
    used = {c for c in campaign_of.values() if c is not None}
    # Every campaign running in the period with a target shows, even at zero airtime.
    active = select(Campaign.id).where(col(Campaign.starts_on) <= q.day_to, col(Campaign.ends_on) >= q.day_from,
                                       col(Campaign.target_minutes_per_week).is_not(None))
    if q.campaign_id is not None:
        active = active.where(Campaign.id == q.campaign_id)
    targets = campaign_targets(session, used | set(session.exec(active)))
    counts = campaign_cluster_counts(session, targets, q.area)
    groups: dict[str, _Acc] = {}
    for cid, t in targets.items():
        days = overlap_days(q, t.starts_on, t.ends_on)
        target = target_seconds(t, counts[cid], days)
        if cid in used or (target or 0) > 0:
            groups[str(cid)] = _Acc(t.name, target_seconds=target)
    for content_id, (planned, aired) in agg.items():
        cid = campaign_of.get(content_id)
        key = str(cid) if cid is not None else NONE_KEY
        groups.setdefault(key, _Acc(NONE_LABELS["campaign"])).add(planned, aired)
    return _rows(groups)


def directive_label(d: Directive) -> str:
    return f"{d.number} - {d.title}" if d.title else d.number


def _by_directive(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    campaign_of = _content_campaigns(session, agg)
    campaign_ids = {c for c in campaign_of.values() if c is not None}
    directives_of: dict[int, list[int]] = defaultdict(list)
    labels: dict[int, str] = {}
    if campaign_ids:
        links = session.execute(select(CampaignDirective.campaign_id, Directive)
                                .join(Directive, col(Directive.id) == CampaignDirective.directive_id)
                                .where(col(CampaignDirective.campaign_id).in_(campaign_ids))).all()
        for campaign_id, directive in links:
            directives_of[campaign_id].append(directive.id)
            labels[directive.id] = directive_label(directive)
    groups: dict[str, _Acc] = {}
    for content_id, (planned, aired) in agg.items():
        cid = campaign_of.get(content_id)
        keys = [str(d) for d in directives_of.get(cid, [])] if cid is not None else []
        # A campaign under two directives counts toward both (directive rows may overlap).
        for key in keys or [NONE_KEY]:
            label = labels[int(key)] if key != NONE_KEY else NONE_LABELS["directive"]
            groups.setdefault(key, _Acc(label)).add(planned, aired)
    return _rows(groups)


def _by_content(session: Session, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    titles = dict(session.execute(select(_CONTENT.c.id, _CONTENT.c.title)
                                  .where(_CONTENT.c.id.in_(list(agg)))).all()) if agg else {}
    groups: dict[str, _Acc] = {}
    for content_id, (planned, aired) in agg.items():
        groups.setdefault(str(content_id), _Acc(titles.get(content_id, f"Tin, bài {content_id}"))).add(planned, aired)
    return _rows(groups)


def cluster_label(cluster: Area, parent: Area | None) -> str:
    return f"{cluster.name} ({parent.name})" if parent is not None else cluster.name


def _by_cluster(session: Session, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    clusters = _areas_by_id(session, agg)
    parents = _areas_by_id(session, {c.parent_id for c in clusters.values() if c.parent_id})
    groups: dict[str, _Acc] = {}
    for cluster_id, (planned, aired) in agg.items():
        cluster = clusters.get(cluster_id)
        label = cluster_label(cluster, parents.get(cluster.parent_id)) if cluster else f"Cụm loa {cluster_id}"
        groups.setdefault(str(cluster_id), _Acc(label, sort=cluster.path if cluster else "")).add(planned, aired)
    return _rows(groups)


def _area_candidates(session: Session, q: ReportQuery) -> dict[int, Area]:
    """The areas the rows are about, all of them, so an area with nothing planned or aired shows at zero.

    With `area_level`: every area of that level within the report's area. Without: the report
    area's children (the report area itself for a cluster; provinces for the whole country).
    """
    query = select(Area)
    if q.area_level is not None:
        query = query.where(Area.level == q.area_level)
        if q.area is not None:
            query = query.where(subtree_condition(q.area))
    elif q.area is None:
        query = query.where(col(Area.parent_id).is_(None))
    elif q.area.level == AreaLevel.cluster:
        query = query.where(Area.id == q.area.id)
    else:
        query = query.where(Area.parent_id == q.area.id)
    return {a.id: a for a in session.exec(query)}


def _by_area(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    clusters = _areas_by_id(session, agg)
    candidates = _area_candidates(session, q)
    groups: dict[str, _Acc] = {str(a.id): _Acc(a.name, sort=a.path) for a in candidates.values()}
    for cluster_id, (planned, aired) in agg.items():
        cluster = clusters.get(cluster_id)
        ancestors = cluster.ancestor_ids if cluster else []
        group_id = next((a for a in ancestors if a in candidates), None)
        if group_id is None:  # e.g. district rows, and a commune that sits directly under its province
            groups.setdefault(NONE_KEY, _Acc(NONE_LABELS["area"])).add(planned, aired)
        else:
            groups[str(group_id)].add(planned, aired)
    return _rows(groups)


def _by_day(q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    groups: dict[str, _Acc] = {}
    for offset in range(q.days):
        day = q.day_from + timedelta(days=offset)
        groups[day.isoformat()] = _Acc(format_date_vn(day), sort=day)
    for day, (planned, aired) in agg.items():
        groups.setdefault(day.isoformat(), _Acc(format_date_vn(day), sort=day)).add(planned, aired)
    return _rows(groups)


def airtime_rows(session: Session, q: ReportQuery) -> list[ReportRow]:
    """The rows of `GET /reports/airtime` for this query."""
    agg = _aggregate(session, q)
    if q.group_by == "campaign":
        return _by_campaign(session, q, agg)
    if q.group_by == "directive":
        return _by_directive(session, q, agg)
    if q.group_by == "content":
        return _by_content(session, agg)
    if q.group_by == "cluster":
        return _by_cluster(session, agg)
    if q.group_by == "area":
        return _by_area(session, q, agg)
    return _by_day(q, agg)


# ---------------------------------------------------------------- weekly series for the chart


def weekly_series(session: Session, q: ReportQuery) -> list[WeeklySeries]:
    """Aired minutes per campaign per ISO week of [from, to], with the week's share of the target."""
    stmt = (select(_EVENTS.c.content_id, _EVENTS.c.local_day, sa.func.sum(_EVENTS.c.duration_ms))
            .where(*_content_day_conds(session, q, AIRED_STATUSES))
            .group_by(_EVENTS.c.content_id, _EVENTS.c.local_day))
    rows = [(c, d if isinstance(d, date) else date.fromisoformat(d), int(ms))
            for c, d, ms in session.execute(stmt)]
    campaign_of = _content_campaigns(session, {c for c, _, _ in rows})
    aired: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for content_id, day, ms in rows:
        cid = campaign_of.get(content_id)
        if cid is not None:
            iso = day.isocalendar()
            aired[cid][(iso.year, iso.week)] += ms
    active = select(Campaign.id).where(col(Campaign.starts_on) <= q.day_to, col(Campaign.ends_on) >= q.day_from)
    if q.campaign_id is not None:
        active = active.where(Campaign.id == q.campaign_id)
    targets = campaign_targets(session, set(aired) | set(session.exec(active)))
    counts = campaign_cluster_counts(session, targets, q.area)
    weeks: list[tuple[tuple[int, int], date, date]] = []
    day = q.day_from
    while day <= q.day_to:
        iso = day.isocalendar()
        end = min(q.day_to, day + timedelta(days=6 - day.weekday()))
        weeks.append(((iso.year, iso.week), day, end))
        day = end + timedelta(days=1)
    series = []
    for cid, t in sorted(targets.items(), key=lambda kv: kv[1].name):
        if cid not in aired and t.target_minutes_per_week is None:
            continue
        points = []
        for (year, week), first, last in weeks:
            sub = ReportQuery(first, last, "campaign")
            days = overlap_days(sub, t.starts_on, t.ends_on)
            if days == 0 and not aired[cid].get((year, week)):
                continue
            points.append(WeekPoint(year, week, aired[cid].get((year, week), 0) / 1000,
                                    target_seconds(t, counts[cid], days)))
        series.append(WeeklySeries(str(cid), t.name, points, t.color))
    return series


# ---------------------------------------------------------------- anomalies and silent clusters


@dataclass(frozen=True)
class Anomaly:
    cluster_id: int
    cluster_label: str
    event_id: str
    content_id: int
    title: str | None
    started_at: datetime
    duration_ms: int
    status: str
    kind: str
    kind_label: str


MAX_ANOMALIES = 1000


def _maybe_anomalous(fact: ContentFacts | None, day_start: datetime, day_end: datetime, day: date) -> bool:
    """Could some event of this content on this day be an anomaly? (Cheap, conservative pre-filter.)"""
    if fact is None or not fact.windows:
        return True
    if fact.archived_at is not None and fact.archived_at < day_end:
        return True
    valid = [w for w in fact.windows if w.valid_from <= day <= w.valid_until]
    return not valid or all(w.approved_at is not None and w.approved_at > day_start for w in valid)


def anomalies(session: Session, *, day_from: date, day_to: date, area: Area | None, tz: ZoneInfo,
              limit: int = MAX_ANOMALIES) -> tuple[list[Anomaly], int]:
    """Events that should not have aired: never approved, before approval, outside validity, after withdrawal.

    One grouped query finds the (content, day) pairs of the period; only the pairs that are
    suspicious for their content's approval history are then read event by event.
    Returns (the first `limit` anomalies by time, the total count).
    """
    q = ReportQuery(day_from, day_to, "day", area, tz=tz)
    pairs = session.execute(
        select(_EVENTS.c.content_id, _EVENTS.c.local_day).where(*_content_day_conds(session, q, None))
        .group_by(_EVENTS.c.content_id, _EVENTS.c.local_day)).all()
    cluster_filter = _needs_cluster_filter(session, q)
    facts = content_facts(session, {c for c, _ in pairs})
    suspicious: dict[int, list[date]] = defaultdict(list)
    for content_id, day in pairs:
        day = day if isinstance(day, date) else date.fromisoformat(day)
        if _maybe_anomalous(facts.get(content_id), *local_day_bounds(day, tz), day):
            suspicious[content_id].append(day)
    found: list[Anomaly] = []
    total = 0
    for content_id, days in sorted(suspicious.items()):
        fact = facts.get(content_id)
        for start in range(0, len(days), 200):
            conds = [_EVENTS.c.content_id == content_id, _EVENTS.c.local_day.in_(days[start:start + 200])]
            if cluster_filter:
                conds.append(_EVENTS.c.cluster_id.in_(_cluster_set(q).scalar_subquery()))
            rows = session.execute(select(_EVENTS).where(*conds)).all()
            for row in rows:
                kind = classify_unplanned(fact, row.started_at, row.local_day)
                if kind in ANOMALY_KINDS:
                    total += 1
                    found.append(Anomaly(row.cluster_id, "", row.event_id, content_id, fact.title if fact else None,
                                         row.started_at, row.duration_ms, row.status, kind, UNPLANNED_LABELS[kind]))
    found.sort(key=lambda a: (a.started_at, a.cluster_id, a.event_id))
    found = found[:limit]
    labels = _cluster_labels(session, {a.cluster_id for a in found})
    return [replace(a, cluster_label=labels.get(a.cluster_id, str(a.cluster_id))) for a in found], total


def _cluster_labels(session: Session, ids: Iterable[int]) -> dict[int, str]:
    clusters = _areas_by_id(session, ids)
    parents = _areas_by_id(session, {c.parent_id for c in clusters.values() if c.parent_id})
    return {i: cluster_label(c, parents.get(c.parent_id)) for i, c in clusters.items()}


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
    labels = _cluster_labels(session, [a.id for a, _ in rows])
    out = []
    for cluster, head in rows:
        last = head.last_started_at if head else None
        out.append(SilentCluster(cluster.id, labels[cluster.id], last, head.last_received_at if head else None,
                                 (now - last).days if last else None))
    return out




# ---------------------------------------------------------------- quota compliance rows


def quota_rows(session: Session, *, actor: Principal, on: date, tz: ZoneInfo, area_id: int | None = None,
               rule_id: int | None = None) -> tuple[list[QuotaRow], date, date]:
    """campaigns.quotas' compliance on a day, one row per unit and rule; with the span of the periods."""
    report = quota_compliance(session, actor=actor, on=on, tz=tz, rule_id=rule_id, area_id=area_id)
    rows: list[QuotaRow] = []
    first, last = on, on
    for rule in report.rules:
        first, last = min(first, rule.period_start), max(last, rule.period_end)
        if rule.rule.period == "monthly":
            period = f"Tháng {rule.period_start:%m/%Y}"
        else:
            period = f"{format_date_vn(rule.period_start)} - {format_date_vn(rule.period_end)}"
        for unit in rule.rows:
            rows.append(QuotaRow(unit_label=unit.area_name, rule_label=rule.rule.name, period_label=period,
                                 required=rule.rule.min_count, submitted=unit.submitted, approved=unit.approved,
                                 met=unit.met and unit.on_time is not False))
    return rows, first, last


# ---------------------------------------------------------------- documents (CSV, XLSX, PDF, charts)

FORMATS = ("json", "csv", "xlsx", "pdf")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "png": "image/png",
}
TITLE = "Báo cáo thời lượng phát thanh trên hệ thống truyền thanh cơ sở"
QUOTA_TITLE = "Báo cáo tình hình thực hiện chỉ tiêu tin, bài"
NATIONAL_UNIT = "Hệ thống thông tin cơ sở"
_PROVINCE_PREFIXES = ("Tỉnh ", "Thành phố ", "TP. ")


def issuing_unit_for(session: Session, area: Area | None) -> tuple[str, str]:
    """(issuing unit, place) for the report heading: the People's Committee of the report's area."""
    if area is None:
        return NATIONAL_UNIT, "Hà Nội"
    unit = area
    if area.level == AreaLevel.cluster and area.parent_id:
        unit = session.get(Area, area.parent_id) or area
    chain = _areas_by_id(session, unit.ancestor_ids)
    province = next((chain[i] for i in unit.ancestor_ids if i in chain and chain[i].level == AreaLevel.province),
                    unit)
    place = province.name
    for prefix in _PROVINCE_PREFIXES:
        if place.startswith(prefix):
            place = place[len(prefix):]
    name = unit.name[:1].lower() + unit.name[1:]
    return f"Ủy ban nhân dân {name}", place


def report_meta(session: Session, *, title: str, group_by: str, day_from: date, day_to: date, area: Area | None,
                campaign_label: str | None = None, issuing_unit: str | None = None,
                signer_name: str | None = None) -> ReportMeta:
    unit, place = issuing_unit_for(session, area)
    return ReportMeta(title=title, group_by=group_by, period_from=day_from, period_to=day_to,
                      issuing_unit=issuing_unit or unit, place=place, area_label=area.name if area else None,
                      campaign_label=campaign_label, signer_name=signer_name)


def chart_png(session: Session, q: ReportQuery, rows: list[ReportRow], kind: str | None = None) -> bytes:
    """The report's chart: weekly airtime per campaign against its target, or per area (rows given)."""
    kind = kind or ("area" if q.group_by in ("area", "cluster") else "weekly")
    if kind == "weekly":
        return charts.campaign_weekly_chart(weekly_series(session, q))
    # Worst first: the least aired against plan at the top, as a supervisor reads it.
    ordered = sorted(rows, key=lambda r: (r.aired_seconds / r.planned_seconds if r.planned_seconds else 2.0,
                                          r.label))
    title = charts.AREA_TITLE if q.group_by == "area" else "Thời lượng phát thanh theo cụm loa"
    return charts.area_chart(ordered, title=title)


@dataclass(frozen=True)
class Document:
    content: bytes
    media_type: str
    filename: str


def airtime_document(session: Session, q: ReportQuery, rows: list[ReportRow], fmt: str, meta: ReportMeta,
                     with_chart: bool = True) -> Document:
    """The rows as CSV, XLSX or PDF (the latter two with the chart, in a sheet or an appendix)."""
    if fmt == "csv":
        return Document(exports.to_csv(rows, meta), MEDIA_TYPES["csv"], exports.report_filename(meta, "csv"))
    png = chart_png(session, q, rows) if with_chart else None
    if fmt == "xlsx":
        return Document(exports.to_xlsx(rows, meta, png), MEDIA_TYPES["xlsx"], exports.report_filename(meta, "xlsx"))
    if fmt == "pdf":
        caption = ("Thời lượng phát thanh theo tuần so với chỉ tiêu" if q.group_by not in ("area", "cluster")
                   else "Thời lượng phát thanh theo địa bàn")
        return Document(exports.to_pdf(rows, meta, png, chart_caption=caption), MEDIA_TYPES["pdf"],
                        exports.report_filename(meta, "pdf"))
    raise Invalid(f"Định dạng {fmt!r} không hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")


def quota_document(rows: list[QuotaRow], fmt: str, meta: ReportMeta) -> Document:
    if fmt == "csv":
        return Document(exports.quota_to_csv(rows, meta), MEDIA_TYPES["csv"], exports.report_filename(meta, "csv"))
    if fmt == "xlsx":
        return Document(exports.quota_to_xlsx(rows, meta), MEDIA_TYPES["xlsx"], exports.report_filename(meta, "xlsx"))
    if fmt == "pdf":
        return Document(exports.quota_to_pdf(rows, meta), MEDIA_TYPES["pdf"], exports.report_filename(meta, "pdf"))
    raise Invalid(f"Định dạng {fmt!r} không hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")
