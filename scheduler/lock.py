"""Exactly one scheduler per deployment.

APScheduler's job stores must never be shared by two running schedulers (two processes on one
store run every job twice), so a scheduler starts only while it holds a lock that every process of
the deployment sees: the database lock of `core.lock` named "scheduler" (a PostgreSQL advisory lock
held on a dedicated connection for the scheduler's lifetime, or an exclusive `flock` on
`scheduler.lock` in the data directory with SQLite). Either is released when its holder dies, so a
crashed scheduler never blocks its successor.

A second `loaxa serve` or `loaxa scheduler` finds the lock taken and stands by: it retries
`acquire()` every LOAXA_SCHEDULER_STANDBY_SECONDS and starts the scheduler once the holder's death
has released the lock (scheduler.service.RunningScheduler).
"""

from pathlib import Path

from sqlalchemy.engine import Engine

from core.lock import DatabaseLock

LOCK_NAME = "scheduler"
LOCK_FILE = "scheduler.lock"


class SchedulerLock(DatabaseLock):
    """The scheduler's lock: `acquire()` tries once; `still_held()` is the watchdog's question."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        super().__init__(engine, LOCK_NAME, lock_file=Path(data_dir) / LOCK_FILE)
