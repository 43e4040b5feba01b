"""Alarms on a frozen clock: offline during a slot, silent while online, a wrong clock; opened once, closed
by themselves, acknowledged by an operator; notices by webhook and e-mail (local servers), once an hour."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select

from airtime.ingest import ingest_plays
from core.db import session_scope
from devices.alarms import evaluate_alarms
from devices.heartbeats import HeartbeatIn, NowPlaying, record_heartbeat
from devices.models import DeviceAlarm
from devices.notify import send_alarm_notices
from devices.watch import alarm_rules, check_fleet
from tests.airtime.builders import TZ, PlanItem, local, make_content, make_playlist
from tests.devices.conftest import pair_device

DAY = date(2026, 12, 3)
SLOT_START, SLOT_END = local(DAY, 6, 0), local(DAY, 6, 30)


@pytest.fixture
def fleet(client, auth, world, engine):
    """A1 and A2 paired, each with a published 06:00-06:30 slot today; B1 has a slot but no device."""
    with session_scope(engine) as session:
        content = make_content(session, "Bản tin sáng")
        for cluster in (*world.clusters_a, world.clusters_b[0]):
            make_playlist(session, cluster.id, DAY, [PlanItem(content, SLOT_START, 600_000, slot_starts_at=SLOT_START,
                                                              slot_ends_at=SLOT_END)])
        content_id = content.id
    devices = [pair_device(client, auth, c.id) for c in world.clusters_a]
    return content_id, devices


def _beat(engine, cluster_id, at, **fields):
    with session_scope(engine) as session:
        record_heartbeat(session, cluster_id=cluster_id, device_id=None,
                         beat=HeartbeatIn(agent_version="0.2.0", **fields), now=at)


def _evaluate(engine, settings, at):
    with session_scope(engine) as session:
        return evaluate_alarms(session, now=at, rules=alarm_rules(settings))


def _open(engine):
    with session_scope(engine) as session:
        return {(a.cluster_id, a.kind) for a in session.exec(select(DeviceAlarm).where(
            DeviceAlarm.closed_at.is_(None)))}


def test_offline_and_silent_clusters_raise_alarms_during_their_slot(engine, settings, world, fleet):
    a1, a2 = world.clusters_a
    # Before the slot: A1 was last seen at 05:00, A2 is online and playing nothing. No slot, no alarm.
    _beat(engine, a1.id, local(DAY, 5, 0))
    _beat(engine, a2.id, local(DAY, 5, 59))
    assert _evaluate(engine, settings, local(DAY, 5, 59)).opened == []
    # 06:03: A1 is offline in its slot; A2 only 3 minutes in (under N = 5 minutes).
    _beat(engine, a2.id, local(DAY, 6, 3))
    _evaluate(engine, settings, local(DAY, 6, 3))
    assert _open(engine) == {(a1.id, "offline")}
    # 06:06: A2 online, nothing played since 06:00, nothing playing: silent. B1 has no device: never watched.
    _beat(engine, a2.id, local(DAY, 6, 6))
    again = _evaluate(engine, settings, local(DAY, 6, 6))
    assert _open(engine) == {(a1.id, "offline"), (a2.id, "silent")} and len(again.opened) == 1
    # Evaluating again opens nothing twice.
    assert _evaluate(engine, settings, local(DAY, 6, 7)).opened == []
    # A2 plays (an as-run start), A1 comes back online: both close by themselves; the slot ending does not
    # reopen anything.
    with session_scope(engine) as session:
        result = ingest_plays(session, cluster_id=a2.id, tz=TZ, now=local(DAY, 6, 9), events=[
            {"event_id": "x1", "content_id": fleet[0], "started_at": local(DAY, 6, 7).isoformat(),
             "duration_ms": 60_000, "status": "played"}])
        assert result.accepted == 1, result.errors
    _beat(engine, a1.id, local(DAY, 6, 9), now_playing=NowPlaying(content_id=fleet[0], started_at=local(DAY, 6, 9)))
    _beat(engine, a2.id, local(DAY, 6, 9))
    closed = _evaluate(engine, settings, local(DAY, 6, 9))
    assert _open(engine) == set() and len(closed.closed) == 2
    # Back online but playing nothing, 9 minutes into its slot: that is silence, an alarm of its own.
    _beat(engine, a1.id, local(DAY, 6, 10))
    _evaluate(engine, settings, local(DAY, 6, 10))
    assert _open(engine) == {(a1.id, "silent")}


def test_playing_now_is_not_silent_and_a_wrong_clock_is(engine, settings, world, fleet):
    a2 = world.clusters_a[1]
    _beat(engine, world.clusters_a[0].id, local(DAY, 6, 10), now_playing=NowPlaying(kind="filler"))
    _beat(engine, a2.id, local(DAY, 6, 10), now_playing=NowPlaying(content_id=fleet[0], started_at=SLOT_START),
          clock_offset_ms=-45_000)
    _evaluate(engine, settings, local(DAY, 6, 10))
    assert _open(engine) == {(a2.id, "clock")}
    _beat(engine, a2.id, local(DAY, 6, 11), now_playing=NowPlaying(content_id=fleet[0]), clock_offset_ms=200)
    _beat(engine, world.clusters_a[0].id, local(DAY, 6, 11), now_playing=NowPlaying(kind="filler"))
    _evaluate(engine, settings, local(DAY, 6, 11))
    assert _open(engine) == set()


def _only_a1(client, auth, fleet) -> None:
    """A2's device is revoked: it is no longer watched."""
    assert client.delete(f"/api/v1/devices/{fleet[1][1]['device_id']}", headers=auth("admin")).status_code == 204


def test_alarms_are_listed_in_scope_and_acknowledged_by_an_operator(client, auth, engine, settings, world, fleet):
    _only_a1(client, auth, fleet)
    _beat(engine, world.clusters_a[0].id, local(DAY, 5, 0))
    _evaluate(engine, settings, local(DAY, 6, 5))
    listed = client.get("/api/v1/alarms", headers=auth("supervisor_a")).json()
    assert [(a["cluster_id"], a["kind"]) for a in listed] == [(world.clusters_a[0].id, "offline")]
    assert "Bản tin sáng" in listed[0]["detail"] and listed[0]["kind_label"] == "Mất kết nối trong giờ phát"
    assert client.get("/api/v1/alarms", headers=auth("supervisor_b")).json() == []
    alarm_id = listed[0]["id"]
    assert client.post(f"/api/v1/alarms/{alarm_id}/ack", headers=auth("operator_b")).status_code == 403
    assert client.post(f"/api/v1/alarms/{alarm_id}/ack", headers=auth("supervisor_a")).status_code == 403
    acked = client.post(f"/api/v1/alarms/{alarm_id}/ack", headers=auth("operator_a"))
    assert acked.status_code == 200 and acked.json()["acked_at"] is not None
    assert acked.json()["closed_at"] is None  # acknowledging does not close: the condition does
    status = client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/status", headers=auth("operator_a")).json()
    assert status["open_alarms"] == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hook.received
    server.shutdown()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", received
    controller.stop()


def test_an_alarm_is_sent_once_by_webhook_and_email_at_most_hourly(client, auth, engine, settings, world, fleet,
                                                                    webhook, smtp_server):
    _only_a1(client, auth, fleet)
    hook_url, hooks = webhook
    smtp_url, mails = smtp_server
    configured = settings.model_copy(update={"alarm_webhook_url": hook_url, "smtp_url": smtp_url,
                                             "alarm_email_from": "loaxa@xa.gov.vn",
                                             "alarm_email_to": "truongdai@xa.gov.vn, it@xa.gov.vn"})
    a1 = world.clusters_a[0]
    _beat(engine, a1.id, local(DAY, 5, 0))
    result = check_fleet(engine, configured, now=local(DAY, 6, 5))
    assert result["opened"] == 1 and result["sent"] == 1 and result["failed"] == 0
    assert len(hooks) == 1 and hooks[0]["cluster_id"] == a1.id and hooks[0]["alarms"][0]["kind"] == "offline"
    from email.header import decode_header, make_header

    subject = str(make_header(decode_header(mails[0]["Subject"])))
    assert len(mails) == 1 and a1.name in subject and "it@xa.gov.vn" in mails[0]["To"]
    assert "Mất kết nối" in mails[0].get_payload(decode=True).decode()
    # The next minutes: still open, already sent: nothing more.
    for minute in (6, 7, 30):
        assert check_fleet(engine, configured, now=local(DAY, 6, minute))["sent"] == 0
    # A new alarm of the same cluster within the hour waits for the cluster's next turn.
    _beat(engine, a1.id, local(DAY, 6, 31), clock_offset_ms=90_000)
    check_fleet(engine, configured, now=local(DAY, 6, 31))
    assert len(hooks) == 1 and len(mails) == 1
    later = check_fleet(engine, configured, now=local(DAY, 7, 6))
    assert later["sent"] == 1 and len(hooks) == 2 and hooks[1]["alarms"][0]["kind"] == "clock"


def test_a_notice_that_cannot_be_sent_is_retried_an_hour_later_not_every_minute(client, auth, engine, settings,
                                                                                 world, fleet):
    _only_a1(client, auth, fleet)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    broken = settings.model_copy(update={"alarm_webhook_url": f"http://127.0.0.1:{closed}/hook"})
    _beat(engine, world.clusters_a[0].id, local(DAY, 5, 0))
    first = check_fleet(engine, broken, now=local(DAY, 6, 5))
    assert first["sent"] == 0 and first["failed"] == 1
    assert send_alarm_notices(engine, broken, now=local(DAY, 6, 6)) == {"sent": 0, "failed": 0}
    assert send_alarm_notices(engine, broken, now=local(DAY, 7, 6))["failed"] == 1
