"""Aired totals per (cluster, local day, campaign) (`airtime_rollup`): kept, moved, checked.

Why this grain: a report by campaign, directive, area, cluster or day reads only these columns,
and a cluster-day holds a handful of campaigns but tens of contents (the benchmark: 20 contents,
6 campaign keys a day), so a year is a third as many rows as events, each a tenth of the size.
Per content it would be as many rows as events. Reports by content read the events
(`airtime.aggregate`).

- `add_events`: in the ingest's transaction, under the cluster's chain lock, one upsert per
  (day, campaign) of the batch. On PostgreSQL a shared advisory lock (`_CAMPAIGN_LOCK`) makes a
  campaign change wait for the ingests in flight, and later ingests wait for it: totals land on the
  right campaign.
- `rebuild_for_content`: a content changed campaign. Each cluster-day with its events is recomputed
  from the events; a cluster-day that archiving emptied (late events of an archived day) has only
  this content's live events moved, as the archived ones are gone.
- `check_cluster`: the cluster's roll-ups against its events, day by day from its archive cut on.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from airtime.models import AIRED_STATUSES, NO_CAMPAIGN, AirtimeRollup, PlayCheckpoint
from core.db import day_of, table_of
from core.lock import advisory_key

ROLLUP = table_of(AirtimeRollup)
_CHECKPOINTS = table_of(PlayCheckpoint)
_AIRED = "('" + "', '".join(AIRED_STATUSES) + "')"

_UPSERT = sa.text(
    "INSERT INTO airtime_rollup (cluster_id, local_day, campaign_id, aired_ms, plays) "
    "VALUES (:cluster_id, :local_day, :campaign_id, :aired_ms, :plays) "
    "ON CONFLICT (cluster_id, local_day, campaign_id) DO UPDATE SET "
    "aired_ms = airtime_rollup.aired_ms + excluded.aired_ms, plays = airtime_rollup.plays + excluded.plays"
).bindparams(sa.bindparam("local_day", type_=sa.Date))


# PostgreSQL: ingest holds this transaction-level advisory lock shared while it reads contents' campaigns
# and adds to the roll-ups; a campaign change takes it exclusively before it moves totals. So a change
# waits for the ingests already reading the old campaign, and later ingests read the new one. (Shared
# advisory locks live in memory: unlike FOR SHARE on the content rows, they write nothing.)
_CAMPAIGN_LOCK = advisory_key("airtime-rollup-campaigns")


def _campaigns_of(session: Session, content_ids: list[int]) -> dict[int, int | None]:
    if not content_ids:
        return {}
    rows = session.execute(sa.text("SELECT id, campaign_id FROM content WHERE id IN :ids")
                           .bindparams(sa.bindparam("ids", expanding=True)), {"ids": content_ids})
    return dict(rows.all())


def add_events(session: Session, cluster_id: int, events: Iterable[tuple[int | None, date, int, str]]) -> None:
    """Add freshly stored events (content_id, local_day, duration_ms, status) of one cluster.

    One statement: the batch's totals per (day, content) go in as one bound list, the database looks up
    each content's campaign and adds per (day, campaign)."""
    totals: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0])
    for content_id, day, ms, status in events:
        if content_id is not None and status in AIRED_STATUSES:
            acc = totals[(day, content_id)]
            acc[0] += ms
            acc[1] += 1
    if not totals:
        return
    keys = sorted(totals)
    if session.get_bind().dialect.name == "postgresql":
        # A statement of its own: the upsert's snapshot must start after the lock is granted.
        session.execute(sa.text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": _CAMPAIGN_LOCK})
        session.execute(_PG_ADD, {"cluster": cluster_id, "d": [d for d, _ in keys], "c": [c for _, c in keys],
                                  "ms": [totals[k][0] for k in keys], "n": [totals[k][1] for k in keys]})
    else:  # SQLite: ingest already holds the single writer lock (BEGIN IMMEDIATE)
        rows = json.dumps([[d.isoformat(), c, *totals[(d, c)]] for d, c in keys])
        session.connection().exec_driver_sql(_SQLITE_ADD, (cluster_id, rows))


_ON_CONFLICT = ("ON CONFLICT (cluster_id, local_day, campaign_id) DO UPDATE SET aired_ms = airtime_rollup.aired_ms "
                "+ excluded.aired_ms, plays = airtime_rollup.plays + excluded.plays")
_PG_ADD = sa.text(
    "INSERT INTO airtime_rollup (cluster_id, local_day, campaign_id, aired_ms, plays) "
    "SELECT :cluster, u.d, COALESCE(c.campaign_id, 0), SUM(u.ms), SUM(u.n) "
    "FROM unnest(CAST(:d AS date[]), CAST(:c AS integer[]), CAST(:ms AS bigint[]), CAST(:n AS integer[])) "
    "AS u(d, content_id, ms, n) LEFT JOIN content c ON c.id = u.content_id "
    "GROUP BY u.d, COALESCE(c.campaign_id, 0) " + _ON_CONFLICT)
_SQLITE_ADD = (
    "INSERT INTO airtime_rollup (cluster_id, local_day, campaign_id, aired_ms, plays) "
    "SELECT ?1, u.value ->> 0, COALESCE(c.campaign_id, 0), SUM(u.value ->> 2), SUM(u.value ->> 3) "
    "FROM json_each(?2) u LEFT JOIN content c ON c.id = u.value ->> 1 WHERE true "
    "GROUP BY u.value ->> 0, COALESCE(c.campaign_id, 0) " + _ON_CONFLICT)


def _archived_before(session: Session) -> dict[int, date]:
    """{cluster: the day its archived events end before} (the latest cut of each archived cluster)."""
    c = _CHECKPOINTS
    return {cid: day_of(d)
            for cid, d in session.execute(sa.select(c.c.cluster_id, sa.func.max(c.c.before_day))
                                          .group_by(c.c.cluster_id))}


def _recompute(session: Session, pairs: list[tuple[int, date]]) -> None:
    """Replace the roll-ups of these cluster-days by the events' own totals."""
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        for cluster_id in sorted({c for c, _ in chunk}):
            days = sorted({d for c, d in chunk if c == cluster_id})
            session.execute(sa.delete(ROLLUP).where(ROLLUP.c.cluster_id == cluster_id, ROLLUP.c.local_day.in_(days)))
            session.execute(sa.text(
                "INSERT INTO airtime_rollup (cluster_id, local_day, campaign_id, aired_ms, plays) "
                "SELECT e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0), SUM(e.duration_ms), COUNT(*) "
                "FROM play_event e LEFT JOIN content c ON c.id = e.content_id "
                f"WHERE e.cluster_id = :cluster AND e.local_day IN :days AND e.content_id IS NOT NULL "
                f"AND e.status IN {_AIRED} "
                "GROUP BY e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0)")
                .bindparams(sa.bindparam("days", expanding=True, type_=sa.Date)), {"cluster": cluster_id, "days": days})


def rebuild_for_content(session: Session, content_id: int, old_campaign_id: int | None) -> int:
    """The content's campaign changed (already flushed): bring the roll-ups of its cluster-days in line.

    Returns the number of cluster-days touched."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CAMPAIGN_LOCK})
    rows = session.execute(sa.text(
        "SELECT cluster_id, local_day, SUM(CASE WHEN status IN " + _AIRED + " THEN duration_ms ELSE 0 END), "
        "SUM(CASE WHEN status IN " + _AIRED + " THEN 1 ELSE 0 END) "
        "FROM play_event WHERE content_id = :c GROUP BY cluster_id, local_day"), {"c": content_id}).all()
    if not rows:
        return 0
    cut = _archived_before(session)
    live: list[tuple[int, date]] = []
    moved: list[tuple[int, date, int, int]] = []
    for cluster_id, day, ms, n in rows:
        day = day_of(day)
        if cluster_id in cut and day < cut[cluster_id]:
            moved.append((cluster_id, day, int(ms or 0), int(n or 0)))
        else:
            live.append((cluster_id, day))
    _recompute(session, live)
    new = _campaigns_of(session, [content_id]).get(content_id) or NO_CAMPAIGN
    old = old_campaign_id or NO_CAMPAIGN
    for cluster_id, day, ms, n in moved:
        if n == 0 or old == new:
            continue
        session.execute(sa.update(ROLLUP).where(ROLLUP.c.cluster_id == cluster_id, ROLLUP.c.local_day == day,
                                                ROLLUP.c.campaign_id == old)
                        .values(aired_ms=ROLLUP.c.aired_ms - ms, plays=ROLLUP.c.plays - n))
        session.execute(sa.delete(ROLLUP).where(ROLLUP.c.cluster_id == cluster_id, ROLLUP.c.local_day == day,
                                                ROLLUP.c.campaign_id == old, ROLLUP.c.plays <= 0))
        session.execute(_UPSERT, {"cluster_id": cluster_id, "local_day": day, "campaign_id": new,
                                  "aired_ms": ms, "plays": n})
    return len(rows)


@dataclass(frozen=True)
class RollupCheck:
    ok: bool
    days_checked: int
    first_mismatch: str | None  # Vietnamese: the first cluster-day whose roll-up differs from its events


def check_cluster(session: Session, cluster_id: int) -> RollupCheck:
    """Compare the cluster's roll-ups with its events, every local day from its archive cut on."""
    since = _archived_before(session).get(cluster_id)
    sql = ("SELECT e.local_day, COALESCE(c.campaign_id, 0), SUM(e.duration_ms), COUNT(*) "
           "FROM play_event e LEFT JOIN content c ON c.id = e.content_id "
           f"WHERE e.cluster_id = :cluster AND e.content_id IS NOT NULL AND e.status IN {_AIRED} "
           + ("AND e.local_day >= :since " if since else "") + "GROUP BY e.local_day, COALESCE(c.campaign_id, 0)")
    stmt = sa.text(sql).bindparams(sa.bindparam("since", type_=sa.Date)) if since else sa.text(sql)
    params: dict[str, Any] = {"cluster": cluster_id, **({"since": since} if since else {})}
    expected = {(day_of(d), int(k)): (int(ms), int(n)) for d, k, ms, n in session.execute(stmt, params)}
    query = sa.select(ROLLUP.c.local_day, ROLLUP.c.campaign_id, ROLLUP.c.aired_ms, ROLLUP.c.plays).where(
        ROLLUP.c.cluster_id == cluster_id)
    if since:
        query = query.where(ROLLUP.c.local_day >= since)
    stored = {(day_of(d), int(k)): (int(ms), int(n)) for d, k, ms, n in session.execute(query)}
    days = {d for d, _ in expected} | {d for d, _ in stored}
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, (0, 0)), stored.get(key, (0, 0))
        if want != have:
            day, campaign = key
            return RollupCheck(False, len(days), (
                f"Tổng hợp ngày {day:%d/%m/%Y}, chiến dịch {campaign or 'không có'}: ghi {have[0]} ms / {have[1]} "
                f"lần phát, nhật ký có {want[0]} ms / {want[1]} lần phát."))
    return RollupCheck(True, len(days), None)
