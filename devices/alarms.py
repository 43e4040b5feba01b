"""Alarms for clusters that should be on air and are not, evaluated every minute (and directly in tests).

Only clusters with a paired, unrevoked device are watched (a deployment without players raises
nothing). Kinds:
- `offline`: the device is offline (or never reported) while a slot of the cluster's current
  playlist is on air; stays open until the device is back online.
- `silent`: the device is online, a slot with items has been on air for
  `settings.alarm_silent_after_min` minutes, and the cluster has neither an as-run start since the
  slot began nor anything in `now_playing`; stays open until it plays again.
- `clock`: the last heartbeat reports a clock offset over `settings.alarm_clock_offset_s`.
At most one alarm is open per cluster and kind (a partial unique index); the evaluation opens and
closes them, operators acknowledge them (acknowledging does not close: the condition does).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from airtime.models import PlayChain
from core.areas import Area, subtree_condition
from core.db import saved_id
from core.errors import NotFound
from core.timeutil import local_today
from devices.models import ClusterStatus, DeviceAlarm
from devices.status import DeviceState, StatusRules, active_device_clusters
from playlists.models import Playlist, PlaylistItem

# An as-run start this much before the slot still counts (device clocks drift, items start early).
START_TOLERANCE = timedelta(minutes=1)


class AlarmKind(StrEnum):
    offline = "offline"
    silent = "silent"
    clock = "clock"


KIND_LABELS = {
    AlarmKind.offline: "Mất kết nối trong giờ phát",
    AlarmKind.silent: "Không phát trong giờ phát",
    AlarmKind.clock: "Đồng hồ thiết bị lệch",
}


@dataclass(frozen=True)
class AlarmRules:
    status: StatusRules
    silent_after: timedelta
    clock_offset_ms: int
    tz: tzinfo


@dataclass(frozen=True)
class SlotOnAir:
    name: str
    starts_at: datetime
    ends_at: datetime


def slots_on_air(session: Session, *, now: datetime, tz: tzinfo) -> dict[int, SlotOnAir]:
    """For each cluster, the slot (with items) of its current playlist that is on air at `now`.

    Playlists with the same (day, plan_hash) have the same items, so items are read once per plan.
    """
    today = local_today(tz, now)
    days = [today - timedelta(days=1), today]
    current = [col(Playlist.is_current).is_(True), col(Playlist.day).in_(days)]
    reps = dict(session.exec(select(func.min(Playlist.id), Playlist.plan_hash).where(*current)
                             .group_by(col(Playlist.day), col(Playlist.plan_hash))).all())
    if not reps:
        return {}
    on_air: dict[int, SlotOnAir] = {}
    for playlist_id, name, starts, ends in session.exec(
            select(PlaylistItem.playlist_id, PlaylistItem.slot_name, PlaylistItem.slot_starts_at,
                   PlaylistItem.slot_ends_at)
            .where(col(PlaylistItem.playlist_id).in_(list(reps)), col(PlaylistItem.slot_starts_at) <= now,
                   col(PlaylistItem.slot_ends_at) > now).distinct()).all():
        on_air[playlist_id] = SlotOnAir(name, starts, ends)
    # A plan hash belongs to a day: key by both.
    rep_day = dict(session.exec(select(col(Playlist.id), col(Playlist.day))
                                .where(col(Playlist.id).in_(list(on_air)))).all())
    by_plan = {(reps[pid], rep_day[pid]): slot for pid, slot in on_air.items()}
    found: dict[int, SlotOnAir] = {}
    for cluster_id, day, plan_hash in session.exec(
            select(col(Playlist.cluster_id), col(Playlist.day), col(Playlist.plan_hash)).where(*current)).all():
        slot = by_plan.get((plan_hash, day))
        if slot is not None:
            found[cluster_id] = slot
    return found


def _hm(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def _wanted(session: Session, *, now: datetime, rules: AlarmRules,
            open_alarms: dict[tuple[int, str], DeviceAlarm]) -> dict[tuple[int, str], tuple[str, datetime | None]]:
    """(cluster, kind) -> (detail, slot start) for every alarm that should be open at `now`."""
    watched = list(active_device_clusters(session))
    statuses = {s.cluster_id: s for s in session.exec(select(ClusterStatus).where(
        col(ClusterStatus.cluster_id).in_(watched)))} if watched else {}
    last_start = dict(session.exec(select(PlayChain.cluster_id, PlayChain.last_started_at).where(
        col(PlayChain.cluster_id).in_(watched))).all()) if watched else {}
    slots = slots_on_air(session, now=now, tz=rules.tz) if watched else {}
    tz = rules.tz
    wanted: dict[tuple[int, str], tuple[str, datetime | None]] = {}
    for cluster_id in watched:
        status = statuses.get(cluster_id)
        state = rules.status.state(status.last_seen_at if status else None, now)
        slot = slots.get(cluster_id)
        offline_key = (cluster_id, AlarmKind.offline.value)
        if state in (DeviceState.offline, DeviceState.never):
            if offline_key in open_alarms:
                wanted[offline_key] = (open_alarms[offline_key].detail, open_alarms[offline_key].slot_starts_at)
            elif slot is not None:
                seen = (f"lần cuối {status.last_seen_at.astimezone(tz):%H:%M %d/%m/%Y}" if status
                        else "thiết bị chưa từng kết nối")
                wanted[offline_key] = (f"Mất kết nối trong khung giờ “{slot.name}” ({_hm(slot.starts_at, tz)}–"
                                       f"{_hm(slot.ends_at, tz)}); {seen}.", slot.starts_at)
        silent_key = (cluster_id, AlarmKind.silent.value)
        playing = bool(status and status.now_playing)
        last = last_start.get(cluster_id)
        if silent_key in open_alarms:
            since = open_alarms[silent_key].slot_starts_at or open_alarms[silent_key].opened_at
            if not playing and (last is None or last < since - START_TOLERANCE):
                wanted[silent_key] = (open_alarms[silent_key].detail, since)
        elif (state in (DeviceState.online, DeviceState.late) and slot is not None and not playing
              and now >= slot.starts_at + rules.silent_after
              and (last is None or last < slot.starts_at - START_TOLERANCE)):
            minutes = int(rules.silent_after.total_seconds() // 60)
            wanted[silent_key] = (f"Không phát gì trong khung giờ “{slot.name}” ({_hm(slot.starts_at, tz)}–"
                                  f"{_hm(slot.ends_at, tz)}) sau {minutes} phút dù thiết bị đang kết nối.",
                                  slot.starts_at)
        offset = status.clock_offset_ms if status else None
        if state != DeviceState.never and offset is not None and abs(offset) > rules.clock_offset_ms:
            wanted[(cluster_id, AlarmKind.clock.value)] = (
                f"Đồng hồ thiết bị lệch {offset / 1000:+.0f} giây so với máy chủ "
                f"(cho phép {rules.clock_offset_ms // 1000} giây).", None)
    return wanted


@dataclass(frozen=True)
class AlarmChanges:
    opened: list[int]
    closed: list[int]


def evaluate_alarms(session: Session, *, now: datetime, rules: AlarmRules) -> AlarmChanges:
    """Open the alarms whose condition holds at `now`, close those whose condition ended."""
    open_alarms = {(a.cluster_id, a.kind): a for a in session.exec(
        select(DeviceAlarm).where(col(DeviceAlarm.closed_at).is_(None)))}
    wanted = _wanted(session, now=now, rules=rules, open_alarms=open_alarms)
    closed = []
    for key, alarm in open_alarms.items():
        if key not in wanted:
            alarm.closed_at = now
            session.add(alarm)
            closed.append(alarm.id)
    new = [DeviceAlarm(cluster_id=cluster_id, kind=kind, detail=detail[:500], slot_starts_at=since, opened_at=now)
           for (cluster_id, kind), (detail, since) in wanted.items() if (cluster_id, kind) not in open_alarms]
    session.add_all(new)
    session.flush()
    return AlarmChanges([a.id for a in new if a.id is not None], [i for i in closed if i is not None])


# --- reading and acknowledging -------------------------------------------------------------------------------

class AlarmOut(BaseModel):
    id: int
    cluster_id: int
    cluster_name: str
    commune_name: str | None
    kind: str
    kind_label: str
    detail: str
    opened_at: datetime
    closed_at: datetime | None
    acked_at: datetime | None
    acked_by: int | None
    notified_at: datetime | None


def get_alarm(session: Session, alarm_id: int) -> DeviceAlarm:
    alarm = session.get(DeviceAlarm, alarm_id)
    if alarm is None:
        raise NotFound("cảnh báo", alarm_id)
    return alarm


def acknowledge_alarm(session: Session, alarm: DeviceAlarm, *, by: int | None, now: datetime) -> DeviceAlarm:
    if alarm.acked_at is None:
        alarm.acked_at, alarm.acked_by = now, by
        session.add(alarm)
        session.flush()
    return alarm


def _out(alarm: DeviceAlarm, cluster: Area, commune: Area | None, tz: tzinfo) -> AlarmOut:
    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value else None

    return AlarmOut(id=saved_id(alarm), cluster_id=alarm.cluster_id, cluster_name=cluster.name,
                    commune_name=commune.name if commune else None, kind=alarm.kind,
                    kind_label=KIND_LABELS.get(AlarmKind(alarm.kind), alarm.kind), detail=alarm.detail,
                    opened_at=alarm.opened_at.astimezone(tz), closed_at=local(alarm.closed_at),
                    acked_at=local(alarm.acked_at), acked_by=alarm.acked_by, notified_at=local(alarm.notified_at))


def list_alarms(session: Session, *, area: Area | None, include_closed: bool = False, limit: int = 500,
                tz: tzinfo) -> list[AlarmOut]:
    """Open alarms (and closed ones when asked) of the clusters in the area's subtree, newest first."""
    query = select(DeviceAlarm, Area).join(Area, col(Area.id) == DeviceAlarm.cluster_id)
    if area is not None:
        query = query.where(subtree_condition(area))
    if not include_closed:
        query = query.where(col(DeviceAlarm.closed_at).is_(None))
    pairs = list(session.exec(query.order_by(col(DeviceAlarm.opened_at).desc(), col(DeviceAlarm.id).desc())
                              .limit(limit)).all())
    parents = {a.id: a for a in session.exec(select(Area).where(col(Area.id).in_({c.parent_id for _, c in pairs})))}
    return [_out(alarm, cluster, parents.get(cluster.parent_id), tz) for alarm, cluster in pairs]


def alarm_out(session: Session, alarm: DeviceAlarm, *, tz: tzinfo) -> AlarmOut:
    cluster = session.get(Area, alarm.cluster_id)
    assert cluster is not None
    return _out(alarm, cluster, session.get(Area, cluster.parent_id) if cluster.parent_id else None, tz)
