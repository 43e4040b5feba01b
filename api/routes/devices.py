"""The players on the clusters: pairing, heartbeats, status of the fleet, live commands, alarms (docs/devices.md)."""

import datetime as dt
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from api.deps import (
    MAX_ID,
    CurrentPrincipal,
    DeviceCluster,
    DeviceOrReaderCluster,
    IdPath,
    OperatorUser,
    Reader,
    ReaderOrDevice,
    SessionDep,
    SettingsDep,
    WriteGateDep,
    area_in_scope,
)
from api.routes.clusters import base_url
from core.areas import Area
from core.config import Settings
from core.db import saved_id
from core.errors import Forbidden
from core.timeutil import local_today, now_utc
from core.users import Principal, Role, readable_cluster
from devices import alarms, commands, heartbeats, pairing, push
from devices.models import ClusterStatus
from devices.status import DeviceState, FleetRow, StatusRules, fleet

router = APIRouter(tags=["devices"])

AreaQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only clusters below this area")]


def rules(settings: Settings) -> StatusRules:
    return StatusRules(settings.device_heartbeat_s, settings.device_offline_after_s)


# --- pairing -----------------------------------------------------------------------------------------

class PairingCodeOut(BaseModel):
    code: str = Field(description="8 characters shown as two groups of four; typed with or without the hyphen.")
    expires_at: datetime
    cluster_id: int
    command: str = Field(description="The agent's command line that uses this code.")


class PairIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str | None = Field(default=None, max_length=200, description="A name for the device (shown to operators).")


class MqttOut(BaseModel):
    url: str
    topic: str
    client_id: str
    qos: int


class PairOut(BaseModel):
    cluster_id: int
    cluster_name: str
    device_id: int
    token: str = Field(description="A device token (role device, this cluster only, no expiry, revocable).")
    heartbeat_interval_s: int
    server_time: datetime
    mqtt: MqttOut | None


class DeviceOut(BaseModel):
    id: int
    cluster_id: int
    cluster_name: str
    name: str | None
    paired_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


@router.post("/areas/{cluster_id}/pairing-code", response_model=PairingCodeOut, status_code=status.HTTP_201_CREATED,
             summary="Make a one-time pairing code for a cluster (15 minutes, single use)")
def create_pairing_code(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorUser,
                        cluster_id: IdPath) -> PairingCodeOut:
    cluster = area_in_scope(session, principal, cluster_id)
    issued = pairing.create_pairing_code(session, cluster, created_by=principal.user_id, now=now_utc())
    return PairingCodeOut(code=issued.code, expires_at=issued.expires_at.astimezone(settings.tz),
                          cluster_id=issued.cluster_id,
                          command=pairing.pair_command(base_url(request, settings), issued.code))


@router.post("/devices/pair", response_model=PairOut,
             responses={404: {"description": "Unknown code"}, 409: {"description": "Code already used"},
                        410: {"description": "Code expired"}, 429: {"description": "Too many failed attempts"}},
             summary="Exchange a pairing code for a device token (no authentication)")
def pair(request: Request, session: SessionDep, settings: SettingsDep, body: PairIn) -> PairOut:
    now = now_utc()
    client = request.client.host if request.client else "unknown"
    paired = pairing.pair_device(session, code=body.code, name=body.name, client=client, now=now,
                                 max_failures=settings.pairing_max_failures, window_s=settings.pairing_window_seconds)
    mqtt_url = settings.mqtt_public_url or settings.mqtt_url
    cluster_id = saved_id(paired.cluster)
    mqtt = MqttOut(url=mqtt_url, topic=push.topic_for(cluster_id), client_id=f"loaxa-device-{paired.device.id}",
                   qos=push.QOS) if mqtt_url else None
    return PairOut(cluster_id=cluster_id, cluster_name=paired.cluster.name, device_id=saved_id(paired.device),
                   token=paired.token, heartbeat_interval_s=settings.device_heartbeat_s,
                   server_time=now.astimezone(settings.tz), mqtt=mqtt)


@router.get("/areas/{cluster_id}/devices", response_model=list[DeviceOut],
            summary="Devices paired with a cluster (or with every cluster below an area)")
def list_devices(session: SessionDep, principal: OperatorUser, cluster_id: IdPath) -> list[DeviceOut]:
    area = area_in_scope(session, principal, cluster_id)
    return [DeviceOut(id=saved_id(d), cluster_id=saved_id(c), cluster_name=c.name, name=d.name, paired_at=d.paired_at,
                      last_seen_at=d.last_seen_at, revoked_at=d.revoked_at)
            for d, c in pairing.devices_under(session, area)]


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke a device: its token stops working at once")
def revoke_device(session: SessionDep, principal: OperatorUser, device_id: IdPath) -> None:
    device = pairing.get_device(session, device_id)
    area_in_scope(session, principal, device.cluster_id)
    pairing.revoke_device(session, device, now=now_utc())


# --- heartbeat and status ------------------------------------------------------------------------------

class HeartbeatOut(BaseModel):
    server_time: datetime
    interval_s: int = Field(description="When to send the next heartbeat.")
    commands: list[dict[str, Any]] = Field(description="Every command of the cluster not acknowledged and not "
                                                       "expired, oldest first (docs/devices.md, \"Commands\").")


class ClusterStatusOut(BaseModel):
    cluster_id: int
    cluster_name: str
    commune_id: int | None
    commune_name: str | None
    state: DeviceState
    state_label: str
    last_seen_at: datetime | None
    devices: int = Field(description="Paired devices that are not revoked.")
    open_alarms: int
    agent_version: str | None = None
    device_time: datetime | None = None
    clock_offset_ms: int | None = None
    playlist_date: date | None = None
    playlist_version: int | None = None
    now_playing: dict[str, Any] | None = None
    disk_free_mb: int | None = None
    cache_mb: int | None = None
    unsent_events: int | None = None
    volume: int | None = None
    last_error: str | None = None
    last_sync_at: datetime | None = None
    push: str | None = None


def status_out(row: FleetRow, settings: Settings) -> ClusterStatusOut:
    s: ClusterStatus | None = row.status
    local = settings.tz
    return ClusterStatusOut(
        cluster_id=row.cluster_id, cluster_name=row.cluster_name, commune_id=row.commune_id,
        commune_name=row.commune_name, state=row.state, state_label=row.state_label,
        last_seen_at=s.last_seen_at.astimezone(local) if s else None, devices=row.devices,
        open_alarms=row.open_alarms,
        **({} if s is None else cast(dict[str, Any], {
            "agent_version": s.agent_version, "device_time": s.device_time, "clock_offset_ms": s.clock_offset_ms,
            "playlist_date": s.playlist_date, "playlist_version": s.playlist_version, "now_playing": s.now_playing,
            "disk_free_mb": s.disk_free_mb, "cache_mb": s.cache_mb, "unsent_events": s.unsent_events,
            "volume": s.volume, "last_error": s.last_error,
            "last_sync_at": s.last_sync_at.astimezone(local) if s.last_sync_at else None, "push": s.push})))


@router.post("/clusters/{cluster_id}/heartbeat", response_model=HeartbeatOut,
             summary="A device reports it is alive; the answer carries its cluster's pending commands",
             description="Many devices at once: 503 with Retry-After; send the heartbeat again after that.")
def heartbeat(gate: WriteGateDep, request: Request, session: SessionDep, settings: SettingsDep,
              principal: CurrentPrincipal, _cluster: DeviceCluster, cluster_id: IdPath,
              body: heartbeats.HeartbeatIn) -> HeartbeatOut:
    if principal.role != Role.device:
        raise Forbidden("Chỉ thiết bị của cụm loa gửi tín hiệu hoạt động.")
    now = now_utc()
    device = heartbeats.device_for_token(session, principal.token_id)
    with gate.slot():  # written under the same gate as the as-run batches they come with (core/write_gate.py)
        pending = heartbeats.record_heartbeat(session, cluster_id=cluster_id,
                                              device_id=device.id if device else None, beat=body, now=now)
        session.commit()
    return HeartbeatOut(server_time=now.astimezone(settings.tz), interval_s=settings.device_heartbeat_s,
                        commands=[commands.absolute_audio(commands.command_json(c, settings.tz),
                                                          base_url(request, settings)) for c in pending])


@router.get("/clusters/{cluster_id}/status", response_model=ClusterStatusOut,
            summary="A cluster's state (online, late, offline, never) and its last heartbeat")
def cluster_status(session: SessionDep, settings: SettingsDep, cluster: DeviceOrReaderCluster) -> ClusterStatusOut:
    rows = fleet(session, area=cluster, rules=rules(settings), now=now_utc())
    return status_out(rows[0], settings)


def _fleet_area(session, principal: Principal, area_id: int | None) -> Area | None:
    if principal.role == Role.device:
        assert principal.cluster_id is not None
        return readable_cluster(session, principal, principal.cluster_id if area_id is None else area_id)
    return principal.scope if area_id is None else area_in_scope(session, principal, area_id)


@router.get("/devices/status", response_model=list[ClusterStatusOut],
            summary="The state of every cluster in the caller's subtree (a device: its own cluster)")
def fleet_status(session: SessionDep, settings: SettingsDep, principal: ReaderOrDevice, area_id: AreaQuery = None,
                 state: Annotated[list[DeviceState] | None, Query(description="Only these states")] = None,
                 limit: Annotated[int, Query(ge=1, le=100_000)] = 100_000,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[ClusterStatusOut]:
    area = _fleet_area(session, principal, area_id)
    rows = fleet(session, area=area, rules=rules(settings), now=now_utc(),
                 states={s.value for s in state} if state else None, limit=limit, offset=offset)
    return [status_out(r, settings) for r in rows]


# --- live commands -----------------------------------------------------------------------------------------

class CommandIn(BaseModel):
    type: Literal["play_now", "sync", "volume"]
    area_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=500, description="Every cluster below these areas receives the command.")
    content_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="play_now: an approved, valid item.")
    volume: int | None = Field(default=None, ge=0, le=100, description="volume: 0-100.")
    date: dt.date | None = Field(default=None, description="sync: the day to sync (default: the device's days).")
    expires_in_minutes: int | None = Field(default=None, ge=1, le=1440,
                                           description="Default: 10 (play_now), 60 (sync), 1440 (volume).")


class CommandsOut(BaseModel):
    type: str
    clusters: int
    cluster_ids: list[int]
    expires_at: datetime


class CommandOut(BaseModel):
    id: str
    type: str
    issued_at: datetime
    expires_at: datetime
    acked_at: datetime | None
    payload: dict[str, Any]


@router.post("/commands", response_model=CommandsOut, status_code=status.HTTP_201_CREATED,
             summary="Send a live command (play now, sync now, volume) to every cluster below the chosen areas")
def send_command(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorUser,
                 body: CommandIn) -> CommandsOut:
    now = now_utc()
    sent = commands.send_live_command(
        session, actor=principal, type=body.type, area_ids=body.area_ids, now=now,
        today=local_today(settings.tz, now), base_url=base_url(request, settings), content_id=body.content_id,
        volume=body.volume, day=body.date,
        ttl=timedelta(minutes=body.expires_in_minutes) if body.expires_in_minutes else None, tz=settings.tz)
    return CommandsOut(type=sent.type, clusters=len(sent.cluster_ids), cluster_ids=sent.cluster_ids,
                       expires_at=sent.expires_at.astimezone(settings.tz))


@router.get("/clusters/{cluster_id}/commands", response_model=list[CommandOut],
            summary="A cluster's recent commands and whether a device acknowledged them")
def cluster_commands(session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster,
                     cluster_id: IdPath) -> list[CommandOut]:
    tz = settings.tz
    return [CommandOut(id=c.command_id, type=c.type, issued_at=c.issued_at.astimezone(tz),
                       expires_at=c.expires_at.astimezone(tz),
                       acked_at=c.acked_at.astimezone(tz) if c.acked_at else None, payload=c.payload)
            for c in commands.recent_commands(session, cluster_id)]


# --- alarms ---------------------------------------------------------------------------------------------------

@router.get("/alarms", response_model=list[alarms.AlarmOut],
            summary="Alarms of the clusters in the caller's subtree (open ones by default)")
def list_alarms(session: SessionDep, settings: SettingsDep, principal: Reader, area_id: AreaQuery = None,
                include_closed: bool = False,
                limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[alarms.AlarmOut]:
    area = principal.scope if area_id is None else area_in_scope(session, principal, area_id)
    return alarms.list_alarms(session, area=area, include_closed=include_closed, limit=limit, tz=settings.tz)


@router.post("/alarms/{alarm_id}/ack", response_model=alarms.AlarmOut,
             summary="Acknowledge an alarm (it closes by itself when its condition ends)")
def ack_alarm(session: SessionDep, settings: SettingsDep, principal: OperatorUser,
              alarm_id: IdPath) -> alarms.AlarmOut:
    alarm = alarms.get_alarm(session, alarm_id)
    area_in_scope(session, principal, alarm.cluster_id)
    return alarms.alarm_out(session, alarms.acknowledge_alarm(session, alarm, by=principal.user_id, now=now_utc()),
                            tz=settings.tz)
