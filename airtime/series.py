"""Weekly airtime per campaign against its target, for the chart (`airtime.charts.campaign_weekly_chart`)."""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime.aggregate import ReportQuery, cluster_set, needs_cluster_filter
from airtime.models import NO_CAMPAIGN
from airtime.report_values import WeeklySeries, WeekPoint
from airtime.rollups import ROLLUP
from airtime.targets import campaign_cluster_counts, overlap_days, target_seconds
from campaigns.eligibility import campaign_targets
from campaigns.models import Campaign
from core.db import day_of


def weekly_series(session: Session, q: ReportQuery) -> list[WeeklySeries]:
    """Aired minutes per campaign per ISO week of [from, to], with the week's share of the target."""
    r = ROLLUP
    conds = [r.c.local_day >= q.day_from, r.c.local_day <= q.day_to, r.c.campaign_id != NO_CAMPAIGN]
    if q.campaign_id is not None:
        conds.append(r.c.campaign_id == q.campaign_id)
    if needs_cluster_filter(session, q):
        conds.append(r.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    # From the roll-ups (per campaign and day): archived days stay in the chart.
    stmt = (select(r.c.campaign_id, r.c.local_day, sa.func.sum(r.c.aired_ms))
            .where(*conds).group_by(r.c.campaign_id, r.c.local_day))
    aired: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for cid, d, ms in session.execute(stmt):
        day = day_of(d)
        iso = day.isocalendar()
        aired[cid][(iso.year, iso.week)] += int(ms)
    active = select(Campaign.id).where(col(Campaign.starts_on) <= q.day_to, col(Campaign.ends_on) >= q.day_from)
    if q.campaign_id is not None:
        active = active.where(Campaign.id == q.campaign_id)
    targets = campaign_targets(session, set(aired) | set(session.scalars(active)))
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
            days = overlap_days(first, last, t.starts_on, t.ends_on)
            if days == 0 and not aired[cid].get((year, week)):
                continue
            points.append(WeekPoint(year, week, aired[cid].get((year, week), 0) / 1000,
                                    target_seconds(t, counts[cid], days)))
        series.append(WeeklySeries(str(cid), t.name, points, t.color))
    return series
