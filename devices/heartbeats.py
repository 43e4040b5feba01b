"""Heartbeats: a device says it is alive and what it does; the answer carries its cluster's commands.

The latest heartbeat per cluster is kept in `cluster_status` (one upsert), and a bounded history
in `device_heartbeat`: rows older than `HISTORY` or beyond the newest `HISTORY_ROWS` of the cluster
are pruned on every write, so the table never grows past about a day per cluster.
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlmodel import Session, col, select

from core.db import MAX_ID, table_of, upsert_insert
from devices.commands import MAX_ACKS, acknowledge, pending_commands
from devices.models import ClusterStatus, Device, DeviceCommand, DeviceHeartbeat

HISTORY = timedelta(hours=24)
HISTORY_ROWS = 2000


def _clip(limit: int):
    """Long texts are cut, not refused: a heartbeat must never be lost over its error message."""
    def clip(value: object) -> object:
        return value[:limit] if isinstance(value, str) else value
    return BeforeValidator(clip)


class NowPlaying(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    kind: Annotated[str | None, _clip(16)] = None
    title: Annotated[str | None, _clip(300)] = None
    started_at: datetime | None = None
    relay_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class HeartbeatIn(BaseModel):
    """What a device reports (docs/devices.md, "Heartbeat"); every field but agent_version is optional."""

    model_config = ConfigDict(extra="ignore")

    agent_version: str = Field(min_length=1, max_length=40)
    device_time: datetime | None = None
    playlist_date: date | None = None
    playlist_version: int | None = Field(default=None, ge=0, le=MAX_ID)
    now_playing: NowPlaying | None = None
    clock_offset_ms: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    disk_free_mb: int | None = Field(default=None, ge=0, le=MAX_ID)
    cache_mb: int | None = Field(default=None, ge=0, le=MAX_ID)
    unsent_events: int | None = Field(default=None, ge=0, le=MAX_ID)
    volume: int | None = Field(default=None, ge=0, le=100)
    last_error: Annotated[str | None, _clip(500)] = None
    last_sync_at: datetime | None = None
    push: Literal["connected", "down", "off"] | None = None
    acked_commands: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=MAX_ACKS)


def device_for_token(session: Session, token_id: int | None) -> Device | None:
    if token_id is None:
        return None
    return session.exec(select(Device).where(Device.token_id == token_id)).first()


def record_heartbeat(session: Session, *, cluster_id: int, device_id: int | None, beat: HeartbeatIn,
                     now: datetime) -> list[DeviceCommand]:
    """Store the heartbeat, acknowledge what it acknowledges, and return the cluster's pending commands."""
    acknowledge(session, cluster_id, beat.acked_commands, device_id=device_id, now=now)
    status = {
        "device_id": device_id, "last_seen_at": now, "agent_version": beat.agent_version,
        "device_time": beat.device_time, "clock_offset_ms": beat.clock_offset_ms,
        "playlist_date": beat.playlist_date, "playlist_version": beat.playlist_version,
        "now_playing": beat.now_playing.model_dump(mode="json", exclude_none=True) if beat.now_playing else None,
        "disk_free_mb": beat.disk_free_mb, "cache_mb": beat.cache_mb, "unsent_events": beat.unsent_events,
        "volume": beat.volume, "last_error": beat.last_error, "last_sync_at": beat.last_sync_at, "push": beat.push,
    }
    table = table_of(ClusterStatus)
    session.execute(upsert_insert(session)(table).values(cluster_id=cluster_id, **status)
                    .on_conflict_do_update(index_elements=["cluster_id"], set_=status))
    if device_id is not None:
        session.execute(sa.update(Device).where(col(Device.id) == device_id).values(last_seen_at=now))
    session.add(DeviceHeartbeat(cluster_id=cluster_id, device_id=device_id, received_at=now,
                                payload=beat.model_dump(mode="json", exclude={"acked_commands"}, exclude_none=True)))
    session.flush()
    _prune(session, cluster_id, now)
    return pending_commands(session, cluster_id, now=now)


def _prune(session: Session, cluster_id: int, now: datetime) -> None:
    h = table_of(DeviceHeartbeat)
    keep_from = (select(h.c.id).where(h.c.cluster_id == cluster_id).order_by(h.c.id.desc())
                 .offset(HISTORY_ROWS).limit(1).scalar_subquery())
    session.execute(sa.delete(h).where(h.c.cluster_id == cluster_id,
                                       sa.or_(h.c.received_at < now - HISTORY, h.c.id <= keep_from)))


def history(session: Session, cluster_id: int, *, limit: int = 60) -> list[DeviceHeartbeat]:
    query = select(DeviceHeartbeat).where(DeviceHeartbeat.cluster_id == cluster_id)
    return list(session.exec(query.order_by(col(DeviceHeartbeat.id).desc()).limit(limit)))
