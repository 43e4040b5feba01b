"""A caller with a scope cannot tell an id outside it from an id that does not exist: both get the same
status and the same words. Only a caller who sees everything is told that an id does not exist."""

import pytest

from tests.factories import device_headers

MISSING = 999_999


def _same(client, headers, outside: str, missing: str, method: str = "GET", **kwargs) -> None:
    a = client.request(method, outside, headers=headers, **kwargs)
    b = client.request(method, missing, headers=headers, **kwargs)
    assert (a.status_code, a.json()["detail"]) == (b.status_code, b.json()["detail"]), (a.text, b.text)
    assert a.status_code == 403


@pytest.fixture
def foreign_slot(client, auth, world) -> int:
    response = client.post("/api/v1/slots", headers=auth("admin"), json={
        "area_id": world.other_commune.id, "name": "Bản tin tối", "start_time": "18:00", "duration_minutes": 5})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_areas_outside_the_scope_and_missing_answer_alike(client, auth, world):
    operator = auth("operator_a")
    _same(client, operator, f"/api/v1/areas/{world.other_commune.id}", f"/api/v1/areas/{MISSING}")
    _same(client, operator, f"/api/v1/areas/{world.commune_b.id}", f"/api/v1/areas/{MISSING}", "PATCH",
          json={"name": "Đổi tên"})
    assert client.get(f"/api/v1/areas/{MISSING}", headers=auth("admin")).status_code == 404


def test_slots_outside_the_scope_and_missing_answer_alike(client, auth, world, foreign_slot):
    operator = auth("operator_a")
    _same(client, operator, f"/api/v1/slots/{foreign_slot}", f"/api/v1/slots/{MISSING}")
    _same(client, operator, f"/api/v1/slots/{foreign_slot}", f"/api/v1/slots/{MISSING}", "PATCH",
          json={"name": "Đổi tên"})
    _same(client, operator, f"/api/v1/slots/{foreign_slot}", f"/api/v1/slots/{MISSING}", "DELETE")
    device = device_headers(client, auth("admin"), world.clusters_a[0].id)
    _same(client, device, f"/api/v1/slots/{foreign_slot}", f"/api/v1/slots/{MISSING}")
    assert client.get(f"/api/v1/slots/{MISSING}", headers=auth("admin")).status_code == 404


def test_clusters_outside_the_scope_and_missing_answer_alike(client, auth, world):
    for headers in (auth("supervisor_a"), device_headers(client, auth("admin"), world.clusters_a[0].id)):
        _same(client, headers, f"/api/v1/clusters/{world.other_cluster.id}/alerts",
              f"/api/v1/clusters/{MISSING}/alerts")
        _same(client, headers, f"/api/v1/clusters/{world.clusters_b[0].id}/plays/last",
              f"/api/v1/clusters/{MISSING}/plays/last")
    assert client.get(f"/api/v1/clusters/{MISSING}/alerts", headers=auth("admin")).status_code == 404
