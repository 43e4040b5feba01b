"""Cluster-days that never reported: a plan with content for a past day and no event of that cluster."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from airtime.ingest import ingest_plays
from airtime.unreported import unreported_days
from core.db import session_scope
from tests.airtime.builders import TZ, PlanItem, event, local, make_content, make_playlist

D = date(2026, 3, 10)


def test_a_planned_day_without_any_event_is_listed(engine, world):
    a1, a2 = world.clusters_a[0], world.clusters_a[1]
    with session_scope(engine) as s:
        c = make_content(s, "Tin")
        for cluster_id in (a1.id, a2.id):
            for day in (D - timedelta(days=1), D, D + 1 * timedelta(days=1)):
                make_playlist(s, cluster_id, day, [PlanItem(c, local(day, 6, 0), 60_000),
                                                   PlanItem(c, local(day, 17, 0), 60_000, "Bản tin chiều")])
        content_id = c.id
    with session_scope(engine) as s:  # A1 reported on D only (one of its two items); A2 never did
        result = ingest_plays(s, cluster_id=a1.id, events=[event(content_id, local(D, 6, 0, 5), 60_000)], tz=TZ,
                              now=datetime(2026, 3, 12, tzinfo=UTC))
        assert result.accepted == 1, result.errors
    with Session(engine) as s:
        # D+1 is "today": still coming in, never listed.
        found, total = unreported_days(s, day_from=D - timedelta(days=5), day_to=D + timedelta(days=1),
                                       today=D + timedelta(days=1), area=world.commune_a)
        assert [(u.cluster_id, u.day, u.planned_items) for u in found] == [
            (a2.id, D, 2), (a1.id, D - timedelta(days=1), 2), (a2.id, D - timedelta(days=1), 2)]
        assert total == 3 and a2.name in found[0].label
        only_a1, _ = unreported_days(s, day_from=D - timedelta(days=5), day_to=D + timedelta(days=1),
                                     today=D + timedelta(days=2), cluster_id=a1.id)
        assert [(u.day, u.planned_items) for u in only_a1] == [(D + timedelta(days=1), 2), (D - timedelta(days=1), 2)]
        assert unreported_days(s, day_from=D, day_to=D, today=D, area=world.commune_a) == ([], 0)
        elsewhere, _ = unreported_days(s, day_from=D - timedelta(days=5), day_to=D, today=D + timedelta(days=1),
                                       area=world.commune_b)
        assert elsewhere == []
