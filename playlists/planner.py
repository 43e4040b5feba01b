"""The playlist planner: a pure, deterministic function from one cluster's day to its playlist.

Long on purpose (~800 lines): one pure algorithm whose rules read top to bottom in the order they apply; its
property tests pin it as one unit.

Nothing here touches a database, a file or the clock: the caller passes the day's slots
(see `playlists.slot_times`), the candidate content with its audio, the airtime already
planned this ISO week and when each item last played, and gets back a `DayPlan` that
explains itself. Same input, same output: candidates are sorted by `content_id` first and
every tie is broken by an id, so neither input order nor dict/set order matters.

Eligibility (reasons tested in this order, the first failing one is reported in
`DayPlan.left_out`): approved, valid on the day (`valid_from <= day <= valid_until`,
inclusive; the caller folds the campaign's own period into these dates), targeted at the
cluster (directly or through an ancestor area; the caller decides), with ready audio.

Each slot is filled in this order, and laid out without gaps from the slot's start:

1. **intro** (the slot's jingle), if configured;
2. **emergency** items (khẩn cấp): every eligible one, in every slot of the day, oldest
   `content_id` first. Emergencies have the first claim on the slot's time: in a slot too
   short for both, the outro is dropped first, then the intro (the regulation says an
   emergency pre-empts whatever is on air);
3. **priority** items (ưu tiên): every eligible one in every slot, earliest `valid_until`
   first, then `content_id`; one that does not fit is skipped for the next that does;
4. **normal** items (thông thường) until nothing more fits, picked one at a time:
   - first from the campaigns still behind their weekly target, the one furthest behind
     first. "Behind" is measured as a *ratio*: remaining = (target - planned earlier this
     ISO week - placed today) / target. A ratio rather than seconds so that when the slots
     cannot hold every target, every campaign reaches the same share of its target
     instead of the biggest target starving the small ones. Ties: larger remaining
     seconds, then lower `campaign_id`. Placed seconds of every level count.
   - then everything else in one pool (campaigns that met their target, campaigns without
     a target, content without a campaign), least recently planned first. Slots are
     filled rather than left silent, so content keeps airing after its target is met.
   - within a campaign, the least recently planned item first: never planned, then oldest
     `last_planned`, then items placed earlier today in the order placed; ties by
     `content_id`.
   - an item is never twice in one slot (it may repeat in another slot the same day); one
     that does not fit the remaining time is skipped for a shorter one (greedy in rank
     order);
5. **filler**: whole plays of the filler audio, if given, while they fit;
6. **outro**, if configured, always last (its time is reserved before priority items).

**Relays** ("tiếp sóng", `RelayWindow`: a live stream of a higher-level station from one wall-clock
time to another) rank between emergency and priority (`Level.RELAY`). Inside a slot a relay keeps
its own time range (clipped to the slot), so the slot's time falls into *runs* around the relays:
the intro and the emergencies open the slot (a relay starting before they end starts when they end;
the intro is dropped rather than delay a relay), the outro closes it only if it fits after the last
relay, and each run between them is filled as above (priority, normal, filler) on its own. So
content never overlaps a relay, and levels fall within each run, not across a relay. The part of a
relay outside every slot becomes a slot-like block of its own, named after the relay, holding the
relay (and, like every slot, the day's emergencies at its start). Relays that overlap each other:
the earlier start wins (then the lower `relay_id`); the later one starts when it ends. A relay is
matched against the slots of the local day on which it starts (give each day its own relays).
Relay items have kind "relay", no content id, no audio, and carry `relay_id` and `stream_url`.

**Priority order**: `priority_order` maps a slot id to content ids an operator put in order (the
commune decides when higher-level and own priority items clash, Thông tư 39/2020): those items come
first in that order, the other priority items after them in the default order.

Hard end: nothing runs past `slot.ends_at`; what is left is `PlannedSlot.unused_ms`.
Eligible content placed in no slot that day is reported as `slot_full` (or `no_slot` if
the day has no slot at all). A campaign missing from `progress`, or whose target is 0,
has no target. Intro, outro and filler items have `content_id=None` and level `FILLER`.
Positions are 0-based within a slot and follow time; items run back to back except before a relay
(the room a run could not fill stays in front of the relay).

`emergency_insert` patches an already built plan when an emergency is approved during
the day; `plan_days` chains `plan_day` over several days carrying the week's airtime and
the play history forward (the weekly forecast, benchmarks and tests use it);
`forecast_capacity` compares a week's targets with its slot time. The priority ladder (`Level`,
its labels, and `PlanningInputError`, raised for any input the planner cannot take) lives in the
pure `core.levels`, shared with campaigns.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from core.levels import LEVEL_LABELS, Level, PlanningInputError
from playlists.slot_times import (
    AudioRef,
    SlotInstance,
    SlotTemplate,
    elapsed_ms,
    shift_ms,
    slot_instances,
    weekly_capacity_seconds,
)

__all__ = [
    "AudioRef",
    "CampaignProgress",
    "Candidate",
    "CapacityForecast",
    "DayPlan",
    "EmergencyInsertion",
    "LEVEL_LABELS",
    "LeftOut",
    "Level",
    "PlannedItem",
    "PlannedSlot",
    "PlanningInputError",
    "REASON_LABELS",
    "RelayWindow",
    "SlotInstance",
    "SlotTemplate",
    "emergency_insert",
    "forecast_capacity",
    "ineligibility",
    "last_planned_after",
    "plan_day",
    "plan_days",
    "progress_after",
    "slot_instances",
    "weekly_capacity_seconds",
]


# Why eligible-looking content is not in the plan; the key is stable, the label is for people.
REASON_LABELS: dict[str, str] = {
    "not_approved": "Chưa được duyệt",
    "not_valid": "Ngoài thời hạn phát",
    "not_targeted": "Không phát cho cụm loa này",
    "no_audio": "Chưa có âm thanh",
    "slot_full": "Hết thời lượng trong các khung giờ phát",
    "no_slot": "Không có khung giờ phát trong ngày",
    "preempted": "Nhường chỗ cho tin khẩn cấp",
}


@dataclass(frozen=True)
class Candidate:
    """A content item that might be planned for this cluster on this day."""

    content_id: int
    title: str
    campaign_id: int | None
    level: Level
    valid_from: date
    valid_until: date
    approved: bool
    targeted: bool  # at this cluster, directly or through an ancestor area (computed by the caller)
    audio: AudioRef | None  # None: no ready audio yet
    ends_at: datetime | None = None  # emergencies: no slot starting at or after this instant holds it


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's weekly target for this cluster and what earlier days of the ISO week already hold."""

    campaign_id: int
    target_seconds_per_week: float
    planned_seconds_this_week: float = 0.0


@dataclass(frozen=True)
class RelayWindow:
    """A relay on the day being planned: the live stream `stream_url` from `starts_at` to `ends_at`."""

    relay_id: int
    name: str
    stream_url: str
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _check_aware(self.starts_at, f"Tiếp sóng '{self.name}'")
        _check_aware(self.ends_at, f"Tiếp sóng '{self.name}'")
        if elapsed_ms(self.starts_at, self.ends_at) <= 0:
            raise PlanningInputError(f"Tiếp sóng '{self.name}': giờ kết thúc phải sau giờ bắt đầu.")


@dataclass(frozen=True)
class PlannedItem:
    position: int  # 0-based within its slot
    kind: str  # "content" | "intro" | "outro" | "filler" | "relay"
    content_id: int | None  # None for intro, outro, filler and relay
    title: str
    campaign_id: int | None
    level: Level
    starts_at: datetime
    duration_ms: int
    audio: AudioRef | None  # None for a relay (a live stream)
    relay_id: int | None = None
    stream_url: str | None = None

    @property
    def ends_at(self) -> datetime:
        return shift_ms(self.starts_at, self.duration_ms)


@dataclass(frozen=True)
class PlannedSlot:
    slot: SlotInstance
    items: tuple[PlannedItem, ...]
    unused_ms: int  # slot time with nothing planned (never negative)


@dataclass(frozen=True)
class LeftOut:
    content_id: int
    reason: str  # a key of REASON_LABELS

    @property
    def label(self) -> str:
        return REASON_LABELS[self.reason]


@dataclass(frozen=True)
class DayPlan:
    day: date
    slots: tuple[PlannedSlot, ...]
    left_out: tuple[LeftOut, ...]  # sorted by content_id

    def planned_seconds_by_campaign(self) -> dict[int | None, float]:
        """Seconds of content per campaign (None: content without a campaign); no intro/outro/filler."""
        totals: dict[int | None, int] = {}
        for item in self.content_items():
            totals[item.campaign_id] = totals.get(item.campaign_id, 0) + item.duration_ms
        ordered = sorted(totals, key=lambda k: (k is None, k or 0))
        return {k: totals[k] / 1000 for k in ordered}

    def content_items(self) -> list[PlannedItem]:
        return [item for ps in self.slots for item in ps.items if item.kind == "content"]


# ---------------------------------------------------------------------------- eligibility


def ineligibility(candidate: Candidate, day: date) -> str | None:
    """The first reason `candidate` may not air on `day`, or None if it may."""
    if not candidate.approved:
        return "not_approved"
    if not candidate.valid_from <= day <= candidate.valid_until:
        return "not_valid"
    if not candidate.targeted:
        return "not_targeted"
    if candidate.audio is None:
        return "no_audio"
    return None


def _check_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda c: c.content_id)
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        if prev.content_id == cur.content_id:
            raise PlanningInputError(f"Nội dung mã {cur.content_id} xuất hiện hai lần trong danh sách.")
    for c in ordered:
        if c.level not in (Level.NORMAL, Level.PRIORITY, Level.EMERGENCY):
            raise PlanningInputError(f"Nội dung mã {c.content_id}: mức độ {c.level!r} không hợp lệ.")
    return ordered


def _check_slots(day: date, tz: tzinfo, slots: Sequence[SlotInstance]) -> list[SlotInstance]:
    ordered = sorted(slots, key=lambda s: (s.starts_at.astimezone(UTC), s.slot_id))
    for s in ordered:
        if s.starts_at.astimezone(tz).date() != day:
            raise PlanningInputError(
                f"Khung giờ '{s.name}' bắt đầu ngày {s.starts_at.astimezone(tz):%d/%m/%Y}, "
                f"không thuộc ngày {day:%d/%m/%Y}."
            )
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        if elapsed_ms(cur.starts_at, prev.ends_at) > 0:
            raise PlanningInputError(f"Khung giờ '{prev.name}' và '{cur.name}' chồng lên nhau.")
    return ordered


def _check_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PlanningInputError(f"{what}: thời điểm phải kèm múi giờ.")


def _check_relays(day: date, tz: tzinfo, relays: Sequence[RelayWindow]) -> list[RelayWindow]:
    """The day's relays in time order, each starting when the one before it ends (earlier start wins)."""
    ordered = sorted(relays, key=lambda r: (r.starts_at.astimezone(UTC), r.relay_id))
    seen: set[int] = set()
    kept: list[RelayWindow] = []
    for r in ordered:
        if r.relay_id in seen:
            raise PlanningInputError(f"Tiếp sóng mã {r.relay_id} xuất hiện hai lần trong ngày.")
        seen.add(r.relay_id)
        if r.starts_at.astimezone(tz).date() != day:
            raise PlanningInputError(
                f"Tiếp sóng '{r.name}' bắt đầu ngày {r.starts_at.astimezone(tz):%d/%m/%Y}, "
                f"không thuộc ngày {day:%d/%m/%Y}.")
        if kept and elapsed_ms(r.starts_at, kept[-1].ends_at) > 0:
            if elapsed_ms(kept[-1].ends_at, r.ends_at) <= 0:
                continue  # wholly inside the one before
            r = replace(r, starts_at=kept[-1].ends_at.astimezone(r.starts_at.tzinfo))
        kept.append(r)
    return kept


def _relay_blocks(relays: Sequence[RelayWindow], slots: Sequence[SlotInstance]) -> list[SlotInstance]:
    """The parts of relays outside every slot, as slot-like blocks named after their relay (slot id -relay_id)."""
    blocks: list[SlotInstance] = []
    for r in relays:
        pieces = [(r.starts_at, r.ends_at)]
        for s in slots:
            rest = []
            for a, b in pieces:
                if elapsed_ms(s.starts_at, b) <= 0 or elapsed_ms(a, s.ends_at) <= 0:
                    rest.append((a, b))
                    continue
                if elapsed_ms(a, s.starts_at) > 0:
                    rest.append((a, s.starts_at))
                if elapsed_ms(s.ends_at, b) > 0:
                    rest.append((s.ends_at, b))
            pieces = rest
        zone = r.starts_at.tzinfo
        blocks += [SlotInstance(-r.relay_id, r.name, a.astimezone(zone), b.astimezone(zone)) for a, b in pieces]
    return blocks


# ---------------------------------------------------------------------------- normal items


class _NormalQueue:
    """Ranks normal items: campaigns behind target first, then least recently planned."""

    def __init__(
        self,
        items: list[Candidate],
        progress: Mapping[int, CampaignProgress],
        last_planned: Mapping[int, datetime],
    ) -> None:
        def recency(c: Candidate) -> tuple[int, float, int]:
            when = last_planned.get(c.content_id)
            if when is None:
                return (0, 0.0, c.content_id)
            _check_aware(when, f"Lần phát gần nhất của nội dung {c.content_id}")
            return (1, when.timestamp(), c.content_id)

        # Least recently planned first, as content ids. Placing an item moves it to the end,
        # which keeps the order right without re-sorting: nothing is more recent than "just placed".
        self.items: dict[int, Candidate] = {c.content_id: c for c in items}
        self.duration: dict[int, int] = {c.content_id: c.audio.duration_ms for c in items if c.audio}
        self.shortest = min(self.duration.values(), default=0)
        ranked = sorted(items, key=recency)
        self.order: list[int] = [c.content_id for c in ranked]
        self.by_campaign: dict[int, list[int]] = {}
        for c in ranked:
            if c.campaign_id is not None:
                self.by_campaign.setdefault(c.campaign_id, []).append(c.content_id)
        # Remaining seconds to target per campaign with a target (placed today is subtracted).
        self.remaining: dict[int, float] = {}
        self.target: dict[int, float] = {}
        for cid in sorted(progress):
            p = progress[cid]
            if p.campaign_id != cid:
                raise PlanningInputError(f"Tiến độ chiến dịch {p.campaign_id} nằm dưới khóa {cid}.")
            if p.target_seconds_per_week > 0:
                self.target[cid] = p.target_seconds_per_week
                self.remaining[cid] = p.target_seconds_per_week - p.planned_seconds_this_week

    def count(self, campaign_id: int | None, duration_ms: int) -> None:
        """Airtime placed today (any level) brings its campaign closer to target."""
        if campaign_id in self.remaining:
            self.remaining[campaign_id] -= duration_ms / 1000

    def _behind(self) -> list[int]:
        behind = [cid for cid, left in self.remaining.items() if left > 1e-9 and cid in self.by_campaign]
        return sorted(behind, key=lambda cid: (-self.remaining[cid] / self.target[cid], -self.remaining[cid], cid))

    def pick(self, room_ms: int, in_slot: set[int]) -> Candidate | None:
        if not self.order or room_ms < self.shortest:
            return None
        duration = self.duration
        for cid in self._behind():
            for content_id in self.by_campaign[cid]:
                if duration[content_id] <= room_ms and content_id not in in_slot:
                    return self.items[content_id]
        # No behind-target item fits: anything that fits, least recently planned first.
        for content_id in self.order:
            if duration[content_id] <= room_ms and content_id not in in_slot:
                return self.items[content_id]
        return None

    def place(self, c: Candidate) -> None:
        self.order.remove(c.content_id)
        self.order.append(c.content_id)
        if c.campaign_id is not None:
            queue = self.by_campaign[c.campaign_id]
            queue.remove(c.content_id)
            queue.append(c.content_id)
        self.count(c.campaign_id, self.duration[c.content_id])


# ---------------------------------------------------------------------------- plan_day


_FRAME_TITLES = {"intro": "Nhạc hiệu mở đầu", "outro": "Nhạc hiệu kết thúc", "filler": "Nhạc đệm"}

# What `_layout` places: (offset from the slot start in ms, kind, what; a relay with its clipped length).
_Part = tuple[int, str, "Candidate | AudioRef | tuple[RelayWindow, int]"]


def _layout(slot: SlotInstance, tz: tzinfo, parts: list[_Part]) -> PlannedSlot:
    """Turn (offset, kind, what) parts, in time order, into timed items."""
    items: list[PlannedItem] = []
    start = slot.starts_at.astimezone(tz)
    for position, (offset, kind, what) in enumerate(parts):
        at = shift_ms(start, offset)
        if isinstance(what, Candidate):
            assert what.audio is not None
            items.append(PlannedItem(
                position=position, kind=kind, content_id=what.content_id, title=what.title,
                campaign_id=what.campaign_id, level=what.level, starts_at=at, duration_ms=what.audio.duration_ms,
                audio=what.audio))
        elif isinstance(what, AudioRef):
            items.append(PlannedItem(
                position=position, kind=kind, content_id=None, title=_FRAME_TITLES[kind], campaign_id=None,
                level=Level.FILLER, starts_at=at, duration_ms=what.duration_ms, audio=what))
        else:
            relay, length = what
            items.append(PlannedItem(
                position=position, kind="relay", content_id=None, title=relay.name, campaign_id=None,
                level=Level.RELAY, starts_at=at, duration_ms=length, audio=None, relay_id=relay.relay_id,
                stream_url=relay.stream_url))
    used = sum(it.duration_ms for it in items)
    return PlannedSlot(slot=slot, items=tuple(items), unused_ms=slot.duration_ms - used)


def _before_end(c: Candidate, moment: datetime) -> bool:
    return c.ends_at is None or moment < c.ends_at


def _ms(c: Candidate) -> int:
    assert c.audio is not None
    return c.audio.duration_ms


def _fill_slot(
    slot: SlotInstance,
    tz: tzinfo,
    emergencies: list[Candidate],
    priorities: list[Candidate],
    normals: _NormalQueue,
    filler: AudioRef | None,
    relays: Sequence[RelayWindow] = (),
) -> PlannedSlot:
    capacity = slot.duration_ms
    in_slot: set[int] = set()

    def take(group: list[Candidate], room: int) -> list[Candidate]:
        taken = []
        for c in group:
            if _ms(c) <= room and c.content_id not in in_slot:
                taken.append(c)
                in_slot.add(c.content_id)
                room -= _ms(c)
                normals.count(c.campaign_id, _ms(c))
        return taken

    # Emergencies have the first claim on the slot's whole time (they may delay a relay).
    urgent = take(emergencies, capacity)
    urgent_ms = sum(_ms(c) for c in urgent)
    # Relays as offsets within the slot; the first relay's start bounds the intro (a relay outranks it).
    spans = [(max(0, elapsed_ms(slot.starts_at, r.starts_at)), min(capacity, elapsed_ms(slot.starts_at, r.ends_at)), r)
             for r in relays]
    spans = [(a, b, r) for a, b, r in spans if b > a]
    first_relay = spans[0][0] if spans else capacity
    intro = slot.intro if slot.intro and urgent_ms + slot.intro.duration_ms <= first_relay else None
    head_end = urgent_ms + (intro.duration_ms if intro else 0)
    spans = [(max(a, head_end), b, r) for a, b, r in spans if b > max(a, head_end)]
    last_busy = max([head_end, *(b for _, b, _ in spans)])
    outro = slot.outro if slot.outro and last_busy + slot.outro.duration_ms <= capacity else None
    end_limit = capacity - (outro.duration_ms if outro else 0)

    parts: list[_Part] = []
    offset = 0
    if intro:
        parts.append((0, "intro", intro))
        offset = intro.duration_ms
    for c in urgent:
        parts.append((offset, "content", c))
        offset += _ms(c)
    # The runs between relays, each filled on its own: priority, normal, filler.
    runs: list[tuple[int, int, tuple[int, int, RelayWindow] | None]] = []
    cursor = head_end
    for a, b, r in spans:
        runs.append((cursor, a, (a, b, r)))
        cursor = b
    runs.append((cursor, end_limit, None))
    for run_start, run_end, relay in runs:
        offset = run_start
        room = max(0, run_end - run_start)
        for c in take(priorities, room):
            parts.append((offset, "content", c))
            offset += _ms(c)
        room = run_end - offset
        while (pick := normals.pick(room, in_slot)) is not None:
            normals.place(pick)
            in_slot.add(pick.content_id)
            parts.append((offset, "content", pick))
            offset += _ms(pick)
            room -= _ms(pick)
        if filler:
            for _ in range(max(0, room) // filler.duration_ms):
                parts.append((offset, "filler", filler))
                offset += filler.duration_ms
        if relay is not None:
            a, b, r = relay
            parts.append((a, "relay", (r, b - a)))
    if outro:
        parts.append((offset, "outro", outro))
    return _layout(slot, tz, parts)


def ordered_priorities(priorities: list[Candidate], order: Sequence[int]) -> list[Candidate]:
    """`priorities` with the ids of `order` first, in that order, then the others as they were."""
    rank = {content_id: i for i, content_id in enumerate(dict.fromkeys(order))}
    return sorted(priorities, key=lambda c: rank.get(c.content_id, len(rank)))


def plan_day(
    *,
    day: date,
    tz: tzinfo,
    slots: Sequence[SlotInstance],
    candidates: Sequence[Candidate],
    progress: Mapping[int, CampaignProgress],
    last_planned: Mapping[int, datetime],
    filler: AudioRef | None = None,
    relays: Sequence[RelayWindow] = (),
    priority_order: Mapping[int, Sequence[int]] | None = None,
) -> DayPlan:
    """Plan one cluster's `day`: fill each of its `slots` (those starting that day) from `candidates`.

    `progress` maps campaign_id to its weekly target and the seconds already planned
    for this cluster earlier in the ISO week; `last_planned` maps content_id to when it
    was last planned or aired for this cluster. `relays` are the day's relays (starting that
    day) and `priority_order` an operator's order of priority items per slot id. See the module
    docstring for the rules.
    """
    real_slots = _check_slots(day, tz, slots)
    day_relays = _check_relays(day, tz, relays)
    ordered_slots = sorted([*real_slots, *_relay_blocks(day_relays, real_slots)],
                           key=lambda s: (s.starts_at.astimezone(UTC), s.slot_id))
    ordered = _check_candidates(candidates)
    left_out: list[LeftOut] = []
    eligible: list[Candidate] = []
    for c in ordered:
        reason = ineligibility(c, day)
        if reason is None:
            eligible.append(c)
        else:
            left_out.append(LeftOut(c.content_id, reason))

    emergencies = [c for c in eligible if c.level is Level.EMERGENCY]
    priorities = sorted(
        (c for c in eligible if c.level is Level.PRIORITY), key=lambda c: (c.valid_until, c.content_id)
    )
    normals = _NormalQueue([c for c in eligible if c.level is Level.NORMAL], progress, last_planned)
    orders = priority_order or {}
    planned = tuple(
        _fill_slot(s, tz, [c for c in emergencies if _before_end(c, s.starts_at)],
                   ordered_priorities(priorities, orders.get(s.slot_id, ())), normals, filler,
                   [r for r in day_relays if elapsed_ms(r.starts_at, s.ends_at) > 0
                    and elapsed_ms(s.starts_at, r.ends_at) > 0])
        for s in ordered_slots)

    placed = {item.content_id for ps in planned for item in ps.items}
    missing = "slot_full" if planned else "no_slot"
    left_out += [LeftOut(c.content_id, missing) for c in eligible if c.content_id not in placed]
    return DayPlan(day=day, slots=planned, left_out=tuple(sorted(left_out, key=lambda lo: lo.content_id)))


# ---------------------------------------------------------------------------- history


def progress_after(plan: DayPlan, progress: Mapping[int, CampaignProgress]) -> dict[int, CampaignProgress]:
    """`progress` with the plan's content seconds added (same ISO week; campaigns without an entry stay out)."""
    added = plan.planned_seconds_by_campaign()
    return {
        cid: replace(p, planned_seconds_this_week=p.planned_seconds_this_week + added.get(cid, 0.0))
        for cid, p in sorted(progress.items())
    }


def last_planned_after(plan: DayPlan, last_planned: Mapping[int, datetime]) -> dict[int, datetime]:
    """`last_planned` updated with the start of each content item's latest play in `plan`."""
    result = dict(last_planned)
    for item in plan.content_items():
        assert item.content_id is not None
        prev = result.get(item.content_id)
        if prev is None or prev < item.starts_at:
            result[item.content_id] = item.starts_at
    return result


def plan_days(
    *,
    first_day: date,
    last_day: date,
    tz: tzinfo,
    templates: Sequence[SlotTemplate] = (),
    candidates: Sequence[Candidate],
    progress: Mapping[int, CampaignProgress],
    last_planned: Mapping[int, datetime],
    filler: AudioRef | None = None,
    slots_on: Callable[[date], Sequence[SlotInstance]] | None = None,
) -> tuple[DayPlan, ...]:
    """Plan `first_day`..`last_day` in turn, each day seeing the airtime and history of the ones before.

    Each day's slots are the instances of `templates` that run that day, or `slots_on(day)` when
    given (the weekly forecast's view: a cluster's templates differ on commemorative days).
    `progress` is the state before `first_day`; on each ISO Monday after it the week's
    planned seconds start again from 0. Used for the weekly forecast (plan the week ahead
    and compare each campaign's planned seconds with its target).
    """
    if last_day < first_day:
        raise PlanningInputError(f"Ngày cuối {last_day:%d/%m/%Y} trước ngày đầu {first_day:%d/%m/%Y}.")
    plans: list[DayPlan] = []
    week_progress = dict(progress)
    history = dict(last_planned)
    day = first_day
    while day <= last_day:
        if day != first_day and day.weekday() == 0:
            week_progress = {cid: replace(p, planned_seconds_this_week=0.0) for cid, p in week_progress.items()}
        slots = slot_instances(templates, day, tz) if slots_on is None else slots_on(day)
        plan = plan_day(
            day=day, tz=tz, slots=slots, candidates=candidates,
            progress=week_progress, last_planned=history, filler=filler,
        )
        plans.append(plan)
        week_progress = progress_after(plan, week_progress)
        history = last_planned_after(plan, history)
        day += timedelta(days=1)
    return tuple(plans)


# ---------------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class CapacityForecast:
    """Can a cluster's slots hold its campaigns' weekly targets? (seconds, one week)"""

    week_start: date
    slot_seconds: float  # all slot time of the 7 days
    frame_seconds: float  # intros and outros
    reserved_seconds: float  # known emergency/priority airtime, given by the caller
    target_seconds: float  # sum of the campaigns' weekly targets

    @property
    def available_seconds(self) -> float:
        return max(0.0, self.slot_seconds - self.frame_seconds - self.reserved_seconds)

    @property
    def shortfall_seconds(self) -> float:
        """How much target cannot be aired even with perfect packing; 0 when it fits."""
        return max(0.0, self.target_seconds - self.available_seconds)


def forecast_capacity(
    templates: Sequence[SlotTemplate],
    week_start: date,
    tz: tzinfo,
    targets_seconds: Mapping[int, float],
    reserved_seconds: float = 0.0,
) -> CapacityForecast:
    """Sum a cluster's weekly targets against its slot time for the 7 days from `week_start`.

    A positive `shortfall_seconds` is the "capacity shortfall" warning to show before the
    week airs. For the per-campaign picture, run `plan_days` over the week.
    """
    frame_ms = 0
    for i in range(7):
        for s in slot_instances(templates, week_start + timedelta(days=i), tz):
            frame = sum(a.duration_ms for a in (s.intro, s.outro) if a is not None)
            frame_ms += min(frame, s.duration_ms)
    return CapacityForecast(
        week_start=week_start,
        slot_seconds=weekly_capacity_seconds(templates, week_start, tz),
        frame_seconds=frame_ms / 1000,
        reserved_seconds=reserved_seconds,
        target_seconds=sum(max(0.0, t) for _, t in sorted(targets_seconds.items())),
    )


# ---------------------------------------------------------------------------- emergencies


@dataclass(frozen=True)
class EmergencyInsertion:
    plan: DayPlan  # the patched plan (the input plan is not modified)
    slot_indexes: tuple[int, ...]  # indexes in plan.slots that now hold the emergency
    dropped: tuple[PlannedItem, ...]  # items pushed out, as they were before the insertion
    reason: str | None  # when placed nowhere: an eligibility reason, "no_slot" or "slot_full"


def _droppable_order(tail: Sequence[PlannedItem]) -> list[int]:
    """Which tail items give way, first to last: filler, then normal and priority content
    from the end, then the outro. Emergencies and the intro never give way."""
    rank = {("filler", Level.FILLER): 0, ("content", Level.NORMAL): 1, ("content", Level.PRIORITY): 2,
            ("outro", Level.FILLER): 3}
    keyed = [(rank[(it.kind, it.level)], -i, i) for i, it in enumerate(tail) if (it.kind, it.level) in rank]
    return [i for _, _, i in sorted(keyed)]


def _insert_into_slot(
    ps: PlannedSlot, emergency: Candidate, now: datetime
) -> tuple[PlannedSlot, list[PlannedItem]] | None:
    assert emergency.audio is not None
    items = list(ps.items)
    # The first item boundary not in the past, moved past the intro and earlier emergencies.
    i = next((k for k, it in enumerate(items) if it.starts_at >= now), len(items))
    while i < len(items) and (items[i].kind == "intro" or items[i].level is Level.EMERGENCY):
        i += 1
    # Only the run up to the next relay moves: a relay keeps its wall-clock time, unless the emergency
    # needs more room than the run can give, when the relay starts that much later (never vanishes).
    j = next((k for k in range(i, len(items)) if items[k].kind == "relay"), len(items))
    head, tail, after = items[:i], items[i:j], items[j:]
    zone = items[0].starts_at.tzinfo if items else ps.slot.starts_at.tzinfo
    start = max(now, head[-1].ends_at if head else ps.slot.starts_at).astimezone(zone)
    limit = after[0].starts_at if after else ps.slot.ends_at
    room = elapsed_ms(start, limit) - emergency.audio.duration_ms
    order = _droppable_order(tail)
    fixed = sum(it.duration_ms for k, it in enumerate(tail) if k not in order)
    if room < fixed and not after:
        return None
    dropped: set[int] = set()
    needed = sum(it.duration_ms for it in tail)
    for k in order:
        if needed <= room:
            break
        dropped.add(k)
        needed -= tail[k].duration_ms
    alert = PlannedItem(
        position=i, kind="content", content_id=emergency.content_id, title=emergency.title,
        campaign_id=emergency.campaign_id, level=Level.EMERGENCY, starts_at=start,
        duration_ms=emergency.audio.duration_ms, audio=emergency.audio,
    )
    new_items = [*head, alert]
    for k, it in enumerate(tail):
        if k not in dropped:
            prev = new_items[-1]
            new_items.append(replace(it, position=len(new_items), starts_at=prev.ends_at))
    if after:
        relay, overrun = after[0], elapsed_ms(after[0].starts_at, new_items[-1].ends_at)
        if overrun >= relay.duration_ms:
            return None
        if overrun > 0:
            after[0] = replace(relay, starts_at=new_items[-1].ends_at, duration_ms=relay.duration_ms - overrun)
        new_items += [replace(it, position=len(new_items) + n) for n, it in enumerate(after)]
    unused = ps.slot.duration_ms - sum(it.duration_ms for it in new_items)
    return replace(ps, items=tuple(new_items), unused_ms=unused), [tail[k] for k in sorted(dropped)]


def emergency_insert(plan: DayPlan, emergency: Candidate, now: datetime) -> EmergencyInsertion:
    """Put a newly approved emergency into today's already built `plan`, from `now` on.

    It goes into every slot of the plan that has not ended by `now`, the same way
    `plan_day` would place it:
    - in the slot on air at `now`, at the first item boundary at or after `now` (after
      the item playing now, which is not cut; if nothing is left to play it starts at
      `now`). Interrupting the item on air is the device's job, through the alerts it
      polls; the playlist only promises what it can keep;
    - in later slots, at the start, after the intro and after emergencies already there.
    Items pushed past the slot's end give way, first to last: filler, normal content
    from the end of the slot, priority content from the end, the outro. The freed time
    that is not needed stays unused (a rebuild refills it). If even that is not enough
    room, the slot is left as it was. A relay keeps its time: only the items before it move
    (and give way), and if they cannot make room the relay starts later by what is missing
    (the slot is left as it was if nothing of the relay would remain). A slot that already holds the emergency is kept
    as is. Content pushed out of every slot of the day is reported as `preempted`.
    """
    _check_aware(now, "Thời điểm chèn tin khẩn cấp")
    if emergency.level is not Level.EMERGENCY:
        raise PlanningInputError(f"Nội dung mã {emergency.content_id} không phải tin khẩn cấp.")
    reason = ineligibility(emergency, plan.day)
    if reason is not None:
        return EmergencyInsertion(plan=plan, slot_indexes=(), dropped=(), reason=reason)

    slots = list(plan.slots)
    placed_in: list[int] = []
    dropped: list[PlannedItem] = []
    open_slots = 0
    for index, ps in enumerate(plan.slots):
        if ps.slot.ends_at <= now or not _before_end(emergency, max(ps.slot.starts_at, now)):
            continue
        open_slots += 1
        if any(it.content_id == emergency.content_id for it in ps.items):
            placed_in.append(index)
            continue
        result = _insert_into_slot(ps, emergency, now)
        if result is not None:
            slots[index], pushed = result
            placed_in.append(index)
            dropped += pushed

    if placed_in:
        reason = None
    else:
        reason = "slot_full" if open_slots else "no_slot"
    present = {it.content_id for ps in slots for it in ps.items}
    left_out = [lo for lo in plan.left_out if lo.content_id != emergency.content_id]
    if reason is not None:
        left_out.append(LeftOut(emergency.content_id, reason))
    known = {lo.content_id for lo in left_out}
    for it in dropped:
        if it.content_id is not None and it.content_id not in present and it.content_id not in known:
            left_out.append(LeftOut(it.content_id, "preempted"))
            known.add(it.content_id)
    new_plan = DayPlan(
        day=plan.day, slots=tuple(slots), left_out=tuple(sorted(left_out, key=lambda lo: lo.content_id))
    )
    return EmergencyInsertion(plan=new_plan, slot_indexes=tuple(placed_in), dropped=tuple(dropped), reason=reason)
