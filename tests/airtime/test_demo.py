"""`loaxa demo` gives the supervisor a week of as-run history: through the real ingest, coherent with the
plan and the approvals, deterministic and idempotent. The whole demo is loaded once per database backend
(it renders the bulletins with espeak-ng; the second backend's renders come from the shared render cache)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from airtime.aggregate import ReportQuery
from airtime.anomalies import anomalies
from airtime.chain import verify_cluster
from airtime.demo import EVENT_PREFIX, simulate_items
from airtime.models import PlayEvent
from airtime.reconcile import reconcile_day
from airtime.reports import airtime_rows
from api.demo import load_demo
from campaigns.demo import ITEMS, history_start
from campaigns.models import Content, ContentEvent, ContentRevision
from core.areas import Area, AreaLevel, cluster_ids_under
from core.timeutil import as_utc, local_day_bounds, now_utc
from playlists.demo import demo_province
from playlists.models import Playlist, PlaylistItem


@pytest.fixture(scope="module")
def shared_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-airtime-data")


def _events(engine) -> list[PlayEvent]:
    with Session(engine) as session:
        return list(session.exec(select(PlayEvent).order_by(col(PlayEvent.cluster_id), col(PlayEvent.seq))))


def test_demo_has_a_coherent_week_of_airtime(engine, settings, shared_media):
    settings.data_dir = shared_media
    lines: list[str] = []
    load_demo(settings, engine, echo=lines.append)
    tz = settings.tz
    today = now_utc().astimezone(tz).date()
    first, last = history_start(today), today - timedelta(days=1)
    summary = [line for line in lines if line.startswith("Nhật ký phát mẫu:")]
    assert len(summary) == 1 and f"{first:%d/%m/%Y}–{last:%d/%m/%Y}" in summary[0] and "trùng" not in summary[0]

    events = _events(engine)
    assert events and all(e.event_id.startswith(EVENT_PREFIX) and e.entered_by is None for e in events)
    with Session(engine) as session:
        province = demo_province(session)
        assert province is not None
        clusters = cluster_ids_under(session, province)
        assert {e.cluster_id for e in events} == set(clusters)

        # The past week's plan exists for every cluster, and every play lies in it.
        for day in (first, last):
            current = select(Playlist.id).where(Playlist.day == day, col(Playlist.is_current).is_(True))
            assert len(session.exec(current).all()) == len(clusters)
        assert {e.local_day for e in events} == {first + timedelta(days=n) for n in range(7)}

        # The report by campaign: non-empty, and its aired seconds are the events' own sum.
        rows = airtime_rows(session, ReportQuery(first, last, "campaign", province, tz=tz))
        independent = sum(e.duration_ms for e in events if e.status in ("played", "interrupted")
                          and first <= as_utc(e.started_at).astimezone(tz).date() <= last) / 1000
        assert independent > 0
        assert sum(r.aired_seconds for r in rows) == pytest.approx(independent)
        assert all(r.aired_seconds > 0 and r.planned_seconds > 0 for r in rows if r.key != "none")
        assert all(0 < r.aired_seconds <= r.planned_seconds for r in rows if r.key != "none")

        # Every chain verifies.
        for cluster_id in clusters:
            check = verify_cluster(session, cluster_id)
            assert check.ok and check.checked == sum(1 for e in events if e.cluster_id == cluster_id)

        # Reconciliation: every kind of outcome, two silent cluster-days, and nothing unplanned but the two
        # planted plays: one off-schedule (approved content, no anomaly) and one anomaly.
        outcomes: dict[str, int] = {}
        silent, unplanned = [], []
        for cluster_id in clusters:
            for n in range(7):
                day = first + timedelta(days=n)
                rec = reconcile_day(session, cluster_id=cluster_id, day=day, tz=tz)
                assert rec.planned_items > 0
                for outcome, count in rec.counts.items():
                    outcomes[outcome] = outcomes.get(outcome, 0) + count
                if rec.counts["not_reported"] == rec.planned_items:
                    silent.append((cluster_id, day))
                unplanned += [(cluster_id, u.kind, u.anomaly) for u in rec.unplanned]
        assert len(silent) == 2
        assert all(outcomes[k] > 0 for k in ("aired", "interrupted", "skipped", "failed", "not_reported"))
        assert outcomes["aired"] > 0.8 * sum(outcomes.values())
        assert sorted((kind, anomaly) for _, kind, anomaly in unplanned) == [
            ("off_schedule", False), ("outside_validity", True)]
        found, total = anomalies(session, day_from=first, day_to=last, area=province, tz=tz)
        assert total == 1 and found[0].kind == "outside_validity" and found[0].event_id.startswith(EVENT_PREFIX)
        assert found[0].title == ITEMS[-1].title

        # The audit trail: written, submitted, approved, rendered in that order, before the history began,
        # and valid (but for the bulletin the anomaly is about) from its first day.
        history_begins, _ = local_day_bounds(first, tz)
        for content in session.exec(select(Content)):
            rev = session.get(ContentRevision, content.airing_revision_id)
            assert rev is not None and rev.submitted_at and rev.decided_at and rev.rendered_at
            assert as_utc(rev.created_at) < as_utc(rev.submitted_at) < as_utc(rev.decided_at) \
                < as_utc(rev.rendered_at) < history_begins
            assert rev.valid_from == first or (content.title == ITEMS[-1].title and rev.valid_from > first)
            trail = select(ContentEvent).where(ContentEvent.content_id == content.id).order_by(col(ContentEvent.id))
            times = [as_utc(e.at) for e in session.exec(trail)]
            assert times == sorted(times) and times[-1] < history_begins

    # Again: nothing new, and it says so.
    again: list[str] = []
    load_demo(settings, engine, echo=again.append)
    assert len(_events(engine)) == len(events)
    summary = [line for line in again if line.startswith("Nhật ký phát mẫu:")]
    assert len(summary) == 1 and f"(0 mới, {len(events)} trùng, đã có)" in summary[0]
    assert any("Danh sách phát ngày" in line and "(0 mới" in line for line in again)


def test_simulated_reports_are_deterministic_and_plausible():
    start = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
    items = [PlaylistItem(id=i, playlist_id=1, cluster_id=1, day=start.date(), slot_index=0, slot_name="s",
                          slot_starts_at=start, slot_ends_at=start + timedelta(hours=1), position=i, kind="content",
                          content_id=i % 3 + 1, level="normal", title="t", starts_at=start + timedelta(minutes=i),
                          duration_ms=50_000, sha256="0" * 64, ext="mp3")
             for i in range(1, 400)]
    first = simulate_items(items, random.Random("x"))
    assert first == simulate_items(items, random.Random("x"))
    assert len({e.event_id for e in first}) == len(first) and 0.9 * len(items) < len(first) < len(items)
    planned = {f"{EVENT_PREFIX}{i.id}": i for i in items}
    for event in first:
        item = planned[event.event_id]
        assert abs((event.started_at - item.starts_at).total_seconds()) < 10
        if event.status == "played":
            assert 0.9 * item.duration_ms <= event.duration_ms <= item.duration_ms
        elif event.status == "interrupted":
            assert event.duration_ms < 0.9 * item.duration_ms
    assert {e.status for e in first} == {"played", "interrupted", "skipped", "failed"}


def test_without_demo_content_nothing_is_simulated(engine, settings, world):
    """On a database without the demo content (the test world is named Lào Cai too), nothing is simulated."""
    from airtime.demo import load_demo_airtime

    lines: list[str] = []
    with Session(engine) as session:
        result = load_demo_airtime(session, settings, echo=lines.append)
    assert result.events == 0 and lines == ["Chưa có tin, bài mẫu đã duyệt: bỏ qua nhật ký phát mẫu."]
    assert _events(engine) == []
    with Session(engine) as session:
        assert session.exec(select(Area).where(Area.level == AreaLevel.cluster)).first() is not None
