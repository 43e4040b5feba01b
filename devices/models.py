"""Tables of the devices package: paired players, their heartbeats, commands to them, and alarms.

- `device`: a player paired with one cluster through a one-time code; its bearer token is a
  `core.users.AccessToken` with the device role (revoking the device revokes the token).
- `pairing_code` (only the code's sha256 is stored) and `pairing_limit` (failed attempts per
  client address, counted in one atomic upsert).
- `cluster_status`: the latest heartbeat of each cluster; `device_heartbeat`: a bounded history
  (pruned on write: `devices.heartbeats.HISTORY`).
- `device_command`: one row per command per cluster, with a stable `command_id` that the heartbeat
  answer and the MQTT message share; acknowledged by any device of the cluster.
- `device_alarm`: at most one open alarm per (cluster, kind) — a partial unique index, as for the
  current playlist; `alarm_notice`: when a cluster was last notified (at most once an hour).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from core.db import UTCDateTime
from core.timeutil import now_utc


class Device(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="area.id", index=True)
    name: str | None = Field(default=None, max_length=200)
    token_id: int = Field(foreign_key="accesstoken.id", sa_column_kwargs={"unique": True})
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    paired_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PairingCode(SQLModel, table=True):
    __tablename__ = "pairing_code"

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="area.id", index=True)
    code_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    device_id: int | None = Field(default=None, foreign_key="device.id")


class PairingLimit(SQLModel, table=True):
    """Failed pairing attempts of one client address in the current window."""

    __tablename__ = "pairing_limit"

    client: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_type=UTCDateTime, index=True)
    failures: int = 0


class ClusterStatus(SQLModel, table=True):
    """The latest heartbeat of a cluster (whichever of its devices sent it)."""

    __tablename__ = "cluster_status"

    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    device_id: int | None = Field(default=None, foreign_key="device.id")
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    agent_version: str = Field(max_length=40)
    device_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clock_offset_ms: int | None = None
    playlist_date: date | None = None
    playlist_version: int | None = None
    now_playing: dict | None = Field(default=None, sa_type=JSON)
    disk_free_mb: int | None = None
    cache_mb: int | None = None
    unsent_events: int | None = None
    volume: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    push: str | None = Field(default=None, max_length=12)


class DeviceHeartbeat(SQLModel, table=True):
    __tablename__ = "device_heartbeat"
    __table_args__ = (sa.Index("ix_device_heartbeat_cluster_received", "cluster_id", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="area.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    received_at: datetime = Field(sa_type=UTCDateTime)
    payload: dict = Field(default_factory=dict, sa_type=JSON)


class DeviceCommand(SQLModel, table=True):
    __tablename__ = "device_command"
    __table_args__ = (sa.Index("ix_device_command_cluster_expires", "cluster_id", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    command_id: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    cluster_id: int = Field(foreign_key="area.id")
    type: str = Field(max_length=16)
    payload: dict = Field(default_factory=dict, sa_type=JSON)
    issued_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_device_id: int | None = Field(default=None, foreign_key="device.id")


class DeviceAlarm(SQLModel, table=True):
    __tablename__ = "device_alarm"
    __table_args__ = (
        # One open alarm per cluster and kind.
        sa.Index("uq_device_alarm_open", "cluster_id", "kind", unique=True,
                 sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL")),
        sa.Index("ix_device_alarm_closed", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="area.id", index=True)
    kind: str = Field(max_length=16)  # devices.alarms.AlarmKind
    detail: str = Field(max_length=500)
    # The start of the slot the alarm is about (offline, silent), or None.
    slot_starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_by: int | None = Field(default=None, foreign_key="app_user.id")
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlarmNotice(SQLModel, table=True):
    """When a cluster's alarms were last sent out (webhook, e-mail): at most one message an hour."""

    __tablename__ = "alarm_notice"

    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sent_at: datetime = Field(sa_type=UTCDateTime)
