"""Airtime reports against an independent count in plain Python, on generated data (tests/airtime/scenario.py)."""

from collections import defaultdict
from datetime import date, timedelta

import pytest

from airtime.aggregate import ReportQuery
from core.areas import AreaLevel
from tests.airtime.builders import TZ
from tests.airtime.scenario import FROM, MID, TO, actual, assert_rows_equal, expected


def test_every_grouping_matches_the_independent_count(engine, scenario):
    """Every grouping, for the country, the province and a commune, and with a campaign filter.

    One scenario for all the combinations: building it is the slow part.
    """
    places = {"country": None, "province": scenario.province, "commune_a": scenario.commune_a}
    c1 = next(cid for cid, c in scenario.campaigns.items() if c["name"].startswith("Lao động"))
    checked = 0
    for where, area in places.items():
        for group_by in ("campaign", "directive", "content", "cluster", "day"):
            assert_rows_equal(
                actual(engine, group_by, area), expected(scenario, group_by, area), f"{group_by} in {where}"
            )
            assert_rows_equal(
                actual(engine, group_by, area, campaign_id=c1),
                expected(scenario, group_by, area, campaign_id=c1),
                f"{group_by} in {where}, c1",
            )
            checked += 2
        assert_rows_equal(
            actual(engine, "area", area, area_level=AreaLevel.commune),
            expected(scenario, "area", area),
            f"communes in {where}",
        )
        checked += 1
    assert checked == 33
    _edge_cases_are_really_in_the_data(scenario)


def test_rollups_totals_and_targets(engine, scenario, world):
    """Without a level, a province's rows are its communes and the country's its provinces; every
    non-overlapping grouping has the same totals; the target formula by hand."""
    assert_rows_equal(actual(engine, "area", world.province), expected(scenario, "area", world.province))
    by_province = actual(engine, "area")
    commune_rows = expected(scenario, "area")
    for province in (world.province, world.other_province):
        communes = [k for k in commune_rows if scenario.communes[int(k)].parent_id == province.id]
        assert by_province[str(province.id)][0] == pytest.approx(sum(commune_rows[k][0] for k in communes))
        assert by_province[str(province.id)][1] == pytest.approx(sum(commune_rows[k][1] for k in communes))
    cluster_rows = actual(engine, "area", world.clusters_a[0])
    assert set(cluster_rows) == {str(world.clusters_a[0].id)}

    sums = {}
    for group_by in ("campaign", "content", "cluster", "day", "area"):
        rows = actual(engine, group_by, world.province)
        sums[group_by] = (round(sum(r[0] for r in rows.values()), 3), round(sum(r[1] for r in rows.values()), 3))
    assert len(set(sums.values())) == 1, sums
    assert sums["campaign"][1] > 0

    # 45 min/week × commune A's 3 clusters × 11 days (2-12 March) / 7, for campaign 2.
    rows = actual(engine, "campaign", world.province)
    c2 = next(cid for cid, c in scenario.campaigns.items() if c["name"] == "Thi đua yêu nước")
    assert rows[str(c2)][2] == pytest.approx(45 * 60 * 3 * 11 / 7)
    c4 = next(cid for cid, c in scenario.campaigns.items() if c["name"] == "Chuyển đổi số")
    assert rows[str(c4)] == (0.0, 0.0, pytest.approx(20 * 60 * 1 * 2 / 7), 0.0)  # shows at zero airtime
    c3 = next(cid for cid, c in scenario.campaigns.items() if c["target"] is None)
    assert rows[str(c3)][2] is None and rows[str(c3)][3] is None


def _edge_cases_are_really_in_the_data(scenario) -> None:
    """Guard against a scenario that silently stopped exercising what the docstring promises."""
    crossing = [e for e in scenario.events if e.started_at.astimezone(TZ).hour == 23 and e.duration_ms >= 120_000]
    assert crossing and all(
        (e.started_at + timedelta(milliseconds=e.duration_ms)).astimezone(TZ).date()
        != e.started_at.astimezone(TZ).date()
        for e in crossing
    )
    assert any(e.status == "interrupted" and e.duration_ms > 0 for e in scenario.events)
    assert any(not p.current for p in scenario.planned) and any(p.content_id is None for p in scenario.planned)
    b1, b2 = (c.id for c in scenario.clusters.values() if c.code in ("B1", "B2"))
    plan_of = defaultdict(list)
    for p in scenario.planned:
        if p.current:
            plan_of[(p.cluster_id, p.day)].append((p.content_id, p.duration_ms))
    assert all(plan_of[(b1, d)] == plan_of[(b2, d)] for d in {d for (c, d) in plan_of if c == b1})
    late = next(c for c in scenario.clusters.values() if c.code == "A3")
    assert min(p.day for p in scenario.planned if p.cluster_id == late.id) == MID
    ends = next(cid for cid, t in scenario.title_of.items() if t == "Thi đua lao động sản xuất")
    assert max(p.day for p in scenario.planned if p.content_id == ends) == date(2026, 3, 11)


def test_period_errors():
    with pytest.raises(Exception, match="from"):
        ReportQuery(TO, FROM, tz=TZ)
    with pytest.raises(Exception, match="group_by"):
        ReportQuery(FROM, TO, "weekday", tz=TZ)
    with pytest.raises(Exception, match="tối đa"):
        ReportQuery(date(2020, 1, 1), date(2026, 1, 1), tz=TZ)
