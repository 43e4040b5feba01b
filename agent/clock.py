"""The agent's clock and its offset to the server's.

`--clock` starts the agent's clock at a chosen instant; from there it runs at real speed on the
monotonic clock, so a jump of the system clock (NTP after a cold boot) never moves a slot under a
playing item. The offset to the server is measured from HTTP `Date` headers and only reported:
changing the device's clock is the operating system's job.
"""

import statistics
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_zone(name: str) -> tzinfo:
    """The deployment's zone; Vietnam has no DST, so a fixed +07:00 is exact when tzdata is missing."""
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # pragma: no cover - zoneinfo is in every Python we support
        return VIETNAM
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return VIETNAM


class AgentClock:
    """Aware UTC instants: real time, or a chosen start instant plus monotonic elapsed time."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("--clock cần múi giờ, ví dụ 2026-12-03T06:59:55+07:00")
        self._start = start.astimezone(UTC) if start is not None else None
        self._mono0 = time.monotonic()

    @property
    def simulated(self) -> bool:
        return self._start is not None

    def now(self) -> datetime:
        if self._start is None:
            return datetime.now(UTC)
        return self._start + timedelta(seconds=time.monotonic() - self._mono0)

    def at_monotonic(self, mono: float) -> datetime:
        """The agent time that corresponds to a monotonic reading taken earlier."""
        return self.now() - timedelta(seconds=time.monotonic() - mono)


def parse_instant(raw: object, what: str) -> datetime:
    """An ISO 8601 instant with its offset (what the server sends); ValueError says what is wrong."""
    if not isinstance(raw, str):
        raise ValueError(f"{what}: thiếu thời điểm")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{what}: thời điểm không hợp lệ {raw!r}") from exc
    if value.tzinfo is None:
        raise ValueError(f"{what}: thời điểm thiếu múi giờ {raw!r} (ví dụ 2026-12-03T06:59:55+07:00)")
    return value


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class OffsetMeter:
    """Median of recent (server time − agent time) samples, in milliseconds.

    A `Date` header has one-second resolution (the true server time is in [D, D+1 s)), so each sample
    takes the middle of that second; the median of several samples smooths the rest.
    """

    def __init__(self, samples: int = 9) -> None:
        self._samples: deque[float] = deque(maxlen=samples)
        self._lock = threading.Lock()

    def add(self, server_date: datetime, agent_now: datetime) -> None:
        offset = (server_date + timedelta(milliseconds=500) - agent_now).total_seconds() * 1000
        with self._lock:
            self._samples.append(offset)

    def offset_ms(self) -> int | None:
        with self._lock:
            if not self._samples:
                return None
            return round(statistics.median(self._samples))
