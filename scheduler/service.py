"""The one APScheduler (3.11) of a deployment: nightly builds, content expiry, housekeeping.

- Jobs live in a SQLAlchemy job store in the application's database (table `apscheduler_jobs`,
  created by APScheduler itself), so they survive restarts. They are referenced as
  "scheduler.jobs:<function>" with ids only (the store pickles references, not objects).
- Every job has an explicit `misfire_grace_time` (settings.misfire_grace_seconds) and
  `coalesce=True`: after a restart that missed one or several runs, the job runs once, not once per
  missed run, if the miss is within the grace time. A one-off start-up job then builds today and
  tomorrow if no full build of them was ever published, so even a miss beyond the grace time is
  caught up once.
- Start-up never resets a stored job's next run time (that would lose a missed run): jobs are
  added only when missing, and rescheduled only when their configured time changed.
- Exactly one scheduler runs per deployment: see scheduler.lock. `loaxa serve` starts one embedded
  (unless LOAXA_SCHEDULER_ENABLED=false); `loaxa scheduler` runs one on its own. Whichever starts
  second finds the lock taken and runs no jobs.
"""

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, time

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.engine import Engine

from core.config import Settings
from core.timeutil import now_utc
from scheduler import jobs
from scheduler.lock import SchedulerLock

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
WATCHDOG_SECONDS = 30.0
EXPIRE_AT = time(0, 5)
PRUNE_AT = time(3, 30)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    trigger: CronTrigger
    name: str


def _hhmm(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"LOAXA_NIGHTLY_BUILD_TIME phải có dạng HH:MM, nhận {value!r}") from exc


def job_specs(settings: Settings, engine: Engine | None = None) -> list[JobSpec]:
    tz = settings.tz
    build_at = _hhmm(settings.nightly_build_time)

    def daily(at: time) -> CronTrigger:
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)

    return [
        JobSpec("nightly-build", "scheduler.jobs:nightly_build", daily(build_at), "Lập danh sách phát ngày mai"),
        JobSpec("expire-content", "scheduler.jobs:expire_content", daily(EXPIRE_AT), "Gỡ nội dung hết hạn"),
        JobSpec("prune-playlists", "scheduler.jobs:prune_playlists", daily(PRUNE_AT), "Dọn phiên bản cũ"),
        JobSpec("check-alarms", "scheduler.jobs:check_alarms", CronTrigger(minute="*", timezone=tz),
                "Cảnh báo cụm loa"),
        *demo_specs(engine, tz),
    ]


def demo_specs(engine: Engine | None, tz) -> list[JobSpec]:
    """The demo's simulated heartbeats: a job that exists only where `loaxa demo` made simulated devices."""
    from devices.demo import has_simulated_devices

    if engine is None or not has_simulated_devices(engine):
        return []
    return [JobSpec("simulate-demo-devices", "scheduler.jobs:simulate_demo_devices",
                    CronTrigger(second="*/30", timezone=tz), "Thiết bị mô phỏng (dữ liệu mẫu)")]


class _Scheduler(BackgroundScheduler):
    def _process_jobs(self):
        # APScheduler 3.11 wakes its thread for one more pass after shutdown(); a job due at that
        # moment is handed to the closed executor, fails, and its next run time is advanced anyway:
        # the missed run would be lost instead of caught up at the next start.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def create_scheduler(settings: Settings, engine: Engine, *, tablename: str = JOBSTORE_TABLE) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=tablename),
                   "memory": MemoryJobStore()},
        job_defaults={"misfire_grace_time": settings.misfire_grace_seconds, "coalesce": True, "max_instances": 1},
        timezone=settings.tz,
    )


def ensure_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> None:
    """Add missing jobs; reschedule only those whose trigger changed. Call while started and paused."""
    for spec in specs:
        existing = scheduler.get_job(spec.id, jobstore="default")
        if existing is None:
            scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.name, jobstore="default",
                              replace_existing=True)
            log.info("scheduled %s (%s)", spec.id, spec.trigger)
        elif repr(existing.trigger) != repr(spec.trigger) or existing.func_ref != spec.func:
            scheduler.modify_job(spec.id, jobstore="default", func=spec.func, name=spec.name)
            scheduler.reschedule_job(spec.id, jobstore="default", trigger=spec.trigger)
            log.info("rescheduled %s (%s)", spec.id, spec.trigger)


class RunningScheduler:
    """A started scheduler and the lock that makes it the only one; `shutdown()` releases both."""

    def __init__(self, scheduler: BackgroundScheduler | None, lock: SchedulerLock | None) -> None:
        self.scheduler = scheduler
        self.lock = lock
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        if scheduler is not None and lock is not None:
            self._watchdog = threading.Thread(target=self._watch, name="loaxa-scheduler-lock", daemon=True)
            self._watchdog.start()

    @property
    def active(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def _watch(self) -> None:
        # A PostgreSQL advisory lock dies with its connection: then another scheduler may start,
        # so this one must stop running jobs at once.
        while not self._stop.wait(WATCHDOG_SECONDS):
            if self.lock is not None and not self.lock.still_held():
                log.error("scheduler lock lost: stopping this scheduler so that jobs never run twice")
                if self.scheduler is not None and self.scheduler.running:
                    self.scheduler.shutdown(wait=False)
                return

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if self.lock is not None:
            self.lock.release()


def start(settings: Settings, engine: Engine, *, tablename: str = JOBSTORE_TABLE, catch_up: bool = True,
          specs: list[JobSpec] | None = None) -> RunningScheduler:
    """Start the deployment's scheduler if no other process runs it; otherwise return an inactive one."""
    lock = SchedulerLock(engine, settings.data_dir)
    if not lock.acquire():
        log.warning("another loaxa scheduler holds the lock (%s): this process runs no scheduled jobs",
                    "PostgreSQL advisory lock" if engine.dialect.name == "postgresql" else lock.path)
        return RunningScheduler(None, None)
    try:
        jobs.configure(settings, engine)
        scheduler = create_scheduler(settings, engine, tablename=tablename)
        scheduler.start(paused=True)
        ensure_jobs(scheduler, job_specs(settings, engine) if specs is None else specs)
        if catch_up:
            scheduler.add_job("scheduler.jobs:ensure_days_built", DateTrigger(now_utc()), id="startup-catch-up",
                              name="Bù lượt lập danh sách bị lỡ", jobstore="memory", replace_existing=True,
                              misfire_grace_time=None)
        scheduler.resume()
    except BaseException:
        lock.release()
        raise
    log.info("scheduler started; next runs: %s",
             ", ".join(f"{j.id} {j.next_run_time:%Y-%m-%d %H:%M %Z}" for j in scheduler.get_jobs()
                       if isinstance(j.next_run_time, datetime)))
    return RunningScheduler(scheduler, lock)


def start_embedded(settings: Settings, engine: Engine) -> RunningScheduler:
    """The in-process scheduler of `loaxa serve` (the API's lifespan calls `.shutdown()`)."""
    return start(settings, engine)


def run_standalone(settings: Settings, engine: Engine) -> int:
    """`loaxa scheduler`: run the scheduler in the foreground until SIGINT/SIGTERM. Returns an exit code."""
    from core import tasks

    tasks.configure(engine, backend=settings.task_backend, workers=settings.task_workers,
                    redis_url=settings.redis_url)
    running = start(settings, engine)
    if not running.active:
        tasks.shutdown()
        return 1
    stop = threading.Event()

    def _signal(_signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _signal)
    signal.signal(signal.SIGTERM, _signal)
    try:
        while not stop.wait(1.0):
            if not running.active:
                log.error("scheduler stopped (lock lost); exiting")
                return 1
    finally:
        running.shutdown()
        tasks.shutdown()
    return 0
