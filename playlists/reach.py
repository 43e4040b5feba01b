"""The reach of a content item, shown to the approver before approving: how many communes and clusters
it reaches, and, for an emergency, the first and last time it will play.

An emergency plays at once on every targeted cluster with a device (the push and the alerts list, as
soon as it is approved and valid), then at the start of every slot of its clusters from then until its
end (`ends_at`, or the moment it was ended). The slot times are read from the slot templates (what
the planner uses), for at most `MAX_DAYS` days of its validity; relays and full slots are not
considered. For other levels only the communes and clusters are given: they air where slots have room.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import partial

from sqlmodel import Session, col, select

from campaigns.contents import latest_revision, revision_areas
from campaigns.emergencies import effective_end, end_of_day
from campaigns.models import Content
from core.areas import Area, AreaLevel, cluster_ids_under
from core.db import saved_id
from core.timeutil import local_today, now_utc
from playlists.inputs import AreaSlots, load_area_slots
from playlists.slot_times import slot_instances

MAX_DAYS = 31
CHUNK = 500


@dataclass(frozen=True)
class Reach:
    content_id: int
    revision_id: int
    level: str
    area_names: list[str]
    communes: int
    clusters: int
    valid_from: date
    valid_until: date
    ends_at: datetime | None
    ended_at: datetime | None
    slot_plays: int  # cluster-slots from the first play to the end (emergencies)
    first_play_at: datetime | None
    last_play_at: datetime | None
    note: str


def content_reach(session: Session, content: Content, *, tz: tzinfo, now: datetime | None = None,
                  slots: AreaSlots | None = None) -> Reach:
    """The reach of the item's latest revision (the one an approver decides on). `slots`: the slot
    templates, when the caller computes several reaches (loaded otherwise)."""
    now = now or now_utc()
    rev = latest_revision(session, content)
    areas = revision_areas(session, saved_id(rev))
    clusters = sorted({c for area in areas for c in cluster_ids_under(session, area)})
    rows = _areas(session, clusters)
    chains: dict[tuple[int, ...], int] = defaultdict(int)
    for area in rows:
        chains[tuple(area.ancestor_ids)] += 1
    communes = _communes(session, {a for chain in chains for a in chain})
    make = partial(Reach, content_id=saved_id(content), revision_id=saved_id(rev), level=rev.level,
                   area_names=[a.name for a in areas], communes=len(communes), clusters=len(clusters),
                   valid_from=rev.valid_from, valid_until=rev.valid_until, ended_at=content.ended_at)
    if rev.level != "emergency":
        return make(ends_at=None, slot_plays=0, first_play_at=None, last_play_at=None,
                     note="Tin không khẩn cấp được xếp vào các khung giờ còn chỗ trong thời gian hiệu lực.")
    end = effective_end(rev.ends_at or end_of_day(rev.valid_until, tz), content.ended_at)
    assert end is not None
    today = local_today(tz, now)
    start = max(now, datetime.combine(rev.valid_from, datetime.min.time(), tzinfo=tz))
    if not clusters or end <= start:
        return make(ends_at=end, slot_plays=0, first_play_at=None, last_play_at=None,
                     note="Tin không còn lần phát nào." if clusters else "Địa bàn đã chọn không có cụm loa nào.")
    plays, _first_slot, last_slot = _slot_plays(slots or load_area_slots(session), chains,
                                                max(today, rev.valid_from), rev.valid_until, tz, start, end)
    first = start  # the push and the alerts list play it at once on the clusters with a device
    last = max(last_slot, first) if last_slot else first
    note = ("Phát ngay khi duyệt trên các cụm loa có thiết bị, rồi ở đầu mỗi khung giờ phát đến khi kết thúc."
            if plays else "Không có khung giờ phát nào trước khi kết thúc: chỉ phát một lần qua lệnh khẩn cấp.")
    return make(ends_at=end, slot_plays=plays, first_play_at=first, last_play_at=last, note=note)


def _areas(session: Session, ids: list[int]) -> list[Area]:
    found: list[Area] = []
    for i in range(0, len(ids), CHUNK):
        found += list(session.exec(select(Area).where(col(Area.id).in_(ids[i:i + CHUNK]))))
    return found


def _communes(session: Session, ancestor_ids: set[int]) -> set[int]:
    ids = sorted(ancestor_ids)
    found: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        found |= {cid for cid in session.exec(select(col(Area.id)).where(col(Area.id).in_(ids[i:i + CHUNK]),
                                                                          Area.level == AreaLevel.commune))
                  if cid is not None}
    return found


def _slot_plays(slots: AreaSlots, chains: dict[tuple[int, ...], int], first_day: date, last_day: date, tz: tzinfo,
                start: datetime, end: datetime) -> tuple[int, datetime | None, datetime | None]:
    """Cluster-slots starting in [start, end) (the slot on air at `start` counts from `start`)."""
    plays, first, last = 0, None, None
    day = first_day
    while day <= min(last_day, first_day + timedelta(days=MAX_DAYS - 1)):
        for chain, count in chains.items():
            for inst in slot_instances(slots.templates_for(chain, day), day, tz):
                at = max(inst.starts_at, start)
                if inst.ends_at <= start or at >= end:
                    continue
                plays += count
                first = at if first is None or at < first else first
                last = at if last is None or at > last else last
        day += timedelta(days=1)
    return plays, first, last
