"""Priority clashes (Thông tư 39/2020): a province's and a commune's own priority items in one slot; the
planner's default order with its note, the commune operator's order applied by the next build, a
cluster's own order, the audit trail, and the refusals."""

from datetime import timedelta

import pytest

from core.timeutil import now_utc
from tests.playlists.helpers import add_content, make_mp3, wait_tasks


def _wait_rebuilds(engine) -> None:
    wait_tasks(engine, "playlists.tasks:rebuild_areas")


@pytest.fixture
def clash(client, world, auth, engine, store, settings):
    today = now_utc().astimezone(settings.tz).date()
    province = add_content(engine, "Thông báo của tỉnh", [world.province.id], make_mp3(store, 2), level="priority",
                           valid_until=today + timedelta(days=2))
    own = add_content(engine, "Thông báo của xã", [world.commune_a.id], make_mp3(store, 3, 520), level="priority",
                      valid_until=today + timedelta(days=9))
    normal = add_content(engine, "Tin thường", [world.commune_a.id], make_mp3(store, 2, 660))
    slot = client.post("/api/v1/slots", json={"area_id": world.commune_a.id, "name": "Bản tin sáng",
                                              "start_time": "06:00", "duration_minutes": 5}, headers=auth("operator_a"))
    assert slot.status_code == 201
    built = client.post("/api/v1/playlists/build", json={"date": today.isoformat(), "area_id": world.commune_a.id},
                        headers=auth("operator_a"))
    assert built.status_code == 200
    return {"today": today, "province": province, "own": own, "normal": normal, "slot": slot.json()["id"]}


def _priority_ids(client, headers, cluster_id, day):
    body = client.get(f"/api/v1/clusters/{cluster_id}/playlists/{day.isoformat()}", headers=headers).json()
    return [it["content_id"] for s in body["slots"] for it in s["items"] if it["level"] == "priority"]


def _order(client, headers, area_id, c, ids, day=None):
    return client.put("/api/v1/priority-orders", headers=headers, json={
        "area_id": area_id, "slot_id": c["slot"], "date": (day or c["today"]).isoformat(), "content_ids": ids})


def test_default_order_is_shown_with_a_note_and_the_commune_reorders_it(client, world, auth, engine, clash):
    op = auth("operator_a")
    a1, a2 = world.clusters_a[0].id, world.clusters_a[1].id
    day = clash["today"].isoformat()
    # Default: the item whose validity ends first plays first (the province's).
    assert _priority_ids(client, op, a1, clash["today"]) == [clash["province"], clash["own"]]
    clashes = client.get(f"/api/v1/clusters/{a1}/playlists/{day}/priority-clashes", headers=op).json()
    assert len(clashes) == 1
    found = clashes[0]
    assert found["slot_id"] == clash["slot"] and found["ordered_by"] == "default"
    assert "thứ tự mặc định" in found["note"]
    assert [(i["content_id"], i["origin"], i["origin_label"]) for i in found["items"]] == [
        (clash["province"], "higher", "Của cấp trên"), (clash["own"], "own", "Của xã")]

    saved = _order(client, op, world.commune_a.id, clash, [clash["own"], clash["province"]])
    assert saved.status_code == 200, saved.text
    assert saved.json()["content_ids"] == [clash["own"], clash["province"]] and not saved.json()["is_default"]
    _wait_rebuilds(engine)
    for cluster in (a1, a2):
        assert _priority_ids(client, op, cluster, clash["today"]) == [clash["own"], clash["province"]]
    now = client.get(f"/api/v1/clusters/{a1}/playlists/{day}/priority-clashes", headers=op).json()[0]
    assert now["ordered_by"] == "operator" and "operator_a" in now["note"]
    assert now["order_area_id"] == world.commune_a.id
    got = client.get(f"/api/v1/priority-orders?area_id={world.commune_a.id}&slot_id={clash['slot']}&date={day}",
                     headers=auth("supervisor_a")).json()
    assert got["content_ids"] == [clash["own"], clash["province"]]

    # The audit trail: in each item's history, who put it where.
    history = client.get(f"/api/v1/contents/{clash['own']}/history", headers=op).json()
    entry = [e for e in history if e["action"] == "priority_order"][-1]
    assert entry["username"] == "operator_a" and "vị trí 1/2" in entry["reason"] and "Bản tin sáng" in entry["reason"]

    # A cluster's own order wins over its commune's, for that cluster only.
    assert _order(client, op, a1, clash, [clash["province"], clash["own"]]).status_code == 200
    _wait_rebuilds(engine)
    assert _priority_ids(client, op, a1, clash["today"]) == [clash["province"], clash["own"]]
    assert _priority_ids(client, op, a2, clash["today"]) == [clash["own"], clash["province"]]

    # [] puts the default back (the cluster's order off, then the commune's).
    assert _order(client, op, a1, clash, []).json()["is_default"] is True
    assert _order(client, op, world.commune_a.id, clash, []).status_code == 200
    _wait_rebuilds(engine)
    assert _priority_ids(client, op, a2, clash["today"]) == [clash["province"], clash["own"]]
    history = client.get(f"/api/v1/contents/{clash['own']}/history", headers=op).json()
    assert "Trở về thứ tự mặc định" in [e for e in history if e["action"] == "priority_order"][-1]["reason"]


def test_reordering_is_refused_clearly(client, world, auth, clash):
    op = auth("operator_a")
    ids = [clash["own"], clash["province"]]
    assert _order(client, auth("operator_b"), world.commune_a.id, clash, ids).status_code == 403
    cases = [
        (_order(client, op, world.commune_a.id, clash, [clash["normal"]]), "không phải tin ưu tiên"),
        (_order(client, op, world.commune_a.id, clash, ids, clash["today"] - timedelta(days=1)), "đã qua"),
        (_order(client, op, world.commune_a.id, clash, [clash["own"], clash["own"]]), "một lần"),
        (_order(client, auth("operator"), world.province.id, clash, ids), "xã/phường hoặc một cụm loa"),
        (_order(client, op, world.commune_a.id, clash, [999_999]), "không tồn tại"),
    ]
    for response, words in cases:
        assert response.status_code == 422 and words in response.json()["detail"], response.text
    other_slot = client.post("/api/v1/slots", json={"area_id": world.commune_b.id, "name": "Khung xã B",
                                                    "start_time": "09:00", "duration_minutes": 5},
                             headers=auth("operator_b")).json()["id"]
    wrong = client.put("/api/v1/priority-orders", headers=auth("operator"), json={
        "area_id": world.commune_a.id, "slot_id": other_slot, "date": clash["today"].isoformat(), "content_ids": ids})
    assert wrong.status_code == 422 and "không áp dụng" in wrong.json()["detail"]
