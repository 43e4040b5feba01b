"""Authorisation matrix cases for as-run logs and reports (see tests/api/test_authz_matrix.py).

Objects live in commune A (cluster A1). Plays are posted by A1's device or by an admin/operator
of the area (manual entry); plays/last also answers the device; every other read is for the
readers of the subtree (admin, operator, approver, supervisor); devices never read reports.
"""

from collections.abc import Callable
from typing import Any

from tests.authz_case import Case

API = "/api/v1"
FROM, TO = "2026-03-01", "2026-03-31"




INSIDE_READERS = {
    "admin": 200,
    "operator": 200,
    "operator_a": 200,
    "approver": 200,
    "approver_a": 200,
    "supervisor": 200,
    "supervisor_a": 200,
}
EVERY_HUMAN = {**INSIDE_READERS, "operator_b": 200, "approver_b": 200, "supervisor_b": 200}


def _a1(ctx) -> int:
    return ctx.world.clusters_a[0].id


def _commune_a(ctx) -> int:
    return ctx.world.commune_a.id


def _report(path: str, **params: str) -> Callable[[Any], str]:
    def build(ctx) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"area_id": _commune_a(ctx), **params}.items())
        return f"{API}{path}?{query}"

    return build


CASES: list[Case] = [
    Case(
        "post plays of A1",
        "POST",
        lambda c: f"{API}/clusters/{_a1(c)}/plays",
        {"admin": 200, "operator": 200, "operator_a": 200, "device_a": 200},
        json=lambda c: {"events": []},
    ),
    Case(
        "last play of A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/plays/last", {**INSIDE_READERS, "device_a": 200}
    ),
    Case("stored plays of A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/plays", INSIDE_READERS),
    Case("stored plays of A1 as CSV", "GET",
         lambda c: f"{API}/clusters/{_a1(c)}/plays?format=csv&from={FROM}&to={TO}", INSIDE_READERS),
    Case("verify chain of A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/plays/verify", INSIDE_READERS),
    Case("reconcile A1", "GET", lambda c: f"{API}/clusters/{_a1(c)}/reconciliation?date=2026-03-10", INSIDE_READERS),
    Case("airtime report of commune A", "GET", _report("/reports/airtime", **{"from": FROM, "to": TO}), INSIDE_READERS),
    Case(
        "airtime report of own scope",
        "GET",
        lambda c: f"{API}/reports/airtime?from={FROM}&to={TO}&group_by=area",
        EVERY_HUMAN,
    ),
    Case(
        "airtime report CSV of commune A",
        "GET",
        _report("/reports/airtime", **{"from": FROM, "to": TO, "format": "csv", "group_by": "cluster"}),
        INSIDE_READERS,
    ),
    Case(
        "airtime chart of commune A",
        "GET",
        _report("/reports/airtime/chart.png", **{"from": FROM, "to": TO, "kind": "area"}),
        INSIDE_READERS,
    ),
    Case("quota report of commune A", "GET", _report("/reports/quotas", on="2026-03-10"), INSIDE_READERS),
    Case("anomalies of commune A", "GET", _report("/reports/anomalies", **{"from": FROM, "to": TO}), INSIDE_READERS),
    Case("silent clusters of commune A", "GET", _report("/reports/silent-clusters"), INSIDE_READERS),
]
