"""Events that should not have aired: never approved, before approval, outside validity, after withdrawal.

The rule for one event is `airtime.reconcile.classify_unplanned`; this module finds such events
over a report's period and area without reading every event of it.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from airtime.aggregate import EVENTS, ReportQuery, cluster_set, content_day_conds, needs_cluster_filter
from airtime.reconcile import ANOMALY_KINDS, UNPLANNED_LABELS, ContentFacts, classify_unplanned, content_facts
from core.areas import Area, areas_by_id, cluster_labels
from core.db import day_of
from core.timeutil import local_day_bounds


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
        select(EVENTS.c.content_id, EVENTS.c.local_day).where(*content_day_conds(session, q, None))
        .group_by(EVENTS.c.content_id, EVENTS.c.local_day)).all()
    cluster_filter = needs_cluster_filter(session, q)
    facts = content_facts(session, {c for c, _ in pairs})
    suspicious: dict[int, list[date]] = defaultdict(list)
    for content_id, day in pairs:
        day = day_of(day)
        if _maybe_anomalous(facts.get(content_id), *local_day_bounds(day, tz), day):
            suspicious[content_id].append(day)
    found: list[Anomaly] = []
    total = 0
    for content_id, days in sorted(suspicious.items()):
        fact = facts.get(content_id)
        for start in range(0, len(days), 200):
            conds = [EVENTS.c.content_id == content_id, EVENTS.c.local_day.in_(days[start:start + 200])]
            if cluster_filter:
                conds.append(EVENTS.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
            rows = session.execute(sa.select(EVENTS).where(*conds)).all()
            for row in rows:
                kind = classify_unplanned(fact, row.started_at, row.local_day)
                if kind in ANOMALY_KINDS:
                    total += 1
                    found.append(Anomaly(row.cluster_id, "", row.event_id, content_id, fact.title if fact else None,
                                         row.started_at, row.duration_ms, row.status, kind, UNPLANNED_LABELS[kind]))
    found.sort(key=lambda a: (a.started_at, a.cluster_id, a.event_id))
    found = found[:limit]
    labels = cluster_labels(session, areas_by_id(session, {a.cluster_id for a in found}).values())
    return [replace(a, cluster_label=labels.get(a.cluster_id, str(a.cluster_id))) for a in found], total
