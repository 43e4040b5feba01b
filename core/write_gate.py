"""Back-pressure for the writes devices send in bursts (as-run batches, heartbeats).

After an outage, or every morning, hundreds of devices flush at once. SQLite has one writer: without a
gate every request takes a database session and a worker thread, then sleeps in SQLite's busy handler
or in the queue for a session, and neither is bounded: the more devices, the longer each waits, up to
the 30 s busy timeout and then errors. So, in two steps:

- `admit()`, before the request holds anything: `in_flight` device writes at once (enough that one is
  always ready when a slot frees up); the others wait their turn in the event loop, where waiting costs
  no thread and no connection, in a BOUNDED line (`max_waiting`) for `wait_s` at most;
- `slot()`, around the write and its commit only: `slots` writers at once (one for SQLite; on PostgreSQL
  a share of the pool). Routes are sync functions run in worker threads and the slot must cover the
  commit made in that thread, hence a threading semaphore (its waiters are the few admitted requests).

A request that finds the line full or waits too long is refused at once with `Busy` (503 + Retry-After):
the device keeps its batch and sends it again, and the ingest is idempotent by event id, so a resent
batch is stored exactly once. Retry-After is a virtual queue: each refused request is told when its turn
should come (the backlog already promised, at the measured pace a writer slot frees up), so a thousand
devices refused together come back spread out instead of all in the same second.
"""

import asyncio
import math
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio

from core.errors import Busy

# How fast the measured pace follows the latest writes (a moving average).
_SMOOTHING = 0.2


class WriteGate:
    """`slots` writers at once; 0 means no gate (every write goes straight to the database)."""

    def __init__(self, slots: int, *, in_flight: int | None = None, wait_s: float = 3.0, max_waiting: int = 100,
                 retry_after_max_s: int = 60) -> None:
        self.slots, self.wait_s, self.max_waiting = slots, wait_s, max_waiting
        self.retry_after_max_s = retry_after_max_s
        self.in_flight_max = max(slots + 1, in_flight or 2 * slots + 2)
        # How often a slot frees up: a write's time in its slot over the number of slots. A first guess,
        # then measured. Optimistic on purpose (the request's other work is not in it): a device that comes
        # back a little early is refused again at the cost of one small answer, while one told to come back
        # too late leaves the database idle.
        self.pace_s = 0.05
        self.refused = 0
        self._writers = threading.Semaphore(slots) if slots > 0 else None
        self._lock = threading.Lock()  # guards the counters and the estimate (event loop and worker threads)
        self._backlog = 0  # admitted or waiting to be
        self._promised_until = 0.0
        # anyio's semaphore belongs to the event loop that first used it (tests run several loops).
        self._admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = \
            weakref.WeakKeyDictionary()

    def _refusal(self) -> Busy:
        """The refusal, with this request's place in the virtual queue."""
        with self._lock:
            now = time.monotonic()
            ahead = max(self._promised_until, now + self._backlog * self.pace_s)
            self._promised_until = ahead + self.pace_s
            self.refused += 1
            wait = min(self.retry_after_max_s, max(1, math.ceil(self._promised_until - now)))
        return Busy(f"Máy chủ đang ghi dữ liệu của nhiều thiết bị cùng lúc: hãy gửi lại sau {wait} giây "
                    "(gửi lại cả lô cũng không bị ghi trùng).", retry_after_s=wait)

    def _admission(self) -> anyio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._admissions.get(loop)
        if semaphore is None:
            semaphore = self._admissions[loop] = anyio.Semaphore(self.in_flight_max)
        return semaphore

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """One device write in flight for the block (the whole request), or `Busy`. Awaited in the event
        loop before the request holds a database session or a worker thread."""
        if self._writers is None:
            yield
            return
        admission = self._admission()
        waiting = admission.statistics().tasks_waiting
        # A full line, or one that will not move up within wait_s: refused now rather than after waiting.
        if admission.value == 0 and (waiting >= self.max_waiting or waiting * self.pace_s > self.wait_s):
            raise self._refusal()
        with self._lock:
            self._backlog += 1
        try:
            admitted = False
            with anyio.move_on_after(self.wait_s):
                await admission.acquire()
                admitted = True
            if not admitted:
                raise self._refusal()
            try:
                yield
            finally:
                admission.release()
        finally:
            with self._lock:
                self._backlog -= 1

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one writer slot for the block (the write and its commit), or `Busy` after `wait_s`."""
        if self._writers is None:
            yield
            return
        if not self._writers.acquire(timeout=self.wait_s):
            raise self._refusal()
        acquired_at = time.monotonic()
        try:
            yield
        finally:
            self._writers.release()
            with self._lock:
                self.pace_s += _SMOOTHING * ((time.monotonic() - acquired_at) / self.slots - self.pace_s)
