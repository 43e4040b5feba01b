"""The fleet page, the pairing box of a cluster's page, live commands and alarms from the web, the dashboard card."""

from datetime import UTC, datetime

from core.db import session_scope
from devices.heartbeats import HeartbeatIn, record_heartbeat
from devices.models import DeviceAlarm
from tests.devices.conftest import pair_device


def test_fleet_page_shows_states_alarms_and_sends_commands(client, world, web_login, auth, engine):
    a1, a2 = world.clusters_a
    pair_device(client, auth, a1.id)
    with session_scope(engine) as session:
        record_heartbeat(session, cluster_id=a1.id, device_id=None, now=datetime.now(UTC),
                         beat=HeartbeatIn(agent_version="0.2.0", volume=70, unsent_events=2))
        session.add(DeviceAlarm(cluster_id=a2.id, kind="offline", detail="Mất kết nối trong khung giờ sáng",
                                opened_at=datetime.now(UTC)))
    csrf = web_login("operator_a")
    page = client.get("/fleet")
    assert page.status_code == 200
    html = page.text
    assert "Đang hoạt động" in html and "Chưa kết nối" in html and "Mất kết nối trong khung giờ sáng" in html
    assert 'id="commands"' in html and "Cụm loa bản 1" not in html  # commune B is outside the scope
    assert client.get("/fleet?state=never").text.count('data-state="never"') == 1
    assert client.get("/fleet?sort=alarms").status_code == 200
    sent = client.post("/fleet/commands", data={"csrf_token": csrf, "type": "volume", "volume": "55",
                                                "area_ids": [str(world.commune_a.id)]}, follow_redirects=True)
    assert "tới 2 cụm loa" in sent.text
    refused = client.post("/fleet/commands", data={"csrf_token": csrf, "type": "play_now",
                                                   "area_ids": [str(world.commune_a.id)]}, follow_redirects=True)
    assert "cần chọn một tin, bài" in refused.text
    assert client.post("/fleet/commands", data={"type": "sync", "area_ids": [str(a1.id)]}).status_code == 403
    with session_scope(engine) as session:
        alarm_id = session.query(DeviceAlarm).one().id
    acked = client.post(f"/fleet/alarms/{alarm_id}/ack", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã xác nhận" in acked.text
    dashboard = client.get("/").text
    assert 'id="panel-silent-note"' in dashboard and "Cảnh báo đang mở: 1" in dashboard


def test_readers_see_the_fleet_without_commands(client, world, web_login):
    for username in ("supervisor_a", "approver"):
        web_login(username)
        html = client.get("/fleet").text
        assert 'id="clusters"' in html and 'id="commands"' not in html and "Xác nhận</button>" not in html


def test_pairing_box_shows_the_code_its_expiry_and_the_command(client, world, web_login):
    cluster = world.clusters_a[0]
    csrf = web_login("operator_a")
    page = client.get(f"/areas/{cluster.id}").text
    assert "Ghép nối thiết bị" in page
    box = client.post(f"/areas/{cluster.id}/pairing-code", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert box.status_code == 200
    assert 'id="pairing-code-value"' in box.text and "loaxa agent pair --server http://testserver --code " in box.text
    code = box.text.split('id="pairing-code-value">')[1].split("<")[0]
    assert client.post("/api/v1/devices/pair", json={"code": code}).status_code == 200
    web_login("supervisor_a")
    assert "Ghép nối thiết bị</button>" not in client.get(f"/areas/{cluster.id}").text
    assert client.post(f"/areas/{world.clusters_b[0].id}/pairing-code",
                       headers={"X-CSRF-Token": csrf}).status_code in (403, 401, 303)
