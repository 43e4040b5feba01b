"""Each cluster's state as the fleet sees it: online, late, offline or never, with its last heartbeat.

The state is a pure function of the last heartbeat's time and `now` (tested with a frozen clock):
online while a heartbeat came within 2 intervals, late after that, offline after
`settings.device_offline_after_s` (default 600 s), never without any heartbeat.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, func, select

from core.areas import Area, AreaLevel, subtree_condition
from core.db import saved_id
from core.users import AccessToken
from devices.models import ClusterStatus, Device, DeviceAlarm

MAX_CLUSTERS = 100_000


class DeviceState(StrEnum):
    online = "online"
    late = "late"
    offline = "offline"
    never = "never"


STATE_LABELS = {
    DeviceState.online: "Đang hoạt động",
    DeviceState.late: "Chậm báo cáo",
    DeviceState.offline: "Mất kết nối",
    DeviceState.never: "Chưa kết nối",
}


def cluster_state(last_seen_at: datetime | None, *, now: datetime, interval_s: int,
                  offline_after_s: int) -> DeviceState:
    if last_seen_at is None:
        return DeviceState.never
    age = now - last_seen_at
    if age <= timedelta(seconds=2 * interval_s):
        return DeviceState.online
    if age < timedelta(seconds=offline_after_s):
        return DeviceState.late
    return DeviceState.offline


@dataclass(frozen=True)
class StatusRules:
    interval_s: int
    offline_after_s: int

    def state(self, last_seen_at: datetime | None, now: datetime) -> DeviceState:
        return cluster_state(last_seen_at, now=now, interval_s=self.interval_s, offline_after_s=self.offline_after_s)


@dataclass(frozen=True)
class FleetRow:
    """One cluster in the fleet: where it is, its state, its last heartbeat, its devices and open alarms."""

    cluster_id: int
    cluster_name: str
    commune_id: int | None
    commune_name: str | None
    state: DeviceState
    devices: int
    open_alarms: int
    status: ClusterStatus | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def last_seen_at(self) -> datetime | None:
        return self.status.last_seen_at if self.status else None


def active_device_clusters(session: Session, cluster_ids: list[int] | None = None) -> Counter[int]:
    """How many paired, unrevoked devices each cluster has."""
    query = (select(Device.cluster_id, func.count()).join(AccessToken, col(AccessToken.id) == Device.token_id)
             .where(col(Device.revoked_at).is_(None), col(AccessToken.revoked_at).is_(None))
             .group_by(col(Device.cluster_id)))
    if cluster_ids is not None:
        query = query.where(col(Device.cluster_id).in_(cluster_ids))
    return Counter(dict(session.exec(query).all()))


def fleet(session: Session, *, area: Area | None, rules: StatusRules, now: datetime,
          states: set[str] | None = None, cluster_ids: list[int] | None = None,
          limit: int = MAX_CLUSTERS, offset: int = 0) -> list[FleetRow]:
    """Every cluster in the area's subtree (the whole country without one), in tree order."""
    query = (select(Area, ClusterStatus).join(ClusterStatus, col(ClusterStatus.cluster_id) == Area.id, isouter=True)
             .where(Area.level == AreaLevel.cluster))
    if area is not None:
        query = query.where(subtree_condition(area))
    if cluster_ids is not None:
        query = query.where(col(Area.id).in_(cluster_ids))
    pairs = list(session.exec(query.order_by(col(Area.path)).offset(offset).limit(limit)).all())
    ids = [saved_id(a) for a, _ in pairs]
    devices = active_device_clusters(session, ids if len(ids) < 5000 else None)
    alarms = Counter(dict(session.exec(
        select(DeviceAlarm.cluster_id, func.count()).where(col(DeviceAlarm.closed_at).is_(None))
        .group_by(col(DeviceAlarm.cluster_id))).all()))
    parents = {a.id: a for a in session.exec(select(Area).where(col(Area.id).in_({a.parent_id for a, _ in pairs})))}
    rows = []
    for cluster, status in pairs:
        state = rules.state(status.last_seen_at if status else None, now)
        if states and state.value not in states:
            continue
        parent = parents.get(cluster.parent_id)
        cluster_id = saved_id(cluster)
        rows.append(FleetRow(cluster_id, cluster.name, parent.id if parent else None, parent.name if parent else None,
                             state, devices.get(cluster_id, 0), alarms.get(cluster_id, 0), status))
    return rows


@dataclass(frozen=True)
class CommuneCount:
    commune_id: int | None
    commune_name: str
    counts: dict[str, int]
    total: int


def counts_by_commune(rows: list[FleetRow]) -> list[CommuneCount]:
    groups: dict[int | None, tuple[str, Counter[str]]] = {}
    for row in rows:
        name, counter = groups.setdefault(row.commune_id, (row.commune_name or "—", Counter()))
        counter[row.state.value] += 1
    return [CommuneCount(cid, name, {s.value: counter.get(s.value, 0) for s in DeviceState}, sum(counter.values()))
            for cid, (name, counter) in groups.items()]
