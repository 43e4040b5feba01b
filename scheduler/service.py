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
  second finds the lock taken and stands by: it retries the lock every
  LOAXA_SCHEDULER_STANDBY_SECONDS (5 s) and, once its holder is gone, starts the scheduler exactly as
  the holder did (fail-over). A holder that loses its lock stops its jobs and stands by in turn.
- A successor never runs again what the dead holder ran: APScheduler advances a job's next run time
  in the shared job store as it hands the run to its executor, so the successor reads the next
  period; only a holder killed between those two steps leaves that run due, and then the successor
  runs it once more (coalesced), which is harmless because every job is idempotent (a build of an
  unchanged day writes nothing; expiry and pruning find nothing left to do). A run the holder began
  but did not finish is completed by the start-up catch-up (today and tomorrow without a full build).
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

import sqlalchemy as sa
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
# How often the active scheduler checks that it still holds its lock (a PostgreSQL connection can die
# while the process lives). A standby that takes a PostgreSQL lock waits a little longer than this
# before running jobs, so that a holder which lost its connection has stopped first.
WATCHDOG_SECONDS = 5.0
EXPIRE_AT = time(0, 5)
PRUNE_AT = time(3, 30)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    trigger: CronTrigger
    name: str


def _hhmm(value: str) -> time:
    """HH:MM, or HH:MM:SS (a test that waits for the nightly job sets a time seconds away)."""
    try:
        parts = [int(part) for part in value.split(":")]
        if len(parts) not in (2, 3):
            raise ValueError(value)
        return time(parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
    except ValueError as exc:
        raise ValueError(f"LOAXA_NIGHTLY_BUILD_TIME phải có dạng HH:MM (hoặc HH:MM:SS), nhận {value!r}") from exc


def job_specs(settings: Settings, engine: Engine | None = None) -> list[JobSpec]:
    tz = settings.tz
    build_at = _hhmm(settings.nightly_build_time)

    def daily(at: time) -> CronTrigger:
        # `second` only when set: a stored job whose trigger repr changed would be rescheduled (ensure_jobs)
        seconds = {"second": at.second} if at.second else {}
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=tz, **seconds)

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
    """This process's part in the deployment's scheduler: active (holds the lock and runs the jobs) or
    standby (retries the lock every `retry_seconds` and activates once the holder is gone).

    One supervisor thread does both: while standing by it retries the lock; while active it checks the
    lock every WATCHDOG_SECONDS. `shutdown()` stops that thread, the scheduler and releases the lock.
    """

    def __init__(self, lock: SchedulerLock, activate: Callable[[], BackgroundScheduler], *,
                 retry_seconds: float, takeover_grace_seconds: float = 0.0, describe: str = "") -> None:
        self.lock = lock
        self.scheduler: BackgroundScheduler | None = None
        self._activate = activate
        self.retry_seconds = retry_seconds
        self.takeover_grace_seconds = takeover_grace_seconds
        self._describe = describe
        self._stop = threading.Event()
        # Taken for every change of state, so that shutdown() never races an activation.
        self._state = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def try_activate(self, grace_seconds: float = 0.0) -> bool:
        """Take the lock if it is free and start the scheduler; True if this process is now active.

        `grace_seconds`: hold the lock that long before starting, without running jobs (see WATCHDOG_SECONDS).
        """
        with self._state:
            if self._stop.is_set():
                return False
            if self.scheduler is not None:
                return True
            if not self.lock.acquire():
                return False
        if grace_seconds and self._stop.wait(grace_seconds):
            return False  # shut down meanwhile: shutdown() released the lock
        with self._state:
            if self._stop.is_set():
                return False
            if not self.lock.still_held():
                self.lock.release()
                return False
            try:
                self.scheduler = self._activate()
            except BaseException:
                self.lock.release()
                raise
            return True

    def supervise(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name="loaxa-scheduler-lock", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stop.is_set():
            if self.scheduler is None:
                self._stand_by()
            elif not self._stop.wait(WATCHDOG_SECONDS):
                self._check_lock()

    def _stand_by(self) -> None:
        if self._stop.wait(self.retry_seconds):
            return
        try:
            if self.try_activate(self.takeover_grace_seconds):
                log.warning("scheduler fail-over: this process took the lock (%s) and is now the active "
                            "scheduler", self._describe)
        except sa.exc.DBAPIError as exc:
            log.warning("scheduler standby: database unreachable (%s); retrying", type(exc).__name__)
        except Exception:
            log.exception("could not start the scheduler after taking its lock; retrying")

    def _check_lock(self) -> None:
        # A PostgreSQL advisory lock dies with its connection: then another scheduler may start,
        # so this one must stop running jobs at once, and stand by in its turn.
        with self._state:
            if self._stop.is_set() or self.lock.still_held():
                return
            log.error("scheduler lock lost: stopping this scheduler so that jobs never run twice; standing by")
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
            self.lock.release()

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        with self._state:
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
            self.scheduler = None
            self.lock.release()  # also a lock taken during a takeover's grace; a no-op if not held
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=WATCHDOG_SECONDS)


def activate(settings: Settings, engine: Engine, *, tablename: str = JOBSTORE_TABLE, catch_up: bool = True,
             specs: list[JobSpec] | None = None) -> BackgroundScheduler:
    """Start the scheduler; only for the lock's holder (see `start`)."""
    jobs.configure(settings, engine)
    scheduler = create_scheduler(settings, engine, tablename=tablename)
    scheduler.start(paused=True)
    try:
        ensure_jobs(scheduler, job_specs(settings, engine) if specs is None else specs)
        if catch_up:
            scheduler.add_job("scheduler.jobs:ensure_days_built", DateTrigger(now_utc()), id="startup-catch-up",
                              name="Bù lượt lập danh sách bị lỡ", jobstore="memory", replace_existing=True,
                              misfire_grace_time=None)
        scheduler.resume()
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    log.info("scheduler started; next runs: %s",
             ", ".join(f"{j.id} {j.next_run_time:%Y-%m-%d %H:%M %Z}" for j in scheduler.get_jobs()
                       if isinstance(j.next_run_time, datetime)))
    return scheduler


def start(settings: Settings, engine: Engine, *, tablename: str = JOBSTORE_TABLE, catch_up: bool = True,
          specs: list[JobSpec] | None = None, retry_seconds: float | None = None) -> RunningScheduler:
    """Start the deployment's scheduler if no other process runs it; otherwise stand by to take over."""
    lock = SchedulerLock(engine, settings.data_dir)
    describe = "PostgreSQL advisory lock" if engine.dialect.name == "postgresql" else str(lock.path)
    running = RunningScheduler(
        lock,
        lambda: activate(settings, engine, tablename=tablename, catch_up=catch_up, specs=specs),
        retry_seconds=settings.scheduler_standby_seconds if retry_seconds is None else retry_seconds,
        # A flock is freed only by its holder's release or death; an advisory lock also by a lost connection.
        takeover_grace_seconds=WATCHDOG_SECONDS + 1.0 if engine.dialect.name == "postgresql" else 0.0,
        describe=describe,
    )
    if not running.try_activate():
        log.warning("another loaxa scheduler holds the lock (%s): this process stands by and retries every %s s",
                    describe, running.retry_seconds)
    running.supervise()
    return running


def start_embedded(settings: Settings, engine: Engine) -> RunningScheduler:
    """The in-process scheduler of `loaxa serve` (the API's lifespan calls `.shutdown()`)."""
    return start(settings, engine)


def run_standalone(settings: Settings, engine: Engine) -> int:
    """`loaxa scheduler`: run the scheduler (or stand by for it) in the foreground until SIGINT/SIGTERM."""
    from core import tasks

    tasks.configure(engine, backend=settings.task_backend, workers=settings.task_workers,
                    redis_url=settings.redis_url)
    running = start(settings, engine)
    stop = threading.Event()

    def _signal(_signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _signal)
    signal.signal(signal.SIGTERM, _signal)
    try:
        # Active or standing by, this process lives until it is told to stop.
        while not stop.wait(1.0):
            pass
    finally:
        running.shutdown()
        tasks.shutdown()
    return 0
