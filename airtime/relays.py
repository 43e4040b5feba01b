"""Relay airtime ("Tiếp sóng"), counted apart from campaign content: planned and aired seconds per relay
over a report's period and area.

- planned: the relay items (`playlist_item.kind = 'relay'`) of the current playlists dated in the
  period, read once per distinct (day, plan_hash) and multiplied by the playlists sharing it (the same
  shape as `airtime.aggregate`);
- aired: `duration_ms` of relay events (`play_event.kind = 'relay'`, no content id) with status played
  or interrupted on a local day of the period.

Campaign rows, targets and compliance never include relays (relay items and events have no content
id). A report limited to one campaign has no relay section.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from airtime.aggregate import EVENTS, ReportQuery, cluster_set, needs_cluster_filter
from airtime.models import AIRED_STATUSES, PlayKind
from core.db import table_of
from playlists.models import Playlist, PlaylistItem, RelayProgramme

SECTION_LABEL = "Tiếp sóng"
_ITEMS = table_of(PlaylistItem)
_PLAYLISTS = table_of(Playlist)
_RELAYS = table_of(RelayProgramme)


@dataclass(frozen=True)
class RelayRow:
    relay_id: int
    label: str
    planned_seconds: float
    aired_seconds: float


@dataclass(frozen=True)
class RelayAirtime:
    rows: list[RelayRow]

    @property
    def planned_seconds(self) -> float:
        return sum(r.planned_seconds for r in self.rows)

    @property
    def aired_seconds(self) -> float:
        return sum(r.aired_seconds for r in self.rows)


def relay_airtime(session: Session, q: ReportQuery) -> RelayAirtime:
    """Planned and aired relay seconds per relay, for the report's period and area."""
    if q.campaign_id is not None:
        return RelayAirtime([])
    cluster_filter = needs_cluster_filter(session, q)
    p, i, e = _PLAYLISTS, _ITEMS, EVENTS
    current = [p.c.is_current.is_(True), p.c.day >= q.day_from, p.c.day <= q.day_to]
    if cluster_filter:
        current.append(p.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    plans = (select(p.c.day, p.c.plan_hash, sa.func.count().label("n"), sa.func.min(p.c.id).label("rep"))
             .where(*current).group_by(p.c.day, p.c.plan_hash).subquery("plans"))
    planned = (select(i.c.relay_id, sa.func.sum(i.c.duration_ms * plans.c.n))
               .select_from(plans.join(i, i.c.playlist_id == plans.c.rep))
               .where(i.c.kind == "relay").group_by(i.c.relay_id))
    # content_id IS NULL first: it is in the event indexes, so only non-content events are read whole.
    conds = [e.c.content_id.is_(None), e.c.kind == PlayKind.relay.value, e.c.local_day >= q.day_from,
             e.c.local_day <= q.day_to, e.c.status.in_(AIRED_STATUSES)]
    if cluster_filter:
        conds.append(e.c.cluster_id.in_(cluster_set(q).scalar_subquery()))
    aired = select(e.c.relay_id, sa.func.sum(e.c.duration_ms)).where(*conds).group_by(e.c.relay_id)
    totals: dict[int | None, list[int]] = {}
    for relay_id, ms in session.execute(planned):
        totals.setdefault(relay_id, [0, 0])[0] += int(ms or 0)
    for relay_id, ms in session.execute(aired):
        totals.setdefault(relay_id, [0, 0])[1] += int(ms or 0)
    ids = sorted(r for r in totals if r is not None)
    names = dict(session.execute(select(_RELAYS.c.id, _RELAYS.c.name).where(_RELAYS.c.id.in_(ids))).all()) if ids \
        else {}
    rows = [RelayRow(rid or 0, names.get(rid, f"Tiếp sóng #{rid} (đã xóa)") if rid else "Tiếp sóng không rõ mã",
                     planned / 1000, aired / 1000)
            for rid, (planned, aired) in totals.items()]
    return RelayAirtime(sorted(rows, key=lambda r: (r.label, r.relay_id)))
