"""The playlist planner: a pure, deterministic function from one cluster's day to its playlist.

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

Hard end: nothing runs past `slot.ends_at`; what is left is `PlannedSlot.unused_ms`.
Eligible content placed in no slot that day is reported as `slot_full` (or `no_slot` if
the day has no slot at all). A campaign missing from `progress`, or whose target is 0,
has no target. Intro, outro and filler items have `content_id=None` and level `FILLER`.
Positions are 0-based within a slot.

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


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's weekly target for this cluster and what earlier days of the ISO week already hold."""

    campaign_id: int
    target_seconds_per_week: float
    planned_seconds_this_week: float = 0.0


@dataclass(frozen=True)
class PlannedItem:
    position: int  # 0-based within its slot
    kind: str  # "content" | "intro" | "outro" | "filler"
    content_id: int | None  # None for intro, outro and filler
    title: str
    campaign_id: int | None
    level: Level
    starts_at: datetime
    duration_ms: int
    audio: AudioRef

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


def _layout(slot: SlotInstance, tz: tzinfo, parts: list[tuple[str, Candidate | AudioRef]]) -> PlannedSlot:
    """Turn an ordered list of (kind, what) into timed items, back to back from the slot start."""
    items: list[PlannedItem] = []
    offset = 0
    start = slot.starts_at.astimezone(tz)
    for position, (kind, what) in enumerate(parts):
        if isinstance(what, Candidate):
            assert what.audio is not None
            audio, content_id, title, campaign_id, level = (
                what.audio, what.content_id, what.title, what.campaign_id, what.level,
            )
        else:
            audio, content_id, title, campaign_id, level = what, None, _FRAME_TITLES[kind], None, Level.FILLER
        items.append(
            PlannedItem(
                position=position, kind=kind, content_id=content_id, title=title, campaign_id=campaign_id,
                level=level, starts_at=shift_ms(start, offset), duration_ms=audio.duration_ms, audio=audio,
            )
        )
        offset += audio.duration_ms
    return PlannedSlot(slot=slot, items=tuple(items), unused_ms=slot.duration_ms - offset)


def _fill_slot(
    slot: SlotInstance,
    tz: tzinfo,
    emergencies: list[Candidate],
    priorities: list[Candidate],
    normals: _NormalQueue,
    filler: AudioRef | None,
) -> PlannedSlot:
    capacity = slot.duration_ms
    used = 0
    in_slot: set[int] = set()

    def take(group: list[Candidate]) -> list[Candidate]:
        nonlocal used
        taken = []
        for c in group:
            assert c.audio is not None
            if used + c.audio.duration_ms <= capacity and c.content_id not in in_slot:
                taken.append(c)
                in_slot.add(c.content_id)
                used += c.audio.duration_ms
                normals.count(c.campaign_id, c.audio.duration_ms)
        return taken

    urgent = take(emergencies)
    # The slot's frame gets what emergencies leave; the outro goes before the intro.
    intro = slot.intro if slot.intro and used + slot.intro.duration_ms <= capacity else None
    used += intro.duration_ms if intro else 0
    outro = slot.outro if slot.outro and used + slot.outro.duration_ms <= capacity else None
    used += outro.duration_ms if outro else 0
    prio = take(priorities)
    normal: list[Candidate] = []
    while (c := normals.pick(capacity - used, in_slot)) is not None:
        assert c.audio is not None
        normals.place(c)
        normal.append(c)
        in_slot.add(c.content_id)
        used += c.audio.duration_ms
    fillers = (capacity - used) // filler.duration_ms if filler else 0

    parts: list[tuple[str, Candidate | AudioRef]] = []
    if intro:
        parts.append(("intro", intro))
    parts += [("content", c) for c in (*urgent, *prio, *normal)]
    if filler:
        parts += [("filler", filler)] * fillers
    if outro:
        parts.append(("outro", outro))
    return _layout(slot, tz, parts)


def plan_day(
    *,
    day: date,
    tz: tzinfo,
    slots: Sequence[SlotInstance],
    candidates: Sequence[Candidate],
    progress: Mapping[int, CampaignProgress],
    last_planned: Mapping[int, datetime],
    filler: AudioRef | None = None,
) -> DayPlan:
    """Plan one cluster's `day`: fill each of its `slots` (those starting that day) from `candidates`.

    `progress` maps campaign_id to its weekly target and the seconds already planned
    for this cluster earlier in the ISO week; `last_planned` maps content_id to when it
    was last planned or aired for this cluster. See the module docstring for the rules.
    """
    ordered_slots = _check_slots(day, tz, slots)
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
    planned = tuple(_fill_slot(s, tz, emergencies, priorities, normals, filler) for s in ordered_slots)

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
    head, tail = items[:i], items[i:]
    zone = items[0].starts_at.tzinfo if items else ps.slot.starts_at.tzinfo
    start = max(now, head[-1].ends_at if head else ps.slot.starts_at).astimezone(zone)
    room = elapsed_ms(start, ps.slot.ends_at) - emergency.audio.duration_ms
    order = _droppable_order(tail)
    fixed = sum(it.duration_ms for k, it in enumerate(tail) if k not in order)
    if room < fixed:
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
    room, the slot is left as it was. A slot that already holds the emergency is kept
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
        if ps.slot.ends_at <= now:
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
