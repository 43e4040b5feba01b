"""Slot templates over HTTP: validation, inheritance, overlap per cluster (incl. midnight), commemorative
extra slots."""

from datetime import date, time

import pytest

from playlists.inputs import AreaSlots, load_area_slots
from playlists.service import build_day
from tests.playlists.helpers import add_slot


def _post(client, headers, **body):
    return client.post("/api/v1/slots", json=body, headers=headers)


def _ok(client, headers, **body) -> dict:
    response = _post(client, headers, **body)
    assert response.status_code == 201, response.text
    return response.json()


BAD_BODIES = [
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 25 * 60}, "duration_minutes"),
    ({"start_time": "25:00"}, "start_time"),
    ({"start_time": "24:00"}, "start_time"),
    ({"start_time": "6:00"}, "start_time"),
    ({"weekdays": [0, 7]}, "weekdays"),
    ({"weekdays": [-1]}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"name": ""}, "name"),
    ({"starts_on": "2026-06-12", "ends_on": "2026-06-11"}, ""),
    ({"starts_on": "1900-01-01"}, "starts_on"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES, ids=[repr(c) for c, _ in BAD_BODIES])
def test_bad_slots_are_refused_with_a_clear_4xx(client, auth, world, change, field):
    body = {"area_id": world.province.id, "name": "Bản tin sáng", "start_time": "06:00", "duration_minutes": 30,
            **change}
    response = _post(client, auth("operator"), **body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])


def test_unknown_area_and_area_outside_scope(client, auth, world):
    body = {"name": "Sáng", "start_time": "06:00", "duration_minutes": 30}
    response = _post(client, auth("admin"), area_id=987_654, **body)
    assert response.status_code == 422 and "987654" in response.json()["detail"]
    assert _post(client, auth("operator_a"), area_id=world.commune_b.id, **body).status_code == 403
    assert _post(client, auth("approver"), area_id=world.province.id, **body).status_code == 403


def test_a_day_long_slot_is_fine(client, auth, world):
    slot = _ok(client, auth("admin"), area_id=world.other_province.id, name="Cả ngày", start_time="00:00",
               duration_minutes=24 * 60)
    assert slot["end_time"] == "00:00" and slot["crosses_midnight"] is True


def test_overlap_on_the_same_area_is_409(client, auth, world):
    op = auth("operator")
    _ok(client, op, area_id=world.commune_a.id, name="Sáng", start_time="06:00", duration_minutes=30)
    response = _post(client, op, area_id=world.commune_a.id, name="Chen", start_time="06:29", duration_minutes=10)
    assert response.status_code == 409 and "Sáng" in response.json()["detail"]
    # Touching is not overlapping: 06:30 starts when the other ends.
    _ok(client, op, area_id=world.commune_a.id, name="Nối", start_time="06:30", duration_minutes=10)


def test_overlap_with_inherited_slots_both_ways(client, auth, world):
    op = auth("operator")
    _ok(client, op, area_id=world.province.id, name="Tỉnh", start_time="18:00", duration_minutes=30)
    # A cluster's own slot may not overlap what it inherits from its province...
    response = _post(client, op, area_id=world.clusters_a[0].id, name="Riêng", start_time="18:15",
                     duration_minutes=30)
    assert response.status_code == 409 and "Tỉnh Lào Cai" in response.json()["detail"]
    # ...and a province slot may not overlap a slot already set below it.
    _ok(client, op, area_id=world.clusters_b[1].id, name="Bản", start_time="05:00", duration_minutes=20)
    response = _post(client, op, area_id=world.province.id, name="Tỉnh sớm", start_time="04:50", duration_minutes=20)
    assert response.status_code == 409 and "Cụm loa bản 2" in response.json()["detail"]
    # Siblings never share a cluster: the same time in two communes is fine.
    _ok(client, op, area_id=world.commune_a.id, name="Xã A", start_time="20:00", duration_minutes=30)
    _ok(client, op, area_id=world.commune_b.id, name="Xã B", start_time="20:00", duration_minutes=30)
    # Another province is unaffected.
    _ok(client, auth("admin"), area_id=world.other_province.id, name="Khác", start_time="18:00", duration_minutes=30)


def test_slots_crossing_midnight_are_checked_on_the_next_day(client, auth, world):
    op = auth("operator")
    late = _ok(client, op, area_id=world.commune_a.id, name="Đêm", start_time="23:30", duration_minutes=60)
    assert late["end_time"] == "00:30" and late["crosses_midnight"]
    response = _post(client, op, area_id=world.clusters_a[0].id, name="Rạng sáng", start_time="00:15",
                     duration_minutes=30)
    assert response.status_code == 409
    _ok(client, op, area_id=world.clusters_a[0].id, name="Rạng sáng", start_time="00:30", duration_minutes=30)
    # Weekday-limited: a Monday-only 23:30 slot reaches into Tuesday, not into Monday morning.
    _ok(client, op, area_id=world.commune_b.id, name="Đêm thứ Hai", start_time="23:30", duration_minutes=60,
        weekdays=[0])
    _ok(client, op, area_id=world.clusters_b[0].id, name="Sáng thứ Hai", start_time="00:00", duration_minutes=20,
        weekdays=[0])
    response = _post(client, op, area_id=world.clusters_b[0].id, name="Sáng thứ Ba", start_time="00:00",
                     duration_minutes=20, weekdays=[1])
    assert response.status_code == 409


def test_date_ranges_that_never_meet_do_not_overlap(client, auth, world):
    op = auth("operator")
    _ok(client, op, area_id=world.commune_a.id, name="Tháng 6", start_time="07:00", duration_minutes=30,
        starts_on="2026-06-01", ends_on="2026-06-30")
    _ok(client, op, area_id=world.commune_a.id, name="Tháng 7", start_time="07:00", duration_minutes=30,
        starts_on="2026-07-01", ends_on="2026-07-31")
    assert _post(client, op, area_id=world.commune_a.id, name="Cuối tháng 6", start_time="07:10",
                 duration_minutes=30, starts_on="2026-06-30").status_code == 409


def test_patch_rechecks_overlap_and_delete(client, auth, world):
    op = auth("operator")
    a = _ok(client, op, area_id=world.commune_a.id, name="A", start_time="06:00", duration_minutes=30)
    b = _ok(client, op, area_id=world.commune_a.id, name="B", start_time="07:00", duration_minutes=30)
    response = client.patch(f"/api/v1/slots/{b['id']}", json={"start_time": "06:15"}, headers=op)
    assert response.status_code == 409
    assert client.get(f"/api/v1/slots/{b['id']}", headers=op).json()["start_time"] == "07:00"
    response = client.patch(f"/api/v1/slots/{b['id']}", json={"duration_minutes": 45, "weekdays": [5, 6, 5]},
                            headers=op)
    assert response.status_code == 200 and response.json()["weekdays"] == [5, 6]
    assert client.patch(f"/api/v1/slots/{b['id']}", json={"duration_minutes": 0}, headers=op).status_code == 422
    assert client.patch(f"/api/v1/slots/{b['id']}", json={"name": None}, headers=op).status_code == 422
    assert client.delete(f"/api/v1/slots/{a['id']}", headers=op).status_code == 204
    # Gone: a caller with a scope is told as for any slot outside it, only an admin that it does not exist.
    assert client.get(f"/api/v1/slots/{a['id']}", headers=op).status_code == 403
    assert client.get(f"/api/v1/slots/{a['id']}", headers=auth("admin")).status_code == 404
    assert client.patch(f"/api/v1/slots/{b['id']}", json={"start_time": "06:15"}, headers=op).status_code == 200


def test_effective_slots_of_a_cluster_include_inherited_ones(client, auth, world):
    op = auth("operator")
    _ok(client, op, area_id=world.province.id, name="Tỉnh", start_time="18:00", duration_minutes=30)
    _ok(client, op, area_id=world.commune_a.id, name="Xã", start_time="06:00", duration_minutes=30)
    _ok(client, op, area_id=world.clusters_a[0].id, name="Riêng", start_time="12:00", duration_minutes=15)
    _ok(client, op, area_id=world.clusters_a[1].id, name="Cụm khác", start_time="12:00", duration_minutes=15)
    slots = client.get(f"/api/v1/slots?area_id={world.clusters_a[0].id}", headers=op).json()
    assert [(s["name"], s["inherited"]) for s in slots] == [("Xã", True), ("Riêng", False), ("Tỉnh", True)]
    # Commune B's operator sees the province's slot (it applies to B) but none of commune A's.
    names = {s["name"] for s in client.get("/api/v1/slots", headers=auth("operator_b")).json()}
    assert names == {"Tỉnh"}


def test_commemorative_slot_runs_only_on_commemorative_days(client, auth, world, engine, settings):
    op = auth("operator")
    _ok(client, op, area_id=world.province.id, name="Thường ngày", start_time="06:00", duration_minutes=30)
    extra = _ok(client, op, area_id=world.province.id, name="Chào mừng ngày kỷ niệm", start_time="19:00",
                duration_minutes=30, commemorative_only=True)
    assert extra["commemorative_only"]
    days = client.get("/api/v1/slots/commemorations", headers=op).json()
    assert any(d["month"] == 6 and d["day"] == 11 for d in days)  # 11/6, the call for patriotic emulation
    slots: AreaSlots = _load(engine)
    chain = world.clusters_a[0].ancestor_ids
    assert [t.name for t in slots.templates_for(chain, date(2026, 6, 11))] == ["Thường ngày",
                                                                                "Chào mừng ngày kỷ niệm"]
    assert [t.name for t in slots.templates_for(chain, date(2026, 6, 12))] == ["Thường ngày"]
    # A commune's own anniversary applies to its clusters only.
    response = client.post("/api/v1/slots/commemorations", headers=op,
                           json={"name": "Ngày thành lập phường", "month": 3, "day": 17, "area_id": world.commune_a.id})
    assert response.status_code == 201
    slots = _load(engine)
    assert len(slots.templates_for(chain, date(2026, 3, 17))) == 2
    assert len(slots.templates_for(world.clusters_b[0].ancestor_ids, date(2026, 3, 17))) == 1
    assert client.post("/api/v1/slots/commemorations", headers=op,
                       json={"name": "Không có", "month": 2, "day": 30}).status_code == 422
    assert client.post("/api/v1/slots/commemorations", headers=op,
                       json={"name": "Cả nước", "month": 2, "day": 3}).status_code == 403  # scoped operator
    # The builder uses it: 11/6 gets both slots.
    result = build_day(engine, day=date(2026, 6, 11), tz=settings.tz, area_id=world.commune_a.id)
    assert result.clusters == 2
    body = client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/playlists/2026-06-11", headers=op).json()
    assert [s["name"] for s in body["slots"]] == ["Thường ngày", "Chào mừng ngày kỷ niệm"]


def test_overlapping_rows_written_behind_the_service_do_not_break_a_build(engine, world, settings):
    """Defence in depth: rows inserted directly (bypassing the 409) still build; the later slot is dropped."""
    add_slot(engine, world.commune_a.id, "Một", time(6, 0), 30)
    add_slot(engine, world.clusters_a[0].id, "Hai", time(6, 10), 30)
    result = build_day(engine, day=date(2026, 6, 12), tz=settings.tz, area_id=world.commune_a.id)
    assert result.clusters == 2 and result.written == 2


def _load(engine) -> AreaSlots:
    from sqlmodel import Session

    with Session(engine) as session:
        return load_area_slots(session)


def test_filler_fills_the_rest_of_each_slot_and_the_nearest_area_wins(client, auth, engine, world, store, settings):
    from tests.playlists.helpers import add_content, make_mp3

    op = auth("operator")
    _ok(client, op, area_id=world.province.id, name="Sáng", start_time="06:00", duration_minutes=1)
    add_content(engine, "Tin", [world.province.id], make_mp3(store, 20, 440))
    province_filler, commune_filler = make_mp3(store, 7, 250), make_mp3(store, 9, 260)
    response = client.put("/api/v1/slots/filler", json={"area_id": world.province.id,
                                                         "sha256": province_filler.sha256}, headers=op)
    assert response.status_code == 200 and response.json()["audio"]["duration_ms"] == province_filler.duration_ms
    assert client.put("/api/v1/slots/filler", json={"area_id": world.commune_a.id, "sha256": commune_filler.sha256},
                      headers=auth("operator_a")).status_code == 200
    assert client.put("/api/v1/slots/filler", json={"area_id": world.commune_b.id, "sha256": "0" * 64},
                      headers=op).status_code == 422  # not in the store
    got = client.get(f"/api/v1/slots/filler?area_id={world.clusters_b[0].id}", headers=op).json()
    assert got["area_id"] == world.province.id and got["inherited"] is True
    build_day(engine, day=date(2026, 6, 12), tz=settings.tz, area_id=world.province.id)
    for cluster, filler in ((world.clusters_a[0], commune_filler), (world.clusters_b[0], province_filler)):
        slot = client.get(f"/api/v1/clusters/{cluster.id}/playlists/2026-06-12", headers=op).json()["slots"][0]
        kinds = [i["kind"] for i in slot["items"]]
        assert kinds[0] == "content" and set(kinds[1:]) == {"filler"}
        assert {i["sha256"] for i in slot["items"][1:]} == {filler.sha256}
        assert slot["unused_ms"] < filler.duration_ms  # whole plays only, never past the end
    # Removing commune A's filler: its clusters fall back to the province's (a new version).
    assert client.delete(f"/api/v1/slots/filler/{world.commune_a.id}", headers=op).status_code == 204
    assert client.delete(f"/api/v1/slots/filler/{world.commune_a.id}", headers=op).status_code == 404
    result = build_day(engine, day=date(2026, 6, 12), tz=settings.tz, area_id=world.province.id)
    assert result.written == 2 and result.unchanged == 2
