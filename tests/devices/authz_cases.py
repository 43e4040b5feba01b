"""Authorisation matrix cases for devices (see tests/api/test_authz_matrix.py).

Objects live in commune A (cluster A1). Pairing codes, device lists, revocation, live commands and
acknowledging alarms: admin and operators of the subtree. Status, commands and alarms are read by
the subtree's readers; a device reads and posts only its own cluster (device_a is A1's device).
"""

from tests.authz_case import Case

API = "/api/v1"




OPERATORS_INSIDE = {"admin": 200, "operator": 200, "operator_a": 200}
INSIDE_READERS = {**OPERATORS_INSIDE, "approver": 200, "approver_a": 200, "supervisor": 200, "supervisor_a": 200}


def _a1(ctx) -> int:
    return ctx.world.clusters_a[0].id


def _new_device(ctx) -> int:
    """A fresh device of A1 (paired by the admin) for each caller to try to revoke."""
    admin = ctx.headers["admin"]
    code = ctx.client.post(f"{API}/areas/{_a1(ctx)}/pairing-code", headers=admin).json()["code"]
    ctx.device_id = ctx.client.post(f"{API}/devices/pair", json={"code": code}).json()["device_id"]
    return ctx.device_id


def _open_alarm(ctx) -> None:
    from datetime import UTC, datetime

    from core.db import session_scope
    from devices.models import DeviceAlarm

    engine = ctx.client.app.state.engine
    with session_scope(engine) as session:
        alarm = DeviceAlarm(cluster_id=_a1(ctx), kind="clock", detail="Đồng hồ lệch", opened_at=datetime.now(UTC))
        session.add(alarm)
        session.flush()
        ctx.alarm_id = alarm.id


def _alarm_setup(ctx) -> None:
    if not getattr(ctx, "alarm_id", None):
        _open_alarm(ctx)


CASES: list[Case] = [
    Case("pairing code for A1", "POST", lambda c: f"{API}/areas/{_a1(c)}/pairing-code",
         {"admin": 201, "operator": 201, "operator_a": 201}),
    Case("list devices of A1", "GET", lambda c: f"{API}/areas/{_a1(c)}/devices", OPERATORS_INSIDE),
    Case("revoke a device of A1", "DELETE", lambda c: f"{API}/devices/{c.device_id}",
         {"admin": 204, "operator": 204, "operator_a": 204}, setup=_new_device),
    Case("heartbeat of A1", "POST", lambda c: f"{API}/clusters/{_a1(c)}/heartbeat", {"device_a": 200},
         json=lambda c: {"agent_version": "0.2.0"}),
    Case("status of A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/status", {**INSIDE_READERS, "device_a": 200}),
    Case("fleet status of commune A", "GET", lambda c: f"{API}/devices/status?area_id={c.world.commune_a.id}",
         INSIDE_READERS),
    Case("fleet status of A1", "GET", lambda c: f"{API}/devices/status?area_id={_a1(c)}",
         {**INSIDE_READERS, "device_a": 200}),
    Case("recent commands of A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/commands",
         {**INSIDE_READERS, "device_a": 200}),
    Case("sync now on commune A", "POST", lambda c: f"{API}/commands",
         {"admin": 201, "operator": 201, "operator_a": 201},
         json=lambda c: {"type": "sync", "area_ids": [c.world.commune_a.id]}),
    Case("alarms of commune A", "GET", lambda c: f"{API}/alarms?area_id={c.world.commune_a.id}", INSIDE_READERS),
    Case("acknowledge an alarm of A1", "POST", lambda c: f"{API}/alarms/{c.alarm_id}/ack", OPERATORS_INSIDE,
         setup=_alarm_setup),
]
