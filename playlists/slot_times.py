"""Slot templates turned into concrete, time-zone-aware broadcast slots for one local day.

Pure values and arithmetic: no database, no clock. The rules:

- A slot belongs to the local day on which it *starts*: the weekday filter and the
  template's date range (`starts_on`..`ends_on`, both inclusive) are tested on that day.
  A slot starting 23:30 and lasting 60 minutes is part of that day's plan and ends at
  00:30 the next day.
- Ends are computed on the UTC timeline (start + duration), so a slot lasts exactly
  `duration_minutes` even in a zone with daylight saving time. Asia/Ho_Chi_Minh has
  none, so there wall-clock and elapsed time agree.
- A template lasts 1 minute to 24 hours; weekdays are 0 (Monday) to 6 (Sunday).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from core.errors import Invalid
from core.timeutil import iso_week_start

__all__ = [
    "ALL_WEEKDAYS",
    "AudioRef",
    "InvalidSlot",
    "SlotInstance",
    "SlotTemplate",
    "elapsed_ms",
    "first_overlap",
    "iso_week_start",
    "shift_ms",
    "slot_instances",
    "weekly_capacity_seconds",
]

ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
MAX_SLOT_MINUTES = 24 * 60
_ONE_MS = timedelta(milliseconds=1)


class InvalidSlot(Invalid):
    """A slot template or slot instance that cannot be broadcast as given."""


@dataclass(frozen=True)
class AudioRef:
    """A ready, content-addressed audio file: its sha256, extension (no dot) and length."""

    sha256: str
    ext: str
    duration_ms: int

    def __post_init__(self) -> None:
        if self.duration_ms <= 0:
            raise InvalidSlot(f"Âm thanh {self.sha256[:12]} có thời lượng không hợp lệ: {self.duration_ms} ms.")


@dataclass(frozen=True)
class SlotTemplate:
    """A recurring broadcast slot ("Bản tin sáng", 06:00, 30 minutes, every day)."""

    slot_id: int
    name: str
    start_time: time
    duration_minutes: int
    weekdays: frozenset[int] = ALL_WEEKDAYS
    starts_on: date | None = None
    ends_on: date | None = None
    intro: AudioRef | None = None
    outro: AudioRef | None = None

    def __post_init__(self) -> None:
        # Accept any iterable of weekdays, store a frozenset (hashable, order-free).
        if not isinstance(self.weekdays, frozenset):
            object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if not 1 <= self.duration_minutes <= MAX_SLOT_MINUTES:
            raise InvalidSlot(
                f"Khung giờ '{self.name}': thời lượng phải từ 1 đến {MAX_SLOT_MINUTES} phút "
                f"(nhận {self.duration_minutes})."
            )
        if not self.weekdays:
            raise InvalidSlot(f"Khung giờ '{self.name}': phải chọn ít nhất một ngày trong tuần.")
        bad = sorted(d for d in self.weekdays if not (isinstance(d, int) and 0 <= d <= 6))
        if bad:
            raise InvalidSlot(
                f"Khung giờ '{self.name}': ngày trong tuần phải từ 0 (thứ Hai) đến 6 (Chủ nhật), nhận {bad}."
            )
        if self.start_time.tzinfo is not None:
            raise InvalidSlot(f"Khung giờ '{self.name}': giờ bắt đầu là giờ địa phương, không kèm múi giờ.")
        if self.starts_on is not None and self.ends_on is not None and self.starts_on > self.ends_on:
            raise InvalidSlot(
                f"Khung giờ '{self.name}': ngày bắt đầu {self.starts_on:%d/%m/%Y} "
                f"sau ngày kết thúc {self.ends_on:%d/%m/%Y}."
            )

    def runs_on(self, day: date) -> bool:
        """Whether an instance of this template starts on the local `day`."""
        if self.starts_on is not None and day < self.starts_on:
            return False
        if self.ends_on is not None and day > self.ends_on:
            return False
        return day.weekday() in self.weekdays

    def instance(self, day: date, tz: tzinfo) -> "SlotInstance":
        """The concrete slot starting on `day` (whether or not the template runs that day)."""
        starts_at = datetime.combine(day, self.start_time, tzinfo=tz)
        ends_at = shift_ms(starts_at, self.duration_minutes * 60_000)
        return SlotInstance(self.slot_id, self.name, starts_at, ends_at, self.intro, self.outro)


@dataclass(frozen=True)
class SlotInstance:
    """One concrete broadcast slot: aware start and end (end exclusive)."""

    slot_id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    intro: AudioRef | None = None
    outro: AudioRef | None = None

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise InvalidSlot(f"Khung giờ '{self.name}': thời điểm phải kèm múi giờ.")
        if elapsed_ms(self.starts_at, self.ends_at) <= 0:
            raise InvalidSlot(f"Khung giờ '{self.name}': giờ kết thúc phải sau giờ bắt đầu.")

    @property
    def duration_ms(self) -> int:
        return elapsed_ms(self.starts_at, self.ends_at)


def elapsed_ms(start: datetime, end: datetime) -> int:
    """Whole milliseconds from `start` to `end` on the UTC timeline (floor)."""
    # Subtracting two datetimes that share a tzinfo object is wall-clock arithmetic in
    # Python; converting to UTC first makes it real elapsed time.
    return (end.astimezone(UTC) - start.astimezone(UTC)) // _ONE_MS


def shift_ms(moment: datetime, ms: int) -> datetime:
    """`moment` plus `ms` of elapsed time, expressed in `moment`'s own zone."""
    return (moment.astimezone(UTC) + timedelta(milliseconds=ms)).astimezone(moment.tzinfo)


def slot_instances(templates: Iterable[SlotTemplate], day: date, tz: tzinfo) -> list[SlotInstance]:
    """The slots that start on the local `day`, ordered by start time then slot id."""
    found = [t.instance(day, tz) for t in templates if t.runs_on(day)]
    return sorted(found, key=lambda s: (s.starts_at.astimezone(UTC), s.slot_id))


def weekly_capacity_seconds(templates: Sequence[SlotTemplate], week_start: date, tz: tzinfo) -> float:
    """Total slot time of the 7 days from `week_start` (pass the ISO Monday), in seconds.

    A slot counts in full for the day it starts on, even if it runs past midnight into
    the next week.
    """
    total_ms = sum(
        s.duration_ms for i in range(7) for s in slot_instances(templates, week_start + timedelta(days=i), tz)
    )
    return total_ms / 1000


def first_overlap(a: SlotTemplate, b: SlotTemplate, tz: tzinfo) -> date | None:
    """The first local day on which an instance of `a` overlaps an instance of `b`, else None.

    Looks at `b` starting the day before, the same day and the day after `a`, so slots
    crossing midnight are caught. The schedule repeats weekly, so at most 7 days of the
    common date range are tried for each offset (exact in a zone without DST).
    """
    first_ordinal, last_ordinal = date.min.toordinal(), date.max.toordinal()
    a_lo = a.starts_on.toordinal() if a.starts_on else first_ordinal
    a_hi = a.ends_on.toordinal() if a.ends_on else last_ordinal
    b_lo = b.starts_on.toordinal() if b.starts_on else first_ordinal
    b_hi = b.ends_on.toordinal() if b.ends_on else last_ordinal
    earliest: int | None = None
    for offset in (-1, 0, 1):  # b starts on a's day + offset
        # Two days' margin keeps the UTC conversions of both instances inside the calendar.
        lo = max(a_lo, b_lo - offset, first_ordinal + 2)
        hi = min(a_hi, b_hi - offset, last_ordinal - 2)
        for ordinal in range(lo, min(hi, lo + 6) + 1):
            day_a, day_b = date.fromordinal(ordinal), date.fromordinal(ordinal + offset)
            if not (a.runs_on(day_a) and b.runs_on(day_b)):
                continue
            ia, ib = a.instance(day_a, tz), b.instance(day_b, tz)
            if elapsed_ms(ib.starts_at, ia.ends_at) > 0 and elapsed_ms(ia.starts_at, ib.ends_at) > 0:
                earliest = ordinal if earliest is None else min(earliest, ordinal)
                break
    return date.fromordinal(earliest) if earliest is not None else None
