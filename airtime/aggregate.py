"""The one aggregate statement behind every airtime report: planned and aired per content, cluster or day.

`ReportQuery` says what a report covers (its period in local days, area, campaign, grouping);
`aggregate` runs one UNION ALL statement that the database groups by content, cluster or day,
and hands back {key: (planned_ms, aired_ms)} for `airtime.reports` to roll up. The formulas are in
docs/airtime.md ("Reports").
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from airtime.models import AIRED_STATUSES, NO_CAMPAIGN, PlayEvent
from airtime.rollups import ROLLUP
from campaigns.models import Content
from core.areas import Area, AreaLevel
from core.db import table_of
from core.errors import Invalid
from core.formatting import date_text
from playlists.models import Playlist, PlaylistItem

GROUP_BY = ("campaign", "directive", "area", "cluster", "content", "day")
MAX_DAYS = 5 * 366 + 1

EVENTS = table_of(PlayEvent)
_ITEMS = table_of(PlaylistItem)
_PLAYLISTS = table_of(Playlist)
_AREAS = table_of(Area)
CONTENT = table_of(Content)


@dataclass(frozen=True)
class ReportQuery:
    """What one report covers: local days [day_from, day_to] in `tz`, an area, a campaign, a grouping."""

    day_from: date
    day_to: date
    group_by: str = "campaign"
    area: Area | None = None  # the report's area (already checked against the caller's scope)
    campaign_id: int | None = None
    area_level: AreaLevel | None = None  # group_by=area: the level of the rows
    tz: ZoneInfo = field(kw_only=True)  # the zone of local days (settings.tz)

    def __post_init__(self) -> None:
        if self.group_by not in GROUP_BY:
            raise Invalid(f"group_by phải là một trong: {', '.join(GROUP_BY)}.")
        if self.day_to < self.day_from:
            raise Invalid(f"Kỳ báo cáo không hợp lệ: 'from' ({date_text(self.day_from)}) sau 'to' "
                          f"({date_text(self.day_to)}).")
        if (self.day_to - self.day_from).days + 1 > MAX_DAYS:
            raise Invalid(f"Kỳ báo cáo tối đa {MAX_DAYS} ngày; hãy chia nhỏ.")

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1


# ---------------------------------------------------------------- the one aggregate statement
#
# Aired: the roll-ups (`airtime_rollup`, one row per cluster, local day and campaign, kept at
# ingest: airtime.rollups), a third as many rows as events and a tenth of their width. Shapes
# chosen so that no database sorts them (SQLite has no hash aggregation: a GROUP BY that does not
# follow an index sorts every input row):
#   campaign -> ix_airtime_rollup_campaign_day (campaign_id, local_day, cluster_id, aired_ms)
#   cluster  -> the primary key (cluster_id, local_day, campaign_id), each cluster's period a range
#   day      -> per (campaign, day) on the campaign index, then per day (a few thousand rows)
#   content  -> the events: ix_play_event_content_day (content_id, local_day, ...), keyed by an IN list
# The plan side counts each distinct plan of a day once: playlists with the same (day, plan_hash)
# have the same items (the playlists package's own invariant), so items are read for one
# representative playlist and multiplied by the number of playlists sharing it.


def cluster_set(q: ReportQuery):
    query = select(_AREAS.c.id).where(_AREAS.c.level == AreaLevel.cluster.value)
    if q.area is not None:
        query = query.where(_AREAS.c.path.startswith(q.area.path, autoescape=True))
    return query


def _content_set(q: ReportQuery):
    query = select(CONTENT.c.id)
    if q.campaign_id is not None:
        query = query.where(CONTENT.c.campaign_id == q.campaign_id)
    return query


def needs_cluster_filter(session: Session, q: ReportQuery) -> bool:
    """False when the report's area holds every cluster there is (the usual province deployment)."""
    if q.area is None:
        return False
    inside = session.execute(select(sa.func.count()).select_from(cluster_set(q).subquery())).scalar_one()
    everywhere = session.execute(select(sa.func.count()).where(
        _AREAS.c.level == AreaLevel.cluster.value)).scalar_one()
    return inside != everywhere


def _aired(q: ReportQuery, key: str, cluster_filter: bool):
    """Aired per key. Campaign, cluster and day read the roll-ups (`airtime_rollup`, kept at ingest);
    content reads the events (the roll-ups stop at campaigns)."""
    if key == "content":
        return _aired_by_content(q, cluster_filter)
    r = ROLLUP
    conds = [r.c.local_day >= q.day_from, r.c.local_day <= q.day_to]
    if q.campaign_id is not None:
        conds.append(r.c.campaign_id == q.campaign_id)
    if key == "cluster":
        # Each cluster's period is one range of the primary key (cluster_id, local_day, campaign_id).
        conds.append(r.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
        return select(r.c.cluster_id.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                      sa.func.sum(r.c.aired_ms).label("a")).where(*conds).group_by(r.c.cluster_id)
    if cluster_filter:
        conds.append(r.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    if key == "campaign":
        # Walks ix_airtime_rollup_campaign_day in order: grouped without a sort.
        return select(r.c.campaign_id.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                      sa.func.sum(r.c.aired_ms).label("a")).where(*conds).group_by(r.c.campaign_id)
    per_campaign_day = (select(r.c.local_day.label("d"), sa.func.sum(r.c.aired_ms).label("a"))
                        .where(*conds).group_by(r.c.campaign_id, r.c.local_day).subquery("pcd"))
    return select(per_campaign_day.c.d.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                  sa.func.sum(per_campaign_day.c.a).label("a")).group_by(per_campaign_day.c.d)


def _aired_by_content(q: ReportQuery, cluster_filter: bool):
    e = EVENTS
    conds = [e.c.content_id.in_(_content_set(q).scalar_subquery()), e.c.local_day >= q.day_from,
             e.c.local_day <= q.day_to, e.c.status.in_(AIRED_STATUSES)]
    if cluster_filter:
        conds.append(e.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    return select(e.c.content_id.label("k"), sa.literal(0, sa.BigInteger).label("p"),
                  sa.func.sum(e.c.duration_ms).label("a")).where(*conds).group_by(e.c.content_id)


def _planned_by_campaign(q: ReportQuery, cluster_filter: bool, dialect: str):
    """The planned side per content (unchanged), then per campaign: a few hundred rows joined to content."""
    per_content = _planned(q, "content", cluster_filter, dialect).subquery("pc")
    campaign = sa.func.coalesce(CONTENT.c.campaign_id, NO_CAMPAIGN)
    return (select(campaign.label("k"), sa.func.sum(per_content.c.p).label("p"),
                   sa.literal(0, sa.BigInteger).label("a"))
            .select_from(per_content.join(CONTENT, CONTENT.c.id == per_content.c.k, isouter=True))
            .group_by(campaign))


def _planned(q: ReportQuery, key: str, cluster_filter: bool, dialect: str):
    p, i = _PLAYLISTS, _ITEMS
    current = [p.c.is_current.is_(True), p.c.day >= q.day_from, p.c.day <= q.day_to]
    if cluster_filter or key == "cluster":
        current.append(p.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
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


def content_day_conds(session: Session, q: ReportQuery, statuses: tuple[str, ...] | None) -> list[Any]:
    """Events of the period by content (the content index), within the report's area and campaign."""
    e = EVENTS
    conds = [e.c.content_id.in_(_content_set(q).scalar_subquery()), e.c.local_day >= q.day_from,
             e.c.local_day <= q.day_to]
    if statuses is not None:
        conds.append(e.c.status.in_(statuses))
    if needs_cluster_filter(session, q):
        conds.append(e.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    return conds


def _sql_key(group_by: str) -> str:
    if group_by in ("campaign", "directive"):
        return "campaign"
    if group_by == "content":
        return "content"
    if group_by in ("area", "cluster"):
        return "cluster"
    return "day"


def aggregate_statement(q: ReportQuery, key: str | None = None, cluster_filter: bool = True,
                        dialect: str = "sqlite"):
    """SELECT k, planned_ms, aired_ms grouped by campaign (0: none), content, cluster or day: planned and
    aired in one statement."""
    key = key or _sql_key(q.group_by)
    planned = (_planned_by_campaign(q, cluster_filter, dialect) if key == "campaign"
               else _planned(q, key, cluster_filter, dialect))
    both = sa.union_all(_aired(q, key, cluster_filter), planned).subquery("u")
    return select(both.c.k, sa.func.sum(both.c.p).label("planned_ms"),
                  sa.func.sum(both.c.a).label("aired_ms")).group_by(both.c.k)


def aggregate(session: Session, q: ReportQuery) -> dict[Any, tuple[int, int]]:
    """{campaign id (0: none), content id, cluster id or day: (planned_ms, aired_ms)} for the report's grouping."""
    out: dict[Any, tuple[int, int]] = {}
    stmt = aggregate_statement(q, cluster_filter=needs_cluster_filter(session, q),
                               dialect=session.get_bind().dialect.name)
    for k, planned, aired in session.execute(stmt):
        if isinstance(k, str) and _sql_key(q.group_by) == "day":
            k = date.fromisoformat(k)
        out[k] = (int(planned or 0), int(aired or 0))
    return out
