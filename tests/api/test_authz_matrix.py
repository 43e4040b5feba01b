"""The authorisation matrix: every endpoint × every role × inside/outside the caller's subtree.

Each case acts on objects in commune A (cluster A1). Callers:
  admin (national), operator/approver/supervisor (province-wide), *_a (commune A: inside),
  *_b (commune B: outside), device_a (cluster A1's device: inside), device_b (cluster B1: outside),
  anon (no token).
`expect` maps caller -> status; a caller not listed must be refused (401 for anon, else 403/404).
Packages that add endpoints add cases to CASES (or a module-level list they import here).
"""

from typing import Any

import pytest

from tests.authz_case import Case
from tests.factories import device_headers

CALLERS = ["admin", "operator", "operator_a", "operator_b", "approver", "approver_a", "approver_b",
           "supervisor", "supervisor_a", "supervisor_b", "device_a", "device_b", "anon"]
ALL_HUMANS_INSIDE = {"admin": 200, "operator": 200, "operator_a": 200, "approver": 200, "approver_a": 200,
                     "supervisor": 200, "supervisor_a": 200}




def _new_cluster_body(ctx):
    ctx.counter += 1
    return {"name": f"Cụm mới {ctx.counter}", "level": "cluster", "parent_id": ctx.world.commune_a.id}


CASES: list[Case] = [
    Case("list areas", "GET", lambda c: "/api/v1/areas",
         {**ALL_HUMANS_INSIDE, "operator_b": 200, "approver_b": 200, "supervisor_b": 200,
          "device_a": 200, "device_b": 200}),
    Case("get cluster A1", "GET", lambda c: f"/api/v1/areas/{c.world.clusters_a[0].id}",
         {**ALL_HUMANS_INSIDE, "device_a": 200}),
    Case("create cluster in A", "POST", lambda c: "/api/v1/areas",
         {"admin": 201, "operator": 201, "operator_a": 201}, json=_new_cluster_body),
    Case("rename cluster A1", "PATCH", lambda c: f"/api/v1/areas/{c.world.clusters_a[0].id}",
         {"admin": 200, "operator": 200, "operator_a": 200}, json=lambda c: {"name": "Cụm loa đổi tên"}),
    Case("device token for A1", "POST", lambda c: f"/api/v1/areas/{c.world.clusters_a[0].id}/device-token",
         {"admin": 201, "operator": 201, "operator_a": 201}),
    Case("list device tokens of A1", "GET", lambda c: f"/api/v1/areas/{c.world.clusters_a[0].id}/device-tokens",
         {"admin": 200, "operator": 200, "operator_a": 200}),
    Case("import clusters CSV into A", "POST", lambda c: "/api/v1/areas/import-clusters",
         {"admin": 200, "operator": 200, "operator_a": 200},
         files=lambda c: {"file": ("cum.csv", f"{c.world.commune_a.code},Cụm nhập {c.next()}\n".encode(), "text/csv")}),
    Case("list lexicon of A1", "GET", lambda c: f"/api/v1/lexicon?area_id={c.world.clusters_a[0].id}",
         ALL_HUMANS_INSIDE),
    Case("add lexicon entry in A", "POST", lambda c: "/api/v1/lexicon",
         {"admin": 201, "operator": 201, "operator_a": 201},
         json=lambda c: {"term": f"XT{c.next()}", "spoken": "xin thử", "area_id": c.world.commune_a.id}),
    Case("normalize text", "POST", lambda c: "/api/v1/tts/normalize",
         {**ALL_HUMANS_INSIDE, "operator_b": 200, "approver_b": 200, "supervisor_b": 200},
         json=lambda c: {"text": "UBND xã thông báo."}),
    Case("normalize with A's lexicon", "POST", lambda c: "/api/v1/tts/normalize", ALL_HUMANS_INSIDE,
         json=lambda c: {"text": "UBND xã thông báo.", "area_id": c.world.commune_a.id}),
    Case("list engines", "GET", lambda c: "/api/v1/tts/engines",
         {**ALL_HUMANS_INSIDE, "operator_b": 200, "approver_b": 200, "supervisor_b": 200}),
    Case("list users", "GET", lambda c: "/api/v1/users", {"admin": 200}),
    Case("me", "GET", lambda c: "/api/v1/users/me",
         {**ALL_HUMANS_INSIDE, "operator_b": 200, "approver_b": 200, "supervisor_b": 200}),
]


class Ctx:
    def __init__(self, client, world, headers):
        self.client, self.world, self.headers = client, world, headers
        self.counter = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter


@pytest.fixture
def ctx(client, world, auth):
    admin = auth("admin")
    headers = {name: auth(name) for name in CALLERS if name not in ("anon", "device_a", "device_b")}
    headers["anon"] = {}
    headers["device_a"] = device_headers(client, admin, world.clusters_a[0].id)
    headers["device_b"] = device_headers(client, admin, world.clusters_b[0].id)
    return Ctx(client, world, headers)


def _extra_cases() -> list[Case]:
    """Cases contributed by other packages' test modules (kept beside their own tests)."""
    import importlib

    cases: list[Case] = []
    for module in ("tests.campaigns.authz_cases", "tests.playlists.authz_cases", "tests.airtime.authz_cases",
                   "tests.devices.authz_cases"):
        try:
            cases.extend(importlib.import_module(module).CASES)
        except ModuleNotFoundError:
            continue
    return cases


ALL_CASES = CASES + _extra_cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_authorisation_matrix(ctx, case: Case):
    failures = []
    for caller in CALLERS:
        if case.setup:
            case.setup(ctx)
        kwargs: dict[str, Any] = {"headers": ctx.headers[caller]}
        if case.json:
            kwargs["json"] = case.json(ctx)
        if case.data:
            kwargs["data"] = case.data
        if case.files:
            kwargs["files"] = case.files(ctx)
        response = ctx.client.request(case.method, case.path(ctx), **kwargs)
        expected = case.expect.get(caller)
        if expected is not None:
            ok = response.status_code == expected
        elif caller == "anon":
            ok = response.status_code == 401
        else:
            ok = response.status_code in (403, 404)
        assert response.status_code < 500, f"{caller}: {response.status_code} {response.text}"
        if not ok:
            failures.append(f"{caller}: got {response.status_code}, expected {expected or 'refusal'}: "
                            f"{response.text[:200]}")
        if response.status_code >= 400:
            assert "detail" in response.json(), f"{caller}: error without detail"
    assert not failures, "\n".join(failures)
