"""A named lock shared by every process that uses the same database.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own,
  held until released. The server drops it when that connection or the process dies, so a crashed
  holder never blocks its successor.
- SQLite: an exclusive `flock` on a lock file (default: beside the database file, `<db>.<name>.lock`).
  The kernel drops it when the process dies. (A SQLite database is only ever used from one machine.)
- SQLite in memory: a lock within this process (an in-memory database is never shared with another).

Two ways to hold one: `db_lock(...)` for a block of work (the playlist builder: wait, work, release),
or `DatabaseLock(...).acquire()` ... `.release()` for a lock held for a process's lifetime (the
scheduler, which also asks `still_held()` to notice a lost PostgreSQL connection).
"""

import fcntl
import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1

_thread_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
_thread_locks_guard = threading.Lock()


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of a lock name (a signed 64-bit hash of "loaxa:<name>")."""
    return int.from_bytes(hashlib.sha256(f"loaxa:{name}".encode()).digest()[:8], "big", signed=True)


def default_lock_file(engine: Engine, name: str) -> Path | None:
    """`<database file>.<name>.lock` for a SQLite file, None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.{name}.lock")


class DatabaseLock:
    """One named lock of one database; not re-entrant, and not shared between threads."""

    def __init__(self, engine: Engine, name: str, *, lock_file: Path | None = None) -> None:
        self.engine = engine
        self.name = name
        self.path = lock_file or (None if engine.dialect.name == "postgresql" else default_lock_file(engine, name))
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None
        self._thread_lock: threading.Lock | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None or self._thread_lock is not None

    def acquire(self, wait_seconds: float | None = 0) -> bool:
        """Take the lock; True if this holder now has it. `0` tries once, `None` waits for ever."""
        if self.held:
            return True
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        if self.engine.dialect.name == "postgresql":
            return self._acquire_advisory(deadline)
        if self.path is None:
            return self._acquire_thread_lock(wait_seconds)
        return self._acquire_file(self.path, deadline)

    def still_held(self) -> bool:
        """For a long-lived holder: a PostgreSQL lock dies with its connection."""
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
            except sa.exc.DBAPIError:
                log.error("lock %s: connection lost", self.name)
                # The lock went with the connection: drop it, so that release() has nothing to undo.
                self._conn.invalidate()
                self._conn.close()
                self._conn = None
                return False
            return True
        return self.held

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(self.name)})
                self._conn.commit()
            except sa.exc.SQLAlchemyError:  # a dead connection, or one that must be rolled back first
                log.warning("lock %s: could not unlock (the connection is gone, so is the lock)", self.name)
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._thread_lock is not None:
            self._thread_lock.release()
            self._thread_lock = None

    def _acquire_advisory(self, deadline: float | None) -> bool:
        conn = self.engine.connect()
        try:
            while True:
                taken = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"),
                                          {"k": advisory_key(self.name)}).scalar())
                conn.commit()
                if taken or _expired(deadline):
                    break
                time.sleep(POLL_SECONDS)
        except BaseException:
            conn.close()
            raise
        if not taken:
            conn.close()
            return False
        self._conn = conn
        return True

    def _acquire_file(self, path: Path, deadline: float | None) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - held open while the lock is held
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if _expired(deadline):
                    handle.close()
                    return False
                time.sleep(POLL_SECONDS)
                continue
            self._file = handle
            return True

    def _acquire_thread_lock(self, wait_seconds: float | None) -> bool:
        with _thread_locks_guard:
            lock = _thread_locks[f"{id(self.engine)}:{self.name}"]
        if not lock.acquire(timeout=-1 if wait_seconds is None else wait_seconds):
            return False
        self._thread_lock = lock
        return True


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


@contextmanager
def db_lock(engine: Engine, name: str, *, wait_seconds: float | None = 0,
            lock_file: Path | None = None) -> Iterator[bool]:
    """Hold the lock `name` for a block; yields False if it was not taken within `wait_seconds`."""
    lock = DatabaseLock(engine, name, lock_file=lock_file)
    taken = lock.acquire(wait_seconds)
    try:
        yield taken
    finally:
        lock.release()
