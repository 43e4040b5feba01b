"""Grouping clusters by equal planner inputs, planning each group once, and the hashes that say
whether anything changed.

A province's thousands of clusters fall into a handful of groups: clusters of one commune usually
share their slots, targeted content, campaigns, filler and play history. `plan_groups` finds the
groups of a day's `BuildInputs` and runs the pure planner once per group. Two hashes go with each
group's plan: the *inputs hash* (everything the planner read: equal inputs, equal plan, so a
cluster whose inputs hash is unchanged keeps its playlist) and the *plan hash* (what the plan
says: changed inputs that give the same plan keep the playlist too).

`Targeting` (which content and campaigns reach which areas) and `candidate_from` are shared with
the weekly forecast, which groups the clusters of a campaign the same way.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from campaigns.eligibility import AirableContent, CampaignTarget
from core.levels import Level
from core.timeutil import iso_week_start
from playlists.inputs import BuildInputs
from playlists.planner import AudioRef, CampaignProgress, Candidate, DayPlan, RelayWindow, plan_day
from playlists.priority_orders import order_for
from playlists.slot_times import SlotInstance, SlotTemplate, elapsed_ms, slot_instances

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- hashing


def digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _stamp(value: object) -> object:
    # An instant as integer microseconds since the epoch: exact, zone-free, and cheap to hash.
    return round(value.timestamp() * 1_000_000) if isinstance(value, datetime) else value


def _audio_key(ref: AudioRef | None) -> tuple | None:
    return None if ref is None else (ref.sha256, ref.ext, ref.duration_ms)


def plan_hash_of(day: date, plan: DayPlan, rows: list[tuple]) -> str:
    slots = [(ps.slot.name, _stamp(ps.slot.starts_at), _stamp(ps.slot.ends_at)) for ps in plan.slots]
    return digest("plan", day.isoformat(), slots, [tuple(map(_stamp, r)) for r in rows])


def candidate_key(c: Candidate, revision_id: int | None) -> str:
    """Everything about a candidate the planner reads, as a stable string (for the inputs hash)."""
    key = (c.content_id, c.title, c.campaign_id, int(c.level), c.valid_from.isoformat(),
           c.valid_until.isoformat(), c.approved, c.targeted, _audio_key(c.audio), revision_id)
    # The end only when there is one: items without keep the hashes they had before ends_at existed.
    return repr(key if c.ends_at is None else (*key, utc_iso(c.ends_at)))


def inputs_hash_of(day: date, tz: tzinfo, instances: Sequence[SlotInstance], candidate_keys: Iterable[str],
                   progress: dict[int, CampaignProgress], last_planned: dict[int, datetime],
                   filler: AudioRef | None = None, relays: Sequence[RelayWindow] = (),
                   priority_order: dict[int, tuple[int, ...]] | None = None) -> str:
    parts: list[object] = [
        "inputs", day.isoformat(), str(tz), _audio_key(filler),
        [(s.slot_id, s.name, utc_iso(s.starts_at), utc_iso(s.ends_at), _audio_key(s.intro), _audio_key(s.outro))
         for s in instances],
        "|".join(candidate_keys),
        [(cid, p.target_seconds_per_week, round(p.planned_seconds_this_week, 3))
         for cid, p in sorted(progress.items())],
        sorted((cid, utc_iso(t)) for cid, t in last_planned.items()),
    ]
    # Only when present, so that days without relays or orders keep the hashes they had before them.
    if relays:
        parts.append(sorted((r.relay_id, r.name, r.stream_url, utc_iso(r.starts_at), utc_iso(r.ends_at))
                            for r in relays))
    if priority_order:
        parts.append(sorted(priority_order.items()))
    return digest(*parts)


# ---------------------------------------------------------------------------- planner input


def candidate_from(a: AirableContent, targets: dict[int, CampaignTarget], targeted: bool) -> Candidate:
    valid_from, valid_until = a.valid_from, a.valid_until
    campaign = targets.get(a.campaign_id) if a.campaign_id is not None else None
    if campaign is not None:
        # The campaign's own period bounds its content's airing.
        valid_from, valid_until = max(valid_from, campaign.starts_on), min(valid_until, campaign.ends_on)
    audio = None
    if a.audio_sha256 and a.audio_ext and a.audio_duration_ms and a.audio_duration_ms > 0:
        audio = AudioRef(a.audio_sha256, a.audio_ext, a.audio_duration_ms)
    return Candidate(
        content_id=a.content_id, title=a.title, campaign_id=a.campaign_id, level=Level.from_api(a.level),
        valid_from=valid_from, valid_until=valid_until, approved=True, targeted=targeted, audio=audio,
        ends_at=a.ends_at,
    )


def campaign_progress(targets: dict[int, CampaignTarget], campaign_ids: Iterable[int],
                      planned_seconds: dict[int, float] | None = None) -> dict[int, CampaignProgress]:
    """Each campaign's weekly target, with what earlier days of the week already hold."""
    planned_seconds = planned_seconds or {}
    return {c: CampaignProgress(c, float(targets[c].target_minutes_per_week or 0) * 60, planned_seconds.get(c, 0.0))
            for c in sorted(campaign_ids)}


def drop_overlaps(instances: list[SlotInstance]) -> list[SlotInstance]:
    """Defensive: the slot service refuses overlaps, but a day must build even if data slipped past it."""
    kept: list[SlotInstance] = []
    for inst in instances:
        if kept and elapsed_ms(inst.starts_at, kept[-1].ends_at) > 0:
            log.warning("slot %s (%s) overlaps slot %s: left out of the plan", inst.slot_id, inst.name,
                        kept[-1].slot_id)
            continue
        kept.append(inst)
    return kept


@dataclass(frozen=True)
class Targeting:
    """Which airable content (indexes into the list it was made from) and which campaigns with a weekly
    target reach each area. A cluster gets what reaches any of its ancestor-or-self areas."""

    content: dict[int, list[int]]  # area_id -> indexes into airable
    campaigns: dict[int, list[int]]  # area_id -> campaign ids

    def content_for(self, ancestor_ids: Iterable[int]) -> frozenset[int]:
        return frozenset(i for a in ancestor_ids for i in self.content.get(a, ()))

    def campaigns_for(self, ancestor_ids: Iterable[int]) -> frozenset[int]:
        return frozenset(c for a in ancestor_ids for c in self.campaigns.get(a, ()))


def targeting(airable: Sequence[AirableContent], targets: dict[int, CampaignTarget], first_day: date,
              last_day: date) -> Targeting:
    """Content by target area; campaigns with a weekly target whose period overlaps [first_day, last_day]."""
    content: dict[int, list[int]] = defaultdict(list)
    for i, a in enumerate(airable):
        for area_id in a.area_ids:
            content[area_id].append(i)
    campaigns: dict[int, list[int]] = defaultdict(list)
    for cid, t in targets.items():
        if t.target_minutes_per_week and t.target_minutes_per_week > 0 and t.starts_on <= last_day \
                and t.ends_on >= first_day:
            for area_id in t.area_ids:
                campaigns[area_id].append(cid)
    return Targeting(dict(content), dict(campaigns))


# ---------------------------------------------------------------------------- one plan per group


@dataclass
class GroupPlan:
    """One planner run and the rows every cluster of its group gets."""

    inputs_hash: str
    plan_hash: str
    plan: DayPlan
    rows: list[tuple]  # writer.ITEM_COLUMNS values, Python types (UTC datetimes)
    clusters: list[int] = field(default_factory=list)


def plan_rows(plan: DayPlan, revisions: dict[int, int]) -> list[tuple]:
    rows: list[tuple] = []
    for slot_index, ps in enumerate(plan.slots):
        s_start, s_end = ps.slot.starts_at.astimezone(UTC), ps.slot.ends_at.astimezone(UTC)
        for item in ps.items:
            rows.append((
                slot_index, ps.slot.name, s_start, s_end, item.position, item.kind, item.content_id,
                revisions.get(item.content_id) if item.content_id is not None else None, item.campaign_id,
                item.level.api_name, item.title, item.starts_at.astimezone(UTC), item.duration_ms,
                item.audio.sha256 if item.audio else None, item.audio.ext if item.audio else None,
                item.relay_id, item.stream_url,
            ))
    return rows


def plan_slots_json(plan: DayPlan) -> list[dict]:
    return [{"index": i, "slot_id": ps.slot.slot_id, "name": ps.slot.name, "starts_at": utc_iso(ps.slot.starts_at),
             "ends_at": utc_iso(ps.slot.ends_at), "unused_ms": ps.unused_ms} for i, ps in enumerate(plan.slots)]


def plan_group(day: date, tz: tzinfo, inputs_hash: str, instances: Sequence[SlotInstance],
               candidates: Sequence[Candidate], progress: dict[int, CampaignProgress],
               last_planned: dict[int, datetime], revisions: dict[int, int],
               filler: AudioRef | None = None, relays: Sequence[RelayWindow] = (),
               priority_order: dict[int, tuple[int, ...]] | None = None) -> GroupPlan:
    plan = plan_day(day=day, tz=tz, slots=instances, candidates=candidates, progress=progress,
                    last_planned=last_planned, filler=filler, relays=relays, priority_order=priority_order)
    rows = plan_rows(plan, revisions)
    return GroupPlan(inputs_hash=inputs_hash, plan_hash=plan_hash_of(day, plan, rows), plan=plan, rows=rows)


def _history_of(inputs: BuildInputs, history: tuple[tuple[date, str], ...],
                week_start: date) -> tuple[dict[int, float], dict[int, datetime]]:
    """This ISO week's planned seconds by campaign and each content's last planned start, from history."""
    seconds: dict[int, float] = defaultdict(float)
    last_planned: dict[int, datetime] = {}
    for hday, plan_hash in history:
        h = inputs.history_days.get((hday, plan_hash))
        if h is None:
            continue
        if hday >= week_start:
            for campaign_id, s in h.seconds_by_campaign.items():
                seconds[campaign_id] += s
        for content_id, when in h.last_start.items():
            if content_id not in last_planned or last_planned[content_id] < when:
                last_planned[content_id] = when
    return seconds, last_planned


def plan_groups(inputs: BuildInputs) -> list[GroupPlan]:
    """Group the clusters by equal planner inputs and plan each group once."""
    day, tz = inputs.day, inputs.tz
    week_start = iso_week_start(day)
    targets = inputs.targets
    reach = targeting(inputs.airable, targets, day, day)
    revisions = {a.content_id: a.revision_id for a in inputs.airable}

    # Key parts computed once per parent chain: a commune's clusters share theirs unless a cluster
    # has slots, targeted content, campaigns or a commemorative day of its own.
    own_areas = (set(inputs.slots.by_area) | set(reach.content) | set(reach.campaigns) | set(inputs.slots.fillers)
                 | {a for a in inputs.slots.commemorations.areas_on(day) if a is not None}
                 | set(inputs.relays) | set(inputs.priority_orders))
    chain_cache: dict[tuple[int, ...], tuple] = {}

    def chain_key(ancestor_ids: tuple[int, ...]):
        found = chain_cache.get(ancestor_ids)
        if found is None:
            relays = {r.relay_id: r for a in ancestor_ids for r in inputs.relays.get(a, ())}
            found = chain_cache[ancestor_ids] = (
                len(chain_cache), inputs.slots.templates_for(ancestor_ids, day), reach.content_for(ancestor_ids),
                reach.campaigns_for(ancestor_ids), inputs.slots.filler_for(ancestor_ids),
                tuple(relays[k] for k in sorted(relays)),
                tuple(sorted(order_for(inputs.priority_orders, ancestor_ids).items())))
        return found

    groups: dict[tuple, list[int]] = defaultdict(list)
    chains: dict[int, tuple] = {}
    for cid, path in inputs.clusters:
        ancestor_ids = tuple(int(p) for p in path.strip("/").split("/") if p)
        chain = chain_key(ancestor_ids if cid in own_areas else ancestor_ids[:-1])
        chains[chain[0]] = chain
        groups[(chain[0], inputs.history.get(cid, ()))].append(cid)

    # Candidates and their hash keys, made once per content item (targeted: the groups hold only theirs).
    candidates = [candidate_from(a, targets, True) for a in inputs.airable]
    keys = [candidate_key(c, a.revision_id) for c, a in zip(candidates, inputs.airable, strict=True)]
    instances_cache: dict[tuple[SlotTemplate, ...], list[SlotInstance]] = {}
    hashes: dict[tuple, str] = {}
    plans: dict[str, GroupPlan] = {}
    result: list[GroupPlan] = []
    for (chain_index, history), cluster_ids in groups.items():
        _, templates, targeted, campaigns, filler, relays, orders = chains[chain_index]
        seconds, last_planned = _history_of(inputs, history, week_start)
        progress = campaign_progress(targets, campaigns, seconds)
        instances = instances_cache.get(templates)
        if instances is None:
            instances = instances_cache[templates] = drop_overlaps(slot_instances(templates, day, tz))
        chosen = sorted(targeted)
        # Communes of a province usually share slots, content and history: hash their inputs once.
        shortcut = (templates, targeted, campaigns, history, filler, relays, orders)
        inputs_hash = hashes.get(shortcut)
        if inputs_hash is None:
            inputs_hash = hashes[shortcut] = inputs_hash_of(day, tz, instances, (keys[i] for i in chosen),
                                                            progress, last_planned, filler, relays, dict(orders))
        # Different keys can still mean equal inputs (communes with the same content): plan once.
        existing = plans.get(inputs_hash)
        if existing is not None:
            existing.clusters += cluster_ids
            continue
        group = plan_group(day, tz, inputs_hash, instances, [candidates[i] for i in chosen], progress,
                           last_planned, revisions, filler, relays, dict(orders))
        group.clusters = list(cluster_ids)
        plans[inputs_hash] = group
        result.append(group)
    return result
