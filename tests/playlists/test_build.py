"""The day builder against a real database: atomic publish, unchanged inputs, grouping, history, locking."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from core import tasks
from core.areas import AreaCreate, AreaLevel, create_area
from core.db import session_scope
from playlists.models import Playlist, PlaylistBuild, PlaylistItem
from playlists.queries import current_playlist, published_items
from playlists.service import build_day
from tests.playlists.helpers import add_campaign, add_content, add_slot, make_mp3, withdraw_content

DAY = date(2026, 6, 15)  # a Monday


@pytest.fixture
def scene(engine, world, store):
    """Province slot 06:00 (1 min), commune A slot 17:00 (1 min); one campaign with three 10 s items."""
    add_slot(engine, world.province.id, "Sáng", time(6, 0), 1)
    add_slot(engine, world.commune_a.id, "Chiều", time(17, 0), 1)
    campaign = add_campaign(engine, "Chiến dịch", [world.province.id], target_minutes_per_week=2)
    audio = [make_mp3(store, 10, 300 + 50 * i) for i in range(3)]
    contents = [add_content(engine, f"Tin {i}", [world.province.id], a, campaign_id=campaign)
                for i, a in enumerate(audio)]
    return {"campaign": campaign, "contents": contents, "audio": audio}


def _current(engine, cluster_id, day=DAY) -> Playlist | None:
    with Session(engine) as s:
        return current_playlist(s, cluster_id, day)


def _counts(engine, day=DAY) -> dict[str, int]:
    with Session(engine) as s:
        current = s.exec(select(func.count()).select_from(Playlist).where(
            Playlist.day == day, col(Playlist.is_current).is_(True))).one()
        total = s.exec(select(func.count()).select_from(Playlist).where(Playlist.day == day)).one()
        items = s.exec(select(func.count()).select_from(PlaylistItem).where(PlaylistItem.day == day)).one()
    return {"current": current, "total": total, "items": items}


def test_build_publishes_one_current_playlist_per_cluster(engine, world, scene, settings):
    result = build_day(engine, day=DAY, tz=settings.tz)
    assert result.clusters == 5 and result.written == 5 and result.unchanged == 0
    assert result.groups == 3  # commune A (two slots), commune B (one slot), the other province (nothing)
    assert _counts(engine)["current"] == 5
    with Session(engine) as s:
        items = published_items(s, day_from=DAY, day_to=DAY, cluster_ids=[world.clusters_a[0].id])
        empty = published_items(s, day_from=DAY, day_to=DAY, cluster_ids=[world.other_cluster.id])
    assert [(i.slot_name, i.position) for i in items] == [("Sáng", 0), ("Sáng", 1), ("Sáng", 2), ("Chiều", 0),
                                                          ("Chiều", 1), ("Chiều", 2)]
    assert {i.content_id for i in items} == set(scene["contents"]) and empty == []
    assert all(i.revision_id is not None and i.campaign_id == scene["campaign"] for i in items)


def test_titles_are_written_as_typed(engine, world, store, settings):
    """Tabs, line breaks and backslashes are COPY's own delimiters: the bulk writer must not trip on them."""
    add_slot(engine, world.commune_a.id, "Sáng", time(6, 0), 1)
    title = "Thông báo\tkhẩn\nvề lũ \\N \\ ống thoát nước\r — “ngay”"
    content_id = add_content(engine, title, [world.commune_a.id], make_mp3(store, 10, 700))
    build_day(engine, day=DAY, tz=settings.tz, area_id=world.commune_a.id)
    with Session(engine) as s:
        items = published_items(s, day_from=DAY, day_to=DAY, cluster_ids=[world.clusters_a[0].id])
    assert [(i.content_id, i.title) for i in items] == [(content_id, title)]


def test_unchanged_inputs_are_not_rewritten(engine, world, scene, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    before = _current(engine, world.clusters_a[0].id)
    again = build_day(engine, day=DAY, tz=settings.tz)
    assert again.written == 0 and again.unchanged == 5 and again.items == 0
    after = _current(engine, world.clusters_a[0].id)
    assert (after.id, after.version, after.etag) == (before.id, before.version, before.etag)
    assert _counts(engine)["total"] == 5


def test_a_failing_build_leaves_the_previous_version(engine, world, scene, store, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    before = {c.id: _current(engine, c.id) for c in world.clusters_a + world.clusters_b}
    add_content(engine, "Tin mới", [world.province.id], make_mp3(store, 5, 900))
    calls = []

    def failing(done, total, message):
        # Told when planning starts, then after each chunk of new versions has committed: the
        # second call comes after a new version was written, and the build dies there.
        calls.append(message)
        if len(calls) == 2:
            raise RuntimeError("đĩa đầy (giả lập)")

    with pytest.raises(RuntimeError, match="giả lập"):
        build_day(engine, day=DAY, tz=settings.tz, chunk_clusters=1, progress=failing)
    assert len(calls) >= 2  # a new version was written, then the build died (PostgreSQL writes on two lanes)
    for cid, playlist in before.items():
        now = _current(engine, cid)
        assert (now.id, now.version, now.etag) == (playlist.id, playlist.version, playlist.etag)
    assert _counts(engine)["total"] == 5  # the half-written version was cleaned up
    with Session(engine) as s:
        last = s.exec(select(PlaylistBuild).order_by(col(PlaylistBuild.id).desc())).first()
    assert last.status == "failed" and "giả lập" in last.error
    result = build_day(engine, day=DAY, tz=settings.tz)
    assert result.written == 4 and _current(engine, world.clusters_a[0].id).version == 2


# A real process, killed for real (SIGKILL: no cleanup, no finally) once a first chunk of new versions
# has committed: the build tells its progress after each chunk, and this one dies on hearing it.
_KILLER = textwrap.dedent("""
    import os, signal, sys
    from datetime import date
    from zoneinfo import ZoneInfo
    from core.db import make_engine
    from playlists.service import build_day

    def killed(done, total, message):
        if message.startswith("Đã ghi"):
            print("killing", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    build_day(make_engine(sys.argv[1]), day=date.fromisoformat(sys.argv[2]), tz=ZoneInfo("Asia/Ho_Chi_Minh"),
              chunk_clusters=1, progress=killed)
""")


def test_a_killed_build_leaves_the_previous_version_and_its_lock(engine, world, scene, store, settings, tmp_path):
    build_day(engine, day=DAY, tz=settings.tz)
    before = _current(engine, world.clusters_b[0].id)
    add_content(engine, "Tin mới", [world.province.id], make_mp3(store, 5, 900))
    script = tmp_path / "killer.py"
    script.write_text(_KILLER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(script), engine.url.render_as_string(hide_password=False),
                           DAY.isoformat()], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert "killing" in proc.stdout
    now = _current(engine, world.clusters_b[0].id)
    assert (now.id, now.version, now.etag) == (before.id, before.version, before.etag)
    assert _counts(engine)["total"] > 5  # orphans of the killed build are there, none of them current
    assert _counts(engine)["current"] == 5
    # The dead process's lock is gone with it: the next build runs, cleans up and publishes version 2.
    result = build_day(engine, day=DAY, tz=settings.tz, lock_wait_seconds=5)
    assert result.written == 4
    assert _counts(engine)["total"] == 5 + 4
    with Session(engine) as s:
        statuses = [b.status for b in s.exec(select(PlaylistBuild).order_by(col(PlaylistBuild.id)))]
    assert statuses == ["published", "failed", "published"]


def test_concurrent_builds_are_serialised(engine, world, scene, store, settings):
    build_day(engine, day=DAY, tz=settings.tz)
    add_content(engine, "Tin mới", [world.province.id], make_mp3(store, 5, 900))
    errors: list[BaseException] = []

    def run():
        try:
            build_day(engine, day=DAY, tz=settings.tz)
        except BaseException as exc:  # recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert _counts(engine)["current"] == 5
    assert _current(engine, world.clusters_a[0].id).version == 2  # one rewrite; the other two found it unchanged


def test_thousands_of_clusters_fall_into_few_groups(engine, world, scene, settings):
    with session_scope(engine) as s:
        for i in range(300):
            create_area(s, AreaCreate(name=f"Cụm {i}", level=AreaLevel.cluster, parent_id=world.commune_b.id))
    result = build_day(engine, day=DAY, tz=settings.tz, chunk_clusters=128)
    assert result.clusters == 305 and result.groups == 3 and result.written == 305
    assert _counts(engine)["items"] == 2 * 6 + 302 * 3


def test_history_rotates_items_and_counts_the_week(engine, world, store, settings):
    """A slot that holds one item: each day plays the least recently planned one."""
    add_slot(engine, world.commune_a.id, "Ngắn", time(6, 0), 1)
    campaign = add_campaign(engine, "C", [world.commune_a.id], target_minutes_per_week=1)
    ids = [add_content(engine, f"Tin {i}", [world.commune_a.id], make_mp3(store, 40, 300 + 40 * i),
                       campaign_id=campaign) for i in range(3)]
    played = []
    for offset in range(4):
        build_day(engine, day=DAY + timedelta(days=offset), tz=settings.tz, area_id=world.commune_a.id)
        with Session(engine) as s:
            items = published_items(s, day_from=DAY + timedelta(days=offset), day_to=DAY + timedelta(days=offset),
                                    cluster_ids=[world.clusters_a[0].id])
        played.append([i.content_id for i in items])
    assert played == [[ids[0]], [ids[1]], [ids[2]], [ids[0]]]
    # Rebuilding an earlier day changes the history of the later ones: their inputs change.
    result = build_day(engine, day=DAY + timedelta(days=3), tz=settings.tz, area_id=world.commune_a.id)
    assert result.unchanged == 2


def test_content_changed_rebuilds_today_for_affected_clusters(client, engine, world, scene, store, settings):
    from core.timeutil import now_utc

    today = now_utc().astimezone(settings.tz).date()
    build_day(engine, day=today, tz=settings.tz)
    b_before = _current(engine, world.clusters_b[0].id, today)
    new = add_content(engine, "Tin xã A", [world.commune_a.id], make_mp3(store, 5, 950))
    with session_scope(engine) as s:
        task = tasks.submit(s, "playlists.tasks:content_changed", title="t", kwargs={"content_id": new})
    done = tasks.wait(engine, task.id, timeout=60)
    assert done.status == "done", done.error
    assert done.result["clusters"] == 2
    a_now = _current(engine, world.clusters_a[0].id, today)
    assert a_now.version == 2
    with Session(engine) as s:
        assert new in {i.content_id for i in published_items(s, day_from=today, day_to=today,
                                                               cluster_ids=[world.clusters_a[0].id])}
    assert _current(engine, world.clusters_b[0].id, today).etag == b_before.etag
    # Withdrawn: gone from today's playlists at once.
    withdraw_content(engine, new)
    with session_scope(engine) as s:
        task = tasks.submit(s, "playlists.tasks:content_changed", title="t", kwargs={"content_id": new})
    assert tasks.wait(engine, task.id, timeout=60).status == "done"
    with Session(engine) as s:
        assert new not in {i.content_id for i in published_items(s, day_from=today, day_to=today)}
    assert _current(engine, world.clusters_a[0].id, today).version == 3


def test_campaign_period_bounds_its_content(engine, world, store, settings):
    add_slot(engine, world.commune_a.id, "Sáng", time(6, 0), 1)
    campaign = add_campaign(engine, "Ngắn hạn", [world.commune_a.id], starts_on=DAY + timedelta(days=1),
                            ends_on=DAY + timedelta(days=1))
    cid = add_content(engine, "Tin chiến dịch", [world.commune_a.id], make_mp3(store, 5), campaign_id=campaign)
    for offset, expected in ((0, set()), (1, {cid}), (2, set())):
        day = DAY + timedelta(days=offset)
        build_day(engine, day=day, tz=settings.tz, area_id=world.commune_a.id)
        with Session(engine) as s:
            assert {i.content_id for i in published_items(s, day_from=day, day_to=day)} == expected
