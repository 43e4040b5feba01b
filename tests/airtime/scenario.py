"""A generated two-week scenario for airtime reports, and the independent count in plain Python.

The scenario (two weeks, Mon 2026-03-02 .. Sun 2026-03-15, plus a day either side that must
not count) has: events that cross local midnight, a cluster added mid-period, content whose
validity ends mid-week, interrupted/skipped/failed items, superseded (non-current) playlist
versions, filler items, unplanned events, a cluster in another province, a campaign under two
directives, a campaign without a target and content without a campaign. The expected rows are
computed from the generated records alone, never from the database.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from airtime.aggregate import ReportQuery
from airtime.ingest import ingest_plays
from airtime.reports import airtime_rows
from core.areas import Area, AreaLevel
from core.db import saved_id, session_scope
from tests.airtime.builders import (
    TZ,
    PlanItem,
    make_campaign,
    make_content,
    make_directive,
    make_playlist,
)
from tests.factories import area as make_area

FROM, TO = date(2026, 3, 2), date(2026, 3, 15)
MID = date(2026, 3, 9)  # the cluster added mid-period reports from this day
AIRED = ("played", "interrupted")


@dataclass
class Planned:
    cluster_id: int
    day: date
    content_id: int | None
    duration_ms: int
    current: bool


@dataclass
class Event:
    cluster_id: int
    content_id: int
    started_at: datetime
    duration_ms: int
    status: str


@dataclass
class Scenario:
    clusters: dict[int, Area]  # every cluster, id -> area (with path)
    communes: dict[int, Area]
    campaign_of: dict[int, int | None]  # content -> campaign
    title_of: dict[int, str]
    campaigns: dict[int, dict]  # id -> {name, target, starts_on, ends_on, area_ids}
    directives_of: dict[int, list[int]]  # campaign -> directive ids
    planned: list[Planned] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    province: Area | None = None
    commune_a: Area | None = None


def _local(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def build_scenario(engine, world) -> Scenario:
    rng = random.Random(20260302)
    with session_scope(engine) as s:
        late = make_area(s, "Cụm loa thôn mới", AreaLevel.cluster, world.commune_a, code="A3")
        late.created_at = datetime.combine(MID, datetime.min.time(), tzinfo=TZ).astimezone(UTC)
        s.add(late)
        d1, d2 = make_directive(s, "205/KH-UBND"), make_directive(s, "12/CV-LĐLĐ", "V/v thi đua")
        c1 = make_campaign(
            s,
            "Lao động giỏi, lao động sáng tạo",
            date(2026, 3, 5),
            date(2026, 12, 31),
            target=30,
            area_ids=[world.province.id],
            directives=[d1],
        )
        c2 = make_campaign(
            s,
            "Thi đua yêu nước",
            date(2026, 1, 1),
            date(2026, 3, 12),
            target=45,
            area_ids=[world.commune_a.id, world.other_commune.id],
            directives=[d1, d2],
        )
        c3 = make_campaign(
            s,
            "Xây dựng nông thôn mới",
            date(2026, 1, 1),
            date(2026, 12, 31),
            target=None,
            area_ids=[world.commune_b.id],
        )
        # A campaign running with a target but nothing planned or aired: a row at zero compliance.
        c4 = make_campaign(
            s, "Chuyển đổi số", date(2026, 3, 14), date(2026, 6, 30), target=20, area_ids=[world.clusters_b[1].id]
        )
        contents = [
            make_content(s, "Gương người tốt việc tốt", campaign=c1),
            make_content(s, "Thi đua lao động sản xuất", campaign=c1, valid_until=date(2026, 3, 11)),  # ends mid-week
            make_content(s, "Lời kêu gọi thi đua ái quốc", campaign=c2),
            make_content(s, "Đường làng ngõ xóm", campaign=c3),
            make_content(s, "Thông báo lịch tiêm chủng"),  # no campaign
            make_content(s, "Bản tin chưa duyệt", campaign=c1, approved=False),  # aired anyway
        ]
        clusters = {c.id: c for c in [*world.clusters_a, *world.clusters_b, world.other_cluster, late]}
        communes = {c.id: c for c in (world.commune_a, world.commune_b, world.other_commune)}
        sc = Scenario(
            clusters=clusters,
            communes=communes,
            campaign_of={saved_id(c): c.campaign_id for c in contents},
            title_of={saved_id(c): c.title for c in contents},
            campaigns={
                saved_id(c): {
                    "name": c.name,
                    "target": c.target_minutes_per_week,
                    "starts_on": c.starts_on,
                    "ends_on": c.ends_on,
                    "area_ids": a,
                }
                for c, a in (
                    (c1, [world.province.id]),
                    (c2, [world.commune_a.id, world.other_commune.id]),
                    (c3, [world.commune_b.id]),
                    (c4, [world.clusters_b[1].id]),
                )
            },
            directives_of={saved_id(c1): [saved_id(d1)], saved_id(c2): [saved_id(d1), saved_id(d2)], saved_id(c3): [],
                           saved_id(c4): []},
            province=world.province,
            commune_a=world.commune_a,
        )
        plannable = contents[:5]
        day = FROM - timedelta(days=1)
        while day <= TO + timedelta(days=1):
            shared: list[PlanItem] | None = None
            for cluster in clusters.values():
                if cluster.id == late.id and day < MID:
                    continue
                valid = [c for c in plannable if c.valid_until >= day]
                items, at = [], _local(day, 6, 0)
                for k in range(rng.randint(3, 6)):
                    content = rng.choice(valid) if k else None  # the first item is filler/intro
                    items.append(PlanItem(content, at, rng.randint(30, 300) * 1000))
                    at += timedelta(milliseconds=items[-1].duration_ms)
                if cluster.parent_id == world.commune_b.id:
                    # Commune B's clusters hear the same plan each day, as a build gives them (same plan_hash).
                    shared = shared or items
                    items = shared
                if rng.random() < 0.3:  # an older version that is no longer current
                    old = make_playlist(s, cluster.id, day, items[:2], version=1)
                    sc.planned += [
                        Planned(cluster.id, day, i.content.id if i.content else None, i.duration_ms, False)
                        for i in items[:2]
                    ]
                    assert old.is_current
                make_playlist(s, cluster.id, day, items, version=2)
                sc.planned += [
                    Planned(cluster.id, day, i.content.id if i.content else None, i.duration_ms, True) for i in items
                ]
                for it in items:
                    if it.content is None:
                        continue
                    status = rng.choices(["played", "interrupted", "skipped", "failed"], [70, 15, 10, 5])[0]
                    # A failed play still reports how long it tried: it must not count as airtime.
                    dur = {"played": it.duration_ms, "interrupted": it.duration_ms // 3, "failed": 4_000}.get(status, 0)
                    sc.events.append(Event(saved_id(cluster), saved_id(it.content), it.starts_at, dur, status))
                # Late evening items crossing midnight, and an off-schedule play just after midnight.
                late_start = _local(day, 23, 58) - timedelta(seconds=rng.randint(0, 60))
                cid = saved_id(cluster)
                sc.events.append(Event(cid, saved_id(rng.choice(contents)), late_start, 300_000, "played"))
                sc.events.append(Event(cid, saved_id(rng.choice(contents)), _local(day, 0, 1), 45_000, "played"))
            day += timedelta(days=1)
    # Ingest through the service, in batches per cluster, shuffled (arrival order is not time order).
    by_cluster: dict[int, list[dict]] = defaultdict(list)
    for n, e in enumerate(sc.events):
        by_cluster[e.cluster_id].append(
            {
                "event_id": f"g{n}",
                "content_id": e.content_id,
                "started_at": e.started_at.isoformat(),
                "duration_ms": e.duration_ms,
                "status": e.status,
            }
        )
    for cluster_id, evs in by_cluster.items():
        rng.shuffle(evs)
        for start in range(0, len(evs), 37):
            with session_scope(engine) as s:
                result = ingest_plays(s, cluster_id=cluster_id, events=evs[start : start + 37], tz=TZ)
                assert result.rejected == 0, result.errors
    return sc


# ---------------------------------------------------------------- the independent count


def _in_area(sc: Scenario, cluster_id: int, area: Area | None) -> bool:
    return area is None or f"/{area.id}/" in sc.clusters[cluster_id].path


def expected(
    sc: Scenario,
    group_by: str,
    area: Area | None = None,
    campaign_id: int | None = None,
    day_from: date = FROM,
    day_to: date = TO,
) -> dict[str, tuple]:
    """The rows the report must have, keyed like the report: (planned, aired, target, compliance)."""

    def keys_for(cluster_id: int, content_id: int | None, day: date) -> list[str]:
        campaign = sc.campaign_of.get(content_id) if content_id else None
        if group_by == "campaign":
            return [str(campaign) if campaign else "none"]
        if group_by == "directive":
            return [str(d) for d in sc.directives_of.get(campaign, [])] or ["none"] if campaign else ["none"]
        if group_by == "content":
            return [str(content_id)]
        if group_by == "cluster":
            return [str(cluster_id)]
        if group_by == "day":
            return [day.isoformat()]
        return [str(sc.clusters[cluster_id].parent_id)]  # area: communes in this scenario

    planned: dict[str, int] = defaultdict(int)
    aired: dict[str, int] = defaultdict(int)

    def wanted(cluster_id: int, content_id: int | None) -> bool:
        return _in_area(sc, cluster_id, area) and (
            campaign_id is None or (content_id is not None and sc.campaign_of.get(content_id) == campaign_id)
        )

    for p in sc.planned:
        if (
            p.current
            and p.content_id is not None
            and day_from <= p.day <= day_to
            and wanted(p.cluster_id, p.content_id)
        ):
            for k in keys_for(p.cluster_id, p.content_id, p.day):
                planned[k] += p.duration_ms
    for e in sc.events:
        day = e.started_at.astimezone(TZ).date()
        if e.status in AIRED and day_from <= day <= day_to and wanted(e.cluster_id, e.content_id):
            for k in keys_for(e.cluster_id, e.content_id, day):
                aired[k] += e.duration_ms
    keys = set(planned) | set(aired)
    targets: dict[str, float | None] = {}
    if group_by == "campaign":
        for cid, c in sc.campaigns.items():
            if campaign_id is not None and cid != campaign_id:
                continue
            clusters = sum(
                1
                for k in sc.clusters
                if _in_area(sc, k, area) and any(f"/{a}/" in sc.clusters[k].path for a in c["area_ids"])
            )
            first, last = max(day_from, c["starts_on"]), min(day_to, c["ends_on"])
            days = max(0, (last - first).days + 1)
            target = None if c["target"] is None else c["target"] * 60 * clusters * days / 7
            targets[str(cid)] = target
            if target:
                keys.add(str(cid))
    if group_by == "day":
        keys |= {(day_from + timedelta(days=i)).isoformat() for i in range((day_to - day_from).days + 1)}
    if group_by == "area":
        keys |= {str(c.id) for c in sc.communes.values() if _in_area_area(c, area)}
    out = {}
    for k in keys:
        target = targets.get(k)
        out[k] = (planned[k] / 1000, aired[k] / 1000, target, aired[k] / 1000 / target if target else None)
    return out


def _in_area_area(commune: Area, area: Area | None) -> bool:
    return area is None or commune.path.startswith(area.path)


def actual(
    engine, group_by: str, area: Area | None = None, campaign_id: int | None = None, area_level: AreaLevel | None = None
) -> dict[str, tuple]:
    """The report's rows over the scenario's period, keyed like `expected`."""
    with Session(engine) as s:
        rows = airtime_rows(s, ReportQuery(FROM, TO, group_by, area, campaign_id, area_level, tz=TZ))
    keys = [r.key for r in rows]
    assert len(keys) == len(set(keys)), keys
    return {r.key: (r.planned_seconds, r.aired_seconds, r.target_seconds, r.compliance) for r in rows}


def assert_rows_equal(got: dict, want: dict, what: str = "") -> None:
    assert set(got) == set(want), (what, sorted(got), sorted(want))
    for key in want:
        g, w = got[key], want[key]
        assert g[0] == pytest.approx(w[0]) and g[1] == pytest.approx(w[1]), (what, key, g, w)
        assert (g[2] is None) == (w[2] is None) and (w[2] is None or g[2] == pytest.approx(w[2])), (what, key, g, w)
        assert (g[3] is None) == (w[3] is None) and (w[3] is None or g[3] == pytest.approx(w[3])), (what, key, g, w)
