"""The scheduler: jobs persisted in the database, one catch-up after missed runs, exactly one scheduler per
deployment, and the jobs themselves (nightly build, expiry) against a real database."""

import subprocess
import sys
import time
import uuid
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from core.timeutil import now_utc
from playlists.queries import current_playlist, published_items
from playlists.service import build_day
from scheduler import jobs
from scheduler.service import JobSpec, start
from tests.playlists.helpers import add_content, add_slot, make_mp3, media_store, withdraw_content
from tests.scheduler import probe


@pytest.fixture
def table(engine):
    """A job-store table of this test's own (the PostgreSQL test database is shared by the run)."""
    name = f"apscheduler_jobs_{uuid.uuid4().hex[:8]}"
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))


def probe_specs() -> list[JobSpec]:
    """Made afresh at every start, as job_specs() makes the real ones (a stored job must survive that)."""
    return [JobSpec("probe", "tests.scheduler.probe:record", CronTrigger(minute="0,20,40", timezone="UTC"), "probe")]


def rare_probe_specs() -> list[JobSpec]:
    """The probe on a trigger that never fires during a test (no hour boundary can add a run of its own)."""
    return [JobSpec("probe", "tests.scheduler.probe:record", CronTrigger(year=2099, timezone="UTC"), "probe")]


def _wait_for(predicate, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_jobs_persist_and_missed_runs_are_caught_up_once(engine, settings, table):
    probe.RUNS.clear()
    first = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs())
    assert first.active
    with engine.connect() as conn:
        stored = conn.execute(sa.text(f'SELECT id FROM "{table}"')).scalars().all()
    assert stored == ["probe"]
    # The process is down for three hours: nine runs are missed.
    first.scheduler.pause()
    first.scheduler.modify_job("probe", next_run_time=now_utc() - timedelta(hours=3, minutes=5))
    first.shutdown()
    assert probe.RUNS == []

    second = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs())
    try:
        assert _wait_for(lambda: len(probe.RUNS) >= 1)
        time.sleep(0.5)
        assert len(probe.RUNS) == 1  # coalesced: once, not nine times
        job = second.scheduler.get_job("probe")
        assert job.next_run_time > now_utc()
        assert job.misfire_grace_time == settings.misfire_grace_seconds and job.coalesce
    finally:
        second.shutdown()


def test_restart_keeps_the_stored_schedule_and_applies_a_new_build_time(engine, settings, table):
    first = start(settings, engine, tablename=table, catch_up=False)
    job = first.scheduler.get_job("nightly-build")
    assert job.func_ref == "scheduler.jobs:nightly_build" and job.args == () and job.kwargs == {}
    assert (job.next_run_time.hour, job.next_run_time.minute) == (1, 30)
    assert {j.id for j in first.scheduler.get_jobs()} == {"nightly-build", "expire-content", "prune-playlists",
                                                         "check-alarms"}
    first.shutdown()
    later = settings.model_copy(update={"nightly_build_time": "02:45"})
    second = start(later, engine, tablename=table, catch_up=False)
    try:
        job = second.scheduler.get_job("nightly-build")
        assert (job.next_run_time.hour, job.next_run_time.minute) == (2, 45)
    finally:
        second.shutdown()


def test_a_second_scheduler_stands_by(engine, settings, table):
    probe.RUNS.clear()
    first = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs())
    try:
        second = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs(), retry_seconds=60)
        assert first.active and not second.active and second.scheduler is None
        second.shutdown()  # stops its standby thread, and must not release the first one's lock
        assert second._thread is not None and not second._thread.is_alive()
        third = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs(), retry_seconds=60)
        assert not third.active
        third.shutdown()
    finally:
        first.shutdown()
    fourth = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs())
    assert fourth.active
    fourth.shutdown()


def test_a_standby_takes_over_without_running_the_holders_run_again(engine, settings, table):
    probe.RUNS.clear()
    first = start(settings, engine, tablename=table, catch_up=False, specs=rare_probe_specs())
    standby = start(settings, engine, tablename=table, catch_up=False, specs=rare_probe_specs(), retry_seconds=0.2)
    try:
        assert first.active and not standby.active
        # The holder runs the probe's period now ...
        first.scheduler.modify_job("probe", next_run_time=now_utc())
        assert _wait_for(lambda: len(probe.RUNS) == 1, timeout=15)
        # ... and is gone: the standby takes over within its retry interval, and does not run it again.
        first.shutdown()
        assert _wait_for(lambda: standby.active, timeout=10)
        time.sleep(1.0)
        assert len(probe.RUNS) == 1
        assert standby.scheduler.get_job("probe").next_run_time > now_utc()
    finally:
        first.shutdown()
        standby.shutdown()
    assert not standby.active and not standby.lock.held


_HOLDER = """
import sys, time
from pathlib import Path
from core.db import make_engine
from scheduler.lock import SchedulerLock
lock = SchedulerLock(make_engine(sys.argv[1]), Path(sys.argv[2]))
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(600)
"""


def test_the_lock_is_shared_between_processes_and_dies_with_its_holder(engine, settings, table):
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, engine.url.render_as_string(hide_password=False), str(settings.data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs(), retry_seconds=0.2)
        time.sleep(0.5)
        assert not blocked.active
    finally:
        holder.kill()
        holder.wait(timeout=30)
    try:
        assert _wait_for(lambda: blocked.active, timeout=15)  # the holder's death frees the lock
    finally:
        blocked.shutdown()


@pytest.fixture
def scene(engine, world, settings):
    store = media_store(settings)
    add_slot(engine, world.province.id, "Sáng", dtime(6, 0), 1)
    content = add_content(engine, "Tin", [world.province.id], make_mp3(store, 5))
    jobs.configure(settings, engine)
    return content


def test_nightly_build_builds_tomorrow_and_catches_up_today(engine, world, settings, scene):
    today = now_utc().astimezone(settings.tz).date()
    result = jobs.nightly_build()
    assert result["tomorrow"]["playlists"] == 5 and result["today"]["playlists"] == 5
    with Session(engine) as s:
        assert current_playlist(s, world.clusters_a[0].id, today + timedelta(days=1)) is not None
        assert current_playlist(s, world.clusters_a[0].id, today) is not None
    again = jobs.nightly_build()
    assert again["tomorrow"]["written"] == 0 and "today" not in again
    assert jobs.ensure_days_built() == {}


def test_startup_catch_up_builds_missing_days(engine, world, settings, scene, table):
    today = now_utc().astimezone(settings.tz).date()
    running = start(settings, engine, tablename=table, catch_up=True, specs=[])
    try:

        def built() -> bool:
            with Session(engine) as s:
                return all(
                    current_playlist(s, world.clusters_b[0].id, d) is not None
                    for d in (today, today + timedelta(days=1))
                )

        assert _wait_for(built, timeout=30)
    finally:
        running.shutdown()


def test_expire_content_takes_withdrawn_content_out(engine, world, settings, scene):
    today = now_utc().astimezone(settings.tz).date()
    build_day(engine, day=today, tz=settings.tz)
    assert jobs.expire_content() == {}
    withdraw_content(engine, scene)
    result = jobs.expire_content()
    assert result[today.isoformat()]["written"] == 4
    with Session(engine) as s:
        assert published_items(s, day_from=today, day_to=today) == []


def test_prune_keeps_current_versions(engine, world, settings, scene):
    old = now_utc().astimezone(settings.tz).date() - timedelta(days=30)
    build_day(engine, day=old, tz=settings.tz)
    add_content(engine, "Tin mới", [world.province.id], make_mp3(media_store(settings), 3, 800))
    build_day(engine, day=old, tz=settings.tz)  # version 2; version 1 superseded
    assert jobs.prune_playlists() == {"deleted": 4}
    with Session(engine) as s:
        assert current_playlist(s, world.clusters_a[0].id, old).version == 2
        assert len(published_items(s, day_from=old, day_to=old)) == 4 * 2


def test_a_holder_that_loses_its_lock_stops_and_one_scheduler_goes_on(engine, settings, table, monkeypatch):
    """PostgreSQL: the server ends the holder's lock connection. The holder notices (watchdog), stops
    its jobs and stands by; exactly one of the two processes' schedulers runs afterwards, never both."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a flock cannot be lost while its holder lives")
    from scheduler import service

    monkeypatch.setattr(service, "WATCHDOG_SECONDS", 0.3)
    first = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs(), retry_seconds=0.2)
    second = start(settings, engine, tablename=table, catch_up=False, specs=probe_specs(), retry_seconds=0.2)
    try:
        assert first.active and not second.active
        with engine.connect() as conn:
            killed = conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalars().all()
        assert killed == [True]
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            assert not (first.active and second.active)
            time.sleep(0.01)
        assert _wait_for(lambda: first.active or second.active, timeout=10)
        assert first.active != second.active
        assert first._thread.is_alive() and second._thread.is_alive()
    finally:
        first.shutdown()
        second.shutdown()
