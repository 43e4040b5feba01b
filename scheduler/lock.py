"""Exactly one scheduler per deployment.

APScheduler's job stores must never be shared by two running schedulers (two processes on one
store run every job twice), so a scheduler starts only while it holds a lock that every process of
the deployment sees:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`), held on a dedicated
  connection for the scheduler's lifetime. The server releases it when that connection or the
  process dies, so a crashed scheduler never blocks its successor.
- SQLite: an exclusive `flock` on `scheduler.lock` in the data directory. The kernel releases it
  when the process dies. (A SQLite database is only ever used from one machine.)

A second `loaxa serve` or `loaxa scheduler` finds the lock taken and runs without a scheduler.
"""

import fcntl
import hashlib
import logging
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

LOCK_NAME = "loaxa:scheduler"
LOCK_FILE = "scheduler.lock"


def advisory_key(name: str = LOCK_NAME) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class SchedulerLock:
    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.path = Path(data_dir) / LOCK_FILE
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def acquire(self) -> bool:
        """Try once; True if this process now holds the lock."""
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            try:
                taken = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key()}).scalar())
                conn.commit()
            except BaseException:
                conn.close()
                raise
            if not taken:
                conn.close()
                return False
            self._conn = conn
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for the scheduler's lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def still_held(self) -> bool:
        """For the watchdog: a PostgreSQL lock dies with its connection."""
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
            except sa.exc.DBAPIError:
                log.error("scheduler lock connection lost")
                return False
            return True
        return self._file is not None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key()})
                self._conn.commit()
            except sa.exc.DBAPIError:
                log.warning("could not unlock the scheduler lock (the connection is gone, so is the lock)")
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
