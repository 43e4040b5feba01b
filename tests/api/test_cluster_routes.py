"""Every /clusters/{cluster_id}/... route takes its cluster from one dependency of api/deps.py, so "a device
reads only its own cluster" holds on each of them, including routes added later (found from the app itself)."""

import re

import pytest
from fastapi.routing import APIRoute

from api.app import API_PREFIX, API_ROUTERS
from core.timeutil import now_utc
from tests.factories import device_headers

PREFIX = API_PREFIX + "/clusters/{cluster_id}"
READER_ONLY = {"/plays/verify", "/reconciliation", "/playlists/{day}/priority-clashes"}  # and GET /plays: a device
# posts its plays, never lists them
DEVICE_ONLY = {"/heartbeat"}
# The smallest valid body of each POST route (the rest get an empty batch of plays).
BODIES = {"/heartbeat": {"agent_version": "test"}}


def _routes() -> list[APIRoute]:
    """Every API route under /clusters/{cluster_id} (paths as the app serves them)."""
    return [route for router in API_ROUTERS for route in router.routes
            if isinstance(route, APIRoute) and (API_PREFIX + route.path).startswith(PREFIX)]


def _cluster_routes() -> list[tuple[str, str]]:
    return sorted((method, API_PREFIX + route.path) for route in _routes()
                  for method in (route.methods or set()) - {"HEAD"})


def _uses_cluster_dependency(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "__qualname__", "").startswith("cluster_of_path."):
            return True
        stack += dep.dependencies
    return False


def _call(client, method: str, path: str, cluster_id: int, headers: dict, settings):
    today = now_utc().astimezone(settings.tz).date().isoformat()
    url = path.replace("{cluster_id}", str(cluster_id)).replace("{day}", today)
    url = re.sub(r"\{[a-z_]+\}", "0", url)  # slot_index
    if method == "POST":
        return client.post(url, json=BODIES.get(path.removeprefix(PREFIX), {"events": []}), headers=headers)
    return client.request(method, url, params={"date": today}, headers=headers)


def test_every_cluster_route_resolves_its_cluster_through_the_one_dependency():
    routes = _routes()
    assert len(routes) >= 11
    assert [r.path for r in routes if not _uses_cluster_dependency(r)] == []


def test_a_device_of_another_cluster_gets_403_on_each_cluster_route(client, world, auth, settings):
    other_device = device_headers(client, auth("admin"), world.clusters_b[0].id)
    own_device = device_headers(client, auth("admin"), world.clusters_a[0].id)
    cluster_id = world.clusters_a[0].id
    for method, path in _cluster_routes():
        response = _call(client, method, path, cluster_id, other_device, settings)
        assert response.status_code == 403, (method, path, response.text)
        detail = response.json()["detail"]
        reader_only = path.removeprefix(PREFIX) in READER_ONLY or (method, path) == ("GET", PREFIX + "/plays")
        if reader_only:  # refused for its role, the cluster's own device too
            assert "Vai trò device" in detail, (method, path, detail)
            assert _call(client, method, path, cluster_id, own_device, settings).status_code == 403
        else:
            assert "cụm loa khác" in detail, (method, path, detail)
            # The cluster's own device passes the check (a missing playlist is then a 404, not a 403).
            own = _call(client, method, path, cluster_id, own_device, settings)
            assert own.status_code in (200, 404), (method, path, own.text)


@pytest.mark.parametrize("caller", ["operator_b", "supervisor_b"])
def test_a_person_outside_the_subtree_gets_403(client, world, auth, settings, caller):
    for method, path in _cluster_routes():
        if (method == "POST" and caller == "supervisor_b") or path.removeprefix(PREFIX) in DEVICE_ONLY:
            continue  # refused for the role before the area is looked at (also a 403)
        response = _call(client, method, path, world.clusters_a[0].id, auth(caller), settings)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["detail"] == "Địa bàn này nằm ngoài phạm vi được giao."


def test_unknown_ids_are_404_and_other_areas_422_on_each_cluster_route(client, world, auth, settings):
    for method, path in _cluster_routes():
        assert _call(client, method, path, 2_000_000, auth("admin"), settings).status_code == 404, path
        response = _call(client, method, path, world.commune_a.id, auth("admin"), settings)
        assert response.status_code == 422 and "không phải cụm loa" in response.json()["detail"], path
