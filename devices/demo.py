"""`loaxa demo`'s fleet: simulated players, clearly labelled as such, so the fleet page has something to show.

Of the demo province's clusters (in id order): the first six get a simulated device that "sends"
heartbeats through the real service (`devices.heartbeats.record_heartbeat`), kept fresh by the
scheduler job `simulate-demo-devices` while `loaxa serve` runs (the job exists only where such
devices exist); the seventh gets a simulated device that went offline three hours ago, with an
open alarm; the last two stay unpaired ("chưa kết nối"). What a simulated device reports as
playing is the item of its published playlist on air at that moment. Idempotent: devices are found
by their label; a second run adds nothing.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.areas import Area, AreaLevel
from core.config import Settings
from core.db import saved_id, session_scope
from core.timeutil import local_today, now_utc
from core.users import issue_device_token
from devices.alarms import AlarmKind
from devices.heartbeats import HeartbeatIn, NowPlaying, record_heartbeat
from devices.models import ClusterStatus, Device, DeviceAlarm
from playlists.demo import demo_province
from playlists.models import Playlist, PlaylistItem

SIMULATED = "[Mô phỏng] "
SIMULATED_OFFLINE = "[Mô phỏng, mất kết nối] "
ONLINE_CLUSTERS = 6
OFFLINE_AGO = timedelta(hours=3)
AGENT_VERSION = "mô phỏng"


def _demo_clusters(session: Session) -> list[Area]:
    province = demo_province(session)
    if province is None:
        return []
    return list(session.exec(select(Area).where(Area.level == AreaLevel.cluster,
                                                col(Area.path).startswith(province.path)).order_by(col(Area.id))))


def _ensure_device(session: Session, cluster: Area, prefix: str) -> tuple[Device, bool]:
    existing = session.exec(select(Device).where(Device.cluster_id == cluster.id,
                                                 col(Device.name).startswith(prefix))).first()
    if existing is not None:
        return existing, False
    name = f"{prefix}{cluster.name}"
    _token, row = issue_device_token(session, cluster, label=name)
    device = Device(cluster_id=saved_id(cluster), name=name, token_id=saved_id(row))
    session.add(device)
    session.flush()
    return device, True


def _now_playing(session: Session, cluster_id: int, now: datetime) -> NowPlaying | None:
    """The item of the cluster's current playlist on air now; filler for the rest of a slot; None between slots."""
    item = session.exec(
        select(PlaylistItem).join(Playlist, col(Playlist.id) == PlaylistItem.playlist_id)
        .where(Playlist.cluster_id == cluster_id, col(Playlist.is_current).is_(True),
               col(PlaylistItem.slot_starts_at) <= now, col(PlaylistItem.slot_ends_at) > now,
               col(PlaylistItem.starts_at) <= now)
        .order_by(col(PlaylistItem.starts_at).desc())).first()
    if item is None:
        return None
    if item.starts_at + timedelta(milliseconds=item.duration_ms) > now:
        return NowPlaying(content_id=item.content_id, kind=item.kind, title=item.title, started_at=item.starts_at)
    return NowPlaying(kind="filler", title="Nhạc đệm (mô phỏng)", started_at=now)


def _beat(session: Session, device: Device, settings: Settings, now: datetime, *, seen_at: datetime) -> None:
    local_day = local_today(settings.tz, now)
    playlist = session.exec(select(Playlist).where(Playlist.cluster_id == device.cluster_id, Playlist.day == local_day,
                                                   col(Playlist.is_current).is_(True))).first()
    beat = HeartbeatIn(agent_version=AGENT_VERSION, device_time=seen_at,
                       playlist_date=playlist.day if playlist else None,
                       playlist_version=playlist.version if playlist else None,
                       now_playing=_now_playing(session, device.cluster_id, seen_at),
                       clock_offset_ms=(device.cluster_id * 37) % 900 - 450, disk_free_mb=5120 + device.cluster_id,
                       cache_mb=64, unsent_events=0, volume=80, push="off",
                       last_error=None if seen_at == now else "Mất kết nối mạng di động (mô phỏng)")
    record_heartbeat(session, cluster_id=device.cluster_id, device_id=device.id, beat=beat, now=seen_at)


def load_demo_devices(session: Session, settings: Settings, echo: Callable[[str], None] = print) -> None:
    clusters = _demo_clusters(session)
    if len(clusters) <= ONLINE_CLUSTERS:
        echo("Chưa có cụm loa mẫu: bỏ qua thiết bị mô phỏng.")
        return
    now = now_utc()
    created = 0
    for cluster in clusters[:ONLINE_CLUSTERS]:
        device, new = _ensure_device(session, cluster, SIMULATED)
        created += new
        _beat(session, device, settings, now, seen_at=now)
    offline_cluster = clusters[ONLINE_CLUSTERS]
    device, new = _ensure_device(session, offline_cluster, SIMULATED_OFFLINE)
    created += new
    if new or session.get(ClusterStatus, offline_cluster.id) is None:
        _beat(session, device, settings, now, seen_at=now - OFFLINE_AGO)
    status = session.get(ClusterStatus, offline_cluster.id)
    open_alarm = session.exec(select(DeviceAlarm).where(DeviceAlarm.cluster_id == offline_cluster.id,
                                                        DeviceAlarm.kind == AlarmKind.offline.value,
                                                        col(DeviceAlarm.closed_at).is_(None))).first()
    if open_alarm is None and status is not None:
        seen = status.last_seen_at
        last = seen.astimezone(settings.tz)
        session.add(DeviceAlarm(cluster_id=saved_id(offline_cluster), kind=AlarmKind.offline.value,
                                detail=f"Mất kết nối trong giờ phát; lần cuối {last:%H:%M %d/%m/%Y} "
                                       "(thiết bị mô phỏng của dữ liệu mẫu).",
                                slot_starts_at=None, opened_at=seen + timedelta(minutes=10)))
    session.flush()
    echo(f"Thiết bị mô phỏng: thêm {created}; {ONLINE_CLUSTERS} cụm loa đang hoạt động, 1 mất kết nối "
         "(có cảnh báo), các cụm còn lại chưa ghép nối.")


def has_simulated_devices(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Device.id).where(col(Device.name).startswith(SIMULATED),
                                                    col(Device.revoked_at).is_(None)).limit(1)).first() is not None


def refresh_simulated(engine: Engine, settings: Settings, *, now: datetime) -> dict[str, int]:
    """The scheduled job's work: a fresh heartbeat from every simulated device that is meant to be online."""
    with session_scope(engine) as session:
        devices = list(session.exec(select(Device).where(col(Device.name).startswith(SIMULATED),
                                                         col(Device.revoked_at).is_(None))))
        for device in devices:
            _beat(session, device, settings, now, seen_at=now)
    return {"heartbeats": len(devices)}
