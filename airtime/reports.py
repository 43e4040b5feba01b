"""The airtime report: planned, aired and target seconds rolled up by campaign, directive, area, cluster,
content or day (`GET /reports/airtime`).

Formulas (the public API, "As-run and audit"; docs/airtime.md, "Reports"):
- planned_seconds: durations of the content items (items with a content id: intro, outro and
  filler are programme furniture that devices do not report) of the current (published)
  playlists dated in [from, to];
- aired_seconds: duration_ms / 1000 of events with status played or interrupted whose
  started_at falls on a local date in [from, to] (`play_event.local_day`, fixed at ingest);
- target_seconds, campaign rows only: `airtime.targets`; compliance = aired / target.

The database groups by campaign, content, cluster or day (`airtime.aggregate`; aired from the
roll-ups kept at ingest, except per content); the few hundred to few
thousand result rows are rolled up here to campaigns, directives or areas with small lookups
(names, links, area paths).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from airtime.aggregate import CONTENT, ReportQuery, aggregate
from airtime.models import NO_CAMPAIGN
from airtime.report_values import ReportRow
from airtime.targets import campaign_cluster_counts, overlap_days, target_seconds
from campaigns.eligibility import campaign_targets
from campaigns.models import Campaign, CampaignDirective, Directive
from core.areas import Area, AreaLevel, areas_by_id, by_id, cluster_labels, subtree_condition
from core.collation import vn_sort_key
from core.formatting import date_text

NONE_KEY = "none"
NONE_LABELS = {
    "campaign": "Không thuộc chiến dịch nào",
    "directive": "Không thuộc văn bản chỉ đạo nào",
    "area": "Không thuộc cấp địa bàn này",
}


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



def _by_campaign(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    used = {c for c in agg if c != NO_CAMPAIGN}
    # Every campaign running in the period with a target shows, even at zero airtime.
    active = select(Campaign.id).where(col(Campaign.starts_on) <= q.day_to, col(Campaign.ends_on) >= q.day_from,
                                       col(Campaign.target_minutes_per_week).is_not(None))
    if q.campaign_id is not None:
        active = active.where(Campaign.id == q.campaign_id)
    targets = campaign_targets(session, used | set(session.scalars(active)))
    counts = campaign_cluster_counts(session, targets, q.area)
    groups: dict[str, _Acc] = {}
    for cid, t in targets.items():
        days = overlap_days(q.day_from, q.day_to, t.starts_on, t.ends_on)
        target = target_seconds(t, counts[cid], days)
        if cid in used or (target or 0) > 0:
            groups[str(cid)] = _Acc(t.name, target_seconds=target)
    for campaign_id, (planned, aired) in agg.items():
        key = str(campaign_id) if campaign_id != NO_CAMPAIGN else NONE_KEY
        groups.setdefault(key, _Acc(NONE_LABELS["campaign"])).add(planned, aired)
    return _rows(groups)


def directive_label(d: Directive) -> str:
    return f"{d.number} - {d.title}" if d.title else d.number


def _by_directive(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    campaign_ids = {c for c in agg if c != NO_CAMPAIGN}
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
    for cid, (planned, aired) in agg.items():
        keys = [str(d) for d in directives_of.get(cid, [])] if cid != NO_CAMPAIGN else []
        # A campaign under two directives counts toward both (directive rows may overlap).
        for key in keys or [NONE_KEY]:
            label = labels[int(key)] if key != NONE_KEY else NONE_LABELS["directive"]
            groups.setdefault(key, _Acc(label)).add(planned, aired)
    return _rows(groups)


def _by_content(session: Session, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    titles = dict(session.execute(select(CONTENT.c.id, CONTENT.c.title)
                                  .where(CONTENT.c.id.in_(list(agg)))).all()) if agg else {}
    groups: dict[str, _Acc] = {}
    for content_id, (planned, aired) in agg.items():
        groups.setdefault(str(content_id), _Acc(titles.get(content_id, f"Tin, bài {content_id}"))).add(planned, aired)
    return _rows(groups)


def _by_cluster(session: Session, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    clusters = areas_by_id(session, agg)
    labels = cluster_labels(session, clusters.values())
    groups: dict[str, _Acc] = {}
    for cluster_id, (planned, aired) in agg.items():
        label = labels.get(cluster_id, f"Cụm loa {cluster_id}")
        groups.setdefault(str(cluster_id), _Acc(label, sort=vn_sort_key(label))).add(planned, aired)
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
    return by_id(session.exec(query))


def _by_area(session: Session, q: ReportQuery, agg: dict[Any, tuple[int, int]]) -> list[ReportRow]:
    clusters = areas_by_id(session, agg)
    candidates = _area_candidates(session, q)
    # Areas in Vietnamese alphabetical order (their paths order ids as text: no order a reader can follow).
    groups: dict[str, _Acc] = {str(a.id): _Acc(a.name, sort=vn_sort_key(a.name)) for a in candidates.values()}
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
        groups[day.isoformat()] = _Acc(date_text(day), sort=day)
    for day, (planned, aired) in agg.items():
        groups.setdefault(day.isoformat(), _Acc(date_text(day), sort=day)).add(planned, aired)
    return _rows(groups)


def airtime_rows(session: Session, q: ReportQuery) -> list[ReportRow]:
    """The rows of `GET /reports/airtime` for this query."""
    agg = aggregate(session, q)
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
