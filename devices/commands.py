"""Commands to the players: one queue for every kind, delivered by heartbeat answers and pushed over MQTT.

`queue_command` is the one way in (live commands from operators here; emergencies, their end and
republished playlists from other packages). It writes one row per cluster, each with its own stable
id (`c-` + 20 hex digits): the heartbeat answer and the MQTT message carry the same id, so a device
obeys a command once however it arrived. The MQTT messages go out after the transaction commits
(`devices.push`); a command stays in its cluster's heartbeat answers until a device of the cluster
acknowledges it or it expires.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from campaigns.contents import get_content
from campaigns.models import ContentRevision, ContentStatus
from campaigns.scope import load_areas, require_within
from core.areas import Area, AreaLevel, subtree_condition
from core.errors import Conflict, Invalid
from core.users import Principal
from devices import push
from devices.models import DeviceCommand
from media.store import media_url


class CommandType(StrEnum):
    emergency = "emergency"
    end_emergency = "end_emergency"
    sync = "sync"
    play_now = "play_now"
    volume = "volume"


COMMAND_LABELS = {
    CommandType.emergency: "Phát khẩn cấp",
    CommandType.end_emergency: "Dừng tin khẩn cấp",
    CommandType.sync: "Đồng bộ ngay",
    CommandType.play_now: "Phát ngay",
    CommandType.volume: "Đặt âm lượng",
}
# How long an undelivered command still makes sense: "play now" an hour late is not "now".
DEFAULT_TTL = {
    CommandType.emergency: timedelta(hours=24),
    CommandType.end_emergency: timedelta(hours=24),
    CommandType.sync: timedelta(hours=1),
    CommandType.play_now: timedelta(minutes=10),
    CommandType.volume: timedelta(hours=24),
}
MAX_ACKS = 200
# What one heartbeat answer carries at most (oldest first); the rest follow in the next answers.
MAX_PENDING = 100


def new_command_id() -> str:
    return f"c-{secrets.token_hex(10)}"


def queue_command(session: Session, *, cluster_ids: Iterable[int], type: str, payload: dict[str, Any],
                  expires_at: datetime, created_by: int | None = None, now: datetime,
                  tz: tzinfo | None = None) -> list[DeviceCommand]:
    """Queue one command for each cluster; pushed over MQTT once the caller's transaction commits.

    `tz`: the zone of the pushed times (default: the deployment's), as in heartbeat answers.
    """
    kind = CommandType(type)
    if tz is None:
        from core.config import get_settings

        tz = get_settings().tz
    rows = [DeviceCommand(command_id=new_command_id(), cluster_id=cluster_id, type=kind.value, payload=dict(payload),
                          issued_at=now, expires_at=expires_at, created_by=created_by)
            for cluster_id in dict.fromkeys(cluster_ids)]
    session.add_all(rows)
    session.flush()
    push.publish_after_commit(session, [push.message_for(r.cluster_id, command_json(r, tz), r.expires_at)
                                        for r in rows])
    return rows


def command_json(row: DeviceCommand, tz: tzinfo | None = None) -> dict[str, Any]:
    """The command as devices get it, in heartbeat answers and on MQTT alike."""
    def when(value: datetime) -> str:
        return (value.astimezone(tz) if tz else value).isoformat()

    return {"id": row.command_id, "type": row.type, "issued_at": when(row.issued_at),
            "expires_at": when(row.expires_at), **row.payload}


def absolute_audio(command: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The command with a relative `audio_url` (queued where no public base URL was known: a render task)
    made absolute against the URL the device reached the server by (a heartbeat answer)."""
    url = command.get("audio_url")
    return {**command, "audio_url": base_url + url} if isinstance(url, str) and url.startswith("/") else command


def pending_commands(session: Session, cluster_id: int, *, now: datetime) -> list[DeviceCommand]:
    query = (select(DeviceCommand).where(DeviceCommand.cluster_id == cluster_id, col(DeviceCommand.expires_at) > now,
                                         col(DeviceCommand.acked_at).is_(None))
             .order_by(col(DeviceCommand.id)).limit(MAX_PENDING))
    return list(session.exec(query))


def acknowledge(session: Session, cluster_id: int, command_ids: Iterable[str], *, device_id: int | None,
                now: datetime) -> int:
    """Mark the cluster's commands with these ids done; unknown ids and other clusters' are ignored."""
    ids = [i for i in dict.fromkeys(command_ids) if isinstance(i, str)][:MAX_ACKS]
    if not ids:
        return 0
    result = session.execute(sa.update(DeviceCommand).where(
        col(DeviceCommand.cluster_id) == cluster_id, col(DeviceCommand.command_id).in_(ids),
        col(DeviceCommand.acked_at).is_(None)).values(acked_at=now, acked_device_id=device_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def recent_commands(session: Session, cluster_id: int, *, limit: int = 20) -> list[DeviceCommand]:
    query = select(DeviceCommand).where(DeviceCommand.cluster_id == cluster_id)
    return list(session.exec(query.order_by(col(DeviceCommand.id).desc()).limit(limit)))


# --- live commands from operators ------------------------------------------------------------------

LIVE_TYPES = (CommandType.play_now, CommandType.sync, CommandType.volume)


@dataclass(frozen=True)
class SentCommands:
    type: str
    cluster_ids: list[int]
    expires_at: datetime


def _clusters_below(session: Session, areas: list[Area]) -> list[int]:
    ids: dict[int, None] = {}
    for area in areas:
        query = select(col(Area.id)).where(subtree_condition(area), Area.level == AreaLevel.cluster).order_by(
            col(Area.path))
        ids.update(dict.fromkeys(cid for cid in session.exec(query) if cid is not None))
    return list(ids)


def _play_now_payload(session: Session, content_id: int, *, actor: Principal, today: date,
                      base_url: str) -> dict[str, Any]:
    content = get_content(session, content_id, actor=actor)
    if content.status != ContentStatus.approved or content.airing_revision_id is None:
        raise Conflict(f"Tin, bài “{content.title}” chưa được duyệt: chỉ phát ngay được tin, bài đã duyệt.")
    revision = session.get(ContentRevision, content.airing_revision_id)
    if revision is None or not revision.audio_sha256 or not revision.audio_ext:
        raise Conflict(f"Tin, bài “{content.title}” chưa có âm thanh để phát.")
    if not revision.valid_from <= today <= revision.valid_until:
        raise Conflict(f"Tin, bài “{content.title}” không còn hiệu lực hôm nay "
                       f"({revision.valid_from:%d/%m/%Y}–{revision.valid_until:%d/%m/%Y}).")
    return {"content_id": content.id, "title": revision.title, "level": revision.level,
            "audio_url": base_url + media_url(revision.audio_sha256, revision.audio_ext),
            "sha256": revision.audio_sha256, "duration_ms": revision.audio_duration_ms}


def send_live_command(session: Session, *, actor: Principal, type: str, area_ids: list[int], now: datetime,
                      today: date, base_url: str, content_id: int | None = None, volume: int | None = None,
                      day: date | None = None, ttl: timedelta | None = None,
                      tz: tzinfo | None = None) -> SentCommands:
    """Play now, sync now or set the volume on every cluster below the chosen areas (all inside the caller's scope)."""
    kind = CommandType(type)
    if kind not in LIVE_TYPES:
        raise Invalid(f"Lệnh {type!r} không gửi trực tiếp được; chỉ: {', '.join(t.value for t in LIVE_TYPES)}.")
    areas = load_areas(session, area_ids)
    if not areas:
        raise Invalid("Chọn ít nhất một địa bàn nhận lệnh.")
    require_within(areas, actor.scope)
    payload: dict[str, Any] = {}
    if kind == CommandType.play_now:
        if content_id is None:
            raise Invalid("Lệnh phát ngay cần chọn một tin, bài đã duyệt (content_id).")
        payload = _play_now_payload(session, content_id, actor=actor, today=today, base_url=base_url)
    elif kind == CommandType.volume:
        if volume is None or not 0 <= volume <= 100:
            raise Invalid("Âm lượng phải từ 0 đến 100.")
        payload = {"volume": volume}
    elif day is not None:
        payload = {"date": day.isoformat()}
    cluster_ids = _clusters_below(session, areas)
    if not cluster_ids:
        raise Invalid("Các địa bàn đã chọn không có cụm loa nào.")
    expires_at = now + (ttl or DEFAULT_TTL[kind])
    queue_command(session, cluster_ids=cluster_ids, type=kind, payload=payload, expires_at=expires_at,
                  created_by=actor.user_id, now=now, tz=tz)
    return SentCommands(kind.value, cluster_ids, expires_at)
