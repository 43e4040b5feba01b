"""What plays when: a pure function of the cached playlists, what is done, the cached files and now.

Rules (docs/devices.md, "Playback"):
- items start at their planned times; the first item not yet done is played when it is due;
- late into a slot (started mid-slot, or after an emergency): an item whose planned window is over
  is skipped, the one whose window holds `now` plays from its start, the next ones follow; an item
  that would not end before the slot does (give or take `FIT_TOLERANCE`) is skipped: nothing runs
  past the slot's end;
- early (the item before ended before its planned end: interrupted, failed, shorter than planned):
  the programme goes on with the next item at once instead of leaving silence;
- a relay is live: it plays from `now` to the end of its window, and interrupts a lower item
  still playing when its time comes (`preempting`);
- an item whose file is not cached fails at once and the next one follows; when nothing playable is
  left before the next fixed time (a relay's failed window, the end of the planned items, a slot
  with no items, a stand-in slot for a day without playlist) the cached filler plays: never dead
  air while a fallback exists; without one, silence.
Nothing here reads a clock, a file or the network.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from agent.ladder import interrupts, level_of
from agent.model import FILE_KINDS, DayPlaylist, Item, Slot

DUE_EPSILON = timedelta(milliseconds=20)
FIT_TOLERANCE = timedelta(milliseconds=1500)
MIN_FILL = timedelta(seconds=1)
# Windows of consecutive items closer than this are one stretch of planned sound.
JOIN_GAP = timedelta(seconds=1)
TEMPLATE_LOOKBACK_DAYS = 7

Done = Collection[tuple[str, str]]


@dataclass(frozen=True)
class Idle:
    """Nothing to play before `until` (None: nothing known ahead)."""
    until: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class PlayItem:
    slot: Slot
    item: Item
    deadline: datetime  # the slot's end: the item is stopped there whatever happens


@dataclass(frozen=True)
class PlayRelay:
    slot: Slot
    item: Item
    until: datetime


@dataclass(frozen=True)
class SkipItem:
    slot: Slot
    item: Item
    reason: str


@dataclass(frozen=True)
class FailItem:
    slot: Slot
    item: Item
    reason: str


@dataclass(frozen=True)
class Fill:
    """Play the fallback filler until `until` (a gap in the planned sound of a slot)."""
    slot: Slot
    until: datetime
    reason: str


Step = Idle | PlayItem | PlayRelay | SkipItem | FailItem | Fill


def _pending(slot: Slot, done: Done) -> list[Item]:
    return [it for it in slot.items if (slot.key, it.key) not in done]


def _coverage_end(slot: Slot, now: datetime) -> datetime | None:
    """End of the stretch of planned sound that holds `now` (the whole slot when it has no items)."""
    if not slot.items:
        return slot.ends_at
    end: datetime | None = None
    for item in sorted(slot.items, key=lambda it: it.starts_at):
        if end is not None and item.starts_at <= end + JOIN_GAP:
            end = max(end, item.ends_at)
        elif item.starts_at <= now:
            end = item.ends_at
        else:
            break
    return end if end is not None and end > now else None


def _gap_step(slot: Slot, next_start: datetime | None, now: datetime, filler_ready: bool) -> Step | None:
    covered = _coverage_end(slot, now)
    if covered is None:
        return None
    until = min(covered, slot.ends_at, next_start or slot.ends_at)
    if until - now < MIN_FILL:
        return None
    reason = "khung giờ không có danh sách phát" if slot.template else (
        "khung giờ trống" if not slot.items else "lấp chỗ trống của mục không phát được")
    if filler_ready:
        return Fill(slot, until, reason)
    return Idle(until, f"im lặng: {reason}, không có nhạc đệm trong bộ nhớ")


def _pulled_forward(slot: Slot, item: Item, now: datetime) -> bool:
    """Whether `item` starts now, before its time: the planned sound before it ended early (an
    interruption, a failure, a shorter file). Relays keep their time, and a relay's window that
    failed is filled rather than skipped over."""
    if item.kind not in FILE_KINDS:
        return False
    owner = next((it for it in slot.items if it.starts_at <= now < it.ends_at), None)
    if owner is not None and owner.kind == "relay":
        return False
    covered = _coverage_end(slot, now)
    return covered is not None and item.starts_at <= covered


def _slot_step(slot: Slot, done: Done, now: datetime, cached: Collection[str], filler_ready: bool) -> Step | None:
    pending = _pending(slot, done)
    for item in pending:
        if item.starts_at - now > DUE_EPSILON and not _pulled_forward(slot, item, now):
            gap = _gap_step(slot, item.starts_at, now, filler_ready)
            return gap or Idle(item.starts_at)
        if item.ends_at <= now:
            return SkipItem(slot, item, "đã quá giờ phát của mục")
        if item.kind == "relay":
            if not item.stream_url:
                return FailItem(slot, item, "mục tiếp sóng không có địa chỉ luồng")
            return PlayRelay(slot, item, min(item.ends_at, slot.ends_at))
        if item.kind not in FILE_KINDS:
            return SkipItem(slot, item, f"loại mục không hỗ trợ: {item.kind}")
        if now + timedelta(milliseconds=item.duration_ms) > slot.ends_at + FIT_TOLERANCE:
            return SkipItem(slot, item, "không đủ thời gian trước khi hết khung giờ")
        if item.sha256 is None or item.sha256 not in cached:
            return FailItem(slot, item, "thiếu tệp âm thanh trong bộ nhớ đệm")
        return PlayItem(slot, item, slot.ends_at)
    return _gap_step(slot, None, now, filler_ready)


def next_step(slots: Sequence[Slot], done: Done, now: datetime, cached: Collection[str],
              filler_ready: bool) -> Step:
    """The one thing to do now (or the instant to look again)."""
    for slot in sorted(slots, key=lambda s: s.starts_at):
        if slot.ends_at <= now:
            continue
        if slot.starts_at - now > DUE_EPSILON:
            return Idle(slot.starts_at)
        step = _slot_step(slot, done, now, cached, filler_ready)
        if step is not None:
            return step
    return Idle(None)


def preempting(slots: Sequence[Slot], done: Done, now: datetime, current_level: int) -> tuple[Slot, Item] | None:
    """A live item (relay) whose time has come and that outranks what plays: it must start now."""
    for slot in slots:
        if not slot.starts_at <= now < slot.ends_at:
            continue
        for item in _pending(slot, done):
            if item.kind == "relay" and item.starts_at <= now < item.ends_at \
                    and interrupts(level_of(item.kind, item.level), current_level):
                return slot, item
    return None


def upcoming(slots: Sequence[Slot], done: Done, now: datetime, limit: int = 5) -> list[tuple[Slot, Item]]:
    """The next items not yet done whose window is not over, in time order (for status)."""
    found: list[tuple[Slot, Item]] = []
    for slot in sorted(slots, key=lambda s: s.starts_at):
        if slot.ends_at <= now:
            continue
        found += [(slot, it) for it in _pending(slot, done) if it.ends_at > now]
        if len(found) >= limit:
            break
    return found[:limit]


def template_slots(playlists: Mapping[date, DayPlaylist], day: date, tz: tzinfo) -> tuple[Slot, ...]:
    """Stand-in slots for a day without playlist: the latest earlier cached day's slot times, empty.

    Commune slots are a daily routine; playing the cached filler at the usual times is better than
    silence when today's playlist never arrived.
    """
    earlier = sorted((d for d in playlists if day - timedelta(days=TEMPLATE_LOOKBACK_DAYS) <= d < day),
                     reverse=True)
    for source_day in earlier:
        source = playlists[source_day]
        if not source.slots:
            continue
        shift = day - source_day
        made = []
        for s in source.slots:
            start_local = s.starts_at.astimezone(tz)
            start = datetime.combine(start_local.date() + shift, start_local.time(), tz)
            made.append(Slot(name=s.name, starts_at=start, ends_at=start + (s.ends_at - s.starts_at),
                             items=(), template=True))
        return tuple(made)
    return ()


def slots_around(playlists: Mapping[date, DayPlaylist], today: date, tz: tzinfo) -> tuple[Slot, ...]:
    """Yesterday's (a slot may cross midnight), today's and tomorrow's slots; stand-ins for a missing
    today or tomorrow."""
    found: list[Slot] = []
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        playlist = playlists.get(day)
        if playlist is not None:
            found += playlist.slots
        elif offset >= 0:
            found += template_slots(playlists, day, tz)
    return tuple(sorted(found, key=lambda s: s.starts_at))
