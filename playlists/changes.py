"""Following content changes on already published playlists (the `content_changed` task).

When approved content gets its audio, or is withdrawn, archived or replaced, today's playlists (and
an already built tomorrow's) of the clusters it touches are brought in line: an approved emergency
with audio is patched into the start of the current or next slot of each targeted cluster's
current playlist (`insert_emergency`, published as a new version like any build); anything else
rebuilds the affected clusters' day in full (`playlists.service.build_day`).
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from campaigns.eligibility import AirableContent, CampaignTarget, airable_contents, campaign_targets
from core.areas import Area, cluster_ids_under
from core.levels import Level
from core.timeutil import local_today, now_utc
from playlists.grouping import GroupPlan, candidate_from, digest, plan_hash_of, plan_rows, utc_iso
from playlists.inputs import chunked
from playlists.models import Playlist, PlaylistItem, PlaylistPlan
from playlists.planner import AudioRef, DayPlan, LeftOut, PlannedItem, PlannedSlot, SlotInstance, emergency_insert
from playlists.publish import BuildResult, publish_groups
from playlists.service import build_day, build_lock


@dataclass(frozen=True)
class ChangeResult:
    content_id: int
    clusters: int
    builds: list[BuildResult]
    emergency_inserted: bool

    def as_dict(self) -> dict:
        return {"content_id": self.content_id, "clusters": self.clusters,
                "emergency_inserted": self.emergency_inserted, "builds": [b.as_dict() for b in self.builds]}


def apply_content_change(engine: Engine, *, content_id: int, tz: tzinfo, now: datetime | None = None) -> ChangeResult:
    """Bring today's (and an already built tomorrow's) playlists in line with a content change.

    An approved emergency with audio goes in at the start of the current or next slot of every
    targeted cluster's current playlist for today; anything else (approval, withdrawal, new audio)
    rebuilds the affected clusters' day in full.
    """
    now = now or now_utc()
    today = local_today(tz, now)
    tomorrow = today + timedelta(days=1)
    with Session(engine) as session:
        clusters, content = affected_clusters(session, content_id, [today, tomorrow])
        if not clusters:
            return ChangeResult(content_id, 0, [], False)
        later = days_with_playlists(session, [tomorrow], clusters)
        targets = campaign_targets(session, [content.campaign_id] if content and content.campaign_id else [])
        already = set(session.exec(
            select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
            .where(col(Playlist.is_current).is_(True), Playlist.day == today,
                   PlaylistItem.content_id == content_id).distinct()))
    builds: list[BuildResult] = []
    inserted = False
    is_emergency = (content is not None and content.level == "emergency" and content.audio_sha256 is not None
                    and content.valid_from <= today <= content.valid_until)
    full_today = sorted(clusters)
    if is_emergency:
        assert content is not None
        with build_lock(engine):
            fresh = sorted(clusters - already)
            result = insert_emergency(engine, content=content, cluster_ids=fresh, day=today, tz=tz, now=now,
                                      targets=targets)
        if result is not None:
            builds.append(result)
            inserted = True
        # Clusters without a playlist today, or already holding it (new audio), get a full build.
        with Session(engine) as session:
            have = _current_clusters(session, today, fresh)
        full_today = sorted(already | (set(fresh) - have))
    if full_today:
        builds.append(build_day(engine, day=today, tz=tz, cluster_ids=full_today, reason="content_changed"))
    for day in later:
        builds.append(build_day(engine, day=day, tz=tz, cluster_ids=sorted(clusters), reason="content_changed"))
    return ChangeResult(content_id, len(clusters), builds, inserted)


def affected_clusters(session: Session, content_id: int,
                      days: Sequence[date]) -> tuple[set[int], AirableContent | None]:
    """Clusters a change of `content_id` touches: those it targets now, and those whose current playlist
    on one of `days` holds it (it may have been withdrawn or retargeted)."""
    found: set[int] = set()
    content = next((a for a in airable_contents(session, day_from=min(days), day_to=max(days))
                    if a.content_id == content_id), None)
    if content is not None and content.area_ids:
        areas = list(session.exec(select(Area).where(col(Area.id).in_(list(content.area_ids)))))
        for area in areas:
            found |= set(cluster_ids_under(session, area))
    found |= set(session.exec(
        select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
        .where(col(Playlist.is_current).is_(True), col(Playlist.day).in_(list(days)),
               PlaylistItem.content_id == content_id).distinct()))
    return found, content


def days_with_playlists(session: Session, days: Sequence[date], cluster_ids: Iterable[int]) -> list[date]:
    """The days among `days` on which one of the clusters has a current playlist."""
    ids = sorted(set(cluster_ids))
    result = []
    for day in days:
        for chunk in chunked(ids):
            hit = session.exec(select(Playlist.id).where(
                Playlist.day == day, col(Playlist.is_current).is_(True),
                col(Playlist.cluster_id).in_(list(chunk))).limit(1)).first()
            if hit is not None:
                result.append(day)
                break
    return result


def _current_clusters(session: Session, day: date, cluster_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(cluster_ids):
        found |= set(session.exec(select(Playlist.cluster_id).where(
            Playlist.day == day, col(Playlist.is_current).is_(True), col(Playlist.cluster_id).in_(list(chunk)))))
    return found


# ---------------------------------------------------------------------------- emergencies


def insert_emergency(engine: Engine, *, content: AirableContent, cluster_ids: Iterable[int], day: date,
                     tz: tzinfo, now: datetime, targets: dict[int, CampaignTarget]) -> BuildResult | None:
    """Put an approved emergency at the start of the current or next slot of each cluster's current
    playlist of `day` (call under the build lock). Clusters without a playlist that day are left to
    a full build. Returns None when nothing was published."""
    candidate = candidate_from(content, targets, True)
    started = time.monotonic()
    with Session(engine) as session:
        ids = sorted(set(cluster_ids))
        current: dict[int, tuple[int, int, str, str]] = {}
        max_version: dict[int, int] = {}
        for chunk in chunked(ids):
            found = session.exec(select(Playlist).where(Playlist.day == day,
                                                        col(Playlist.cluster_id).in_(list(chunk))))
            for p in found:
                max_version[p.cluster_id] = max(p.version, max_version.get(p.cluster_id, 0))
                if p.is_current:
                    assert p.id is not None
                    current[p.cluster_id] = (p.id, p.version, p.inputs_hash, p.plan_hash)
        by_inputs: dict[str, list[int]] = defaultdict(list)
        for cid, (_pid, _v, inputs_hash, _ph) in current.items():
            by_inputs[inputs_hash].append(cid)
        groups: list[GroupPlan] = []
        for inputs_hash, members in sorted(by_inputs.items()):
            plan_row = session.get(PlaylistPlan, inputs_hash)
            if plan_row is None:
                continue
            rep = current[members[0]][0]
            items = list(session.exec(select(PlaylistItem).where(PlaylistItem.playlist_id == rep)))
            plan = _plan_from_rows(day, tz, plan_row.slots, items)
            result = emergency_insert(plan, candidate, now)
            if not result.slot_indexes or result.plan == plan:
                continue
            # The stored explanation, minus the emergency, plus what the insertion pushed out.
            left_out = {lo["content_id"]: LeftOut(lo["content_id"], lo["reason"]) for lo in plan_row.left_out
                        if lo["content_id"] != content.content_id}
            left_out.update({lo.content_id: lo for lo in result.plan.left_out})
            revisions = {it.content_id: it.revision_id for it in items
                         if it.content_id is not None and it.revision_id is not None}
            revisions[content.content_id] = content.revision_id
            rows = plan_rows(result.plan, revisions)
            new_plan = DayPlan(day=day, slots=result.plan.slots,
                               left_out=tuple(left_out[k] for k in sorted(left_out)))
            group = GroupPlan(inputs_hash=digest("emergency", inputs_hash, content.content_id, utc_iso(now)),
                              plan_hash=plan_hash_of(day, new_plan, rows), plan=new_plan, rows=rows,
                              clusters=list(members))
            groups.append(group)
    if not groups:
        return None
    return publish_groups(engine, day=day, groups=groups, current=current, max_version=max_version, area_id=None,
                          reason="emergency", created_by=None, started=started)


def _plan_from_rows(day: date, tz: tzinfo, slots_json: list[dict], items: Sequence[PlaylistItem]) -> DayPlan:
    """Rebuild a published DayPlan (to patch it) from its stored slots and item rows."""
    by_slot: dict[int, list[PlannedItem]] = defaultdict(list)
    for it in sorted(items, key=lambda r: (r.slot_index, r.position)):
        audio = AudioRef(it.sha256, it.ext, it.duration_ms) if it.sha256 and it.ext else None  # None: a relay
        by_slot[it.slot_index].append(PlannedItem(
            position=it.position, kind=it.kind, content_id=it.content_id, title=it.title,
            campaign_id=it.campaign_id, level=Level[it.level.upper()], starts_at=it.starts_at.astimezone(tz),
            duration_ms=it.duration_ms, audio=audio, relay_id=it.relay_id, stream_url=it.stream_url))
    slots = []
    for s in slots_json:
        inst = SlotInstance(s["slot_id"], s["name"], datetime.fromisoformat(s["starts_at"]).astimezone(tz),
                            datetime.fromisoformat(s["ends_at"]).astimezone(tz))
        placed = tuple(by_slot.get(s["index"], ()))
        unused = inst.duration_ms - sum(i.duration_ms for i in placed)
        slots.append(PlannedSlot(slot=inst, items=placed, unused_ms=unused))
    return DayPlan(day=day, slots=tuple(slots), left_out=())
