"""Quota rules and the compliance view: which communes have supplied their exemplar."""

from datetime import timedelta

from tests.campaigns.helpers import API, act, create_content, today


def _rule(client, headers, **extra) -> dict:
    body = {"name": "Mỗi xã, phường ít nhất 01 gương ĐHTT, NTVT mỗi tháng", "area_id": extra.pop("area_id"),
            "unit_level": "commune", "kind": "exemplar", "min_count": 1, "period": "monthly",
            "starts_on": str(today().replace(day=1) - timedelta(days=62)),
            "ends_on": str(today() + timedelta(days=365))}
    body.update(extra)
    response = client.post(f"{API}/quotas", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _compliance(client, headers, **params) -> list[dict]:
    response = client.get(f"{API}/quotas/compliance", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["rules"]


def _rows(rule: dict) -> dict[str, dict]:
    return {r["area_name"]: r for r in rule["rows"]}


def test_monthly_exemplar_quota_shows_which_communes_are_behind(client, world, auth):
    rule = _rule(client, auth("operator"), area_id=world.province.id)
    op_a = auth("operator_a")
    exemplar = create_content(client, op_a, kind="exemplar", title="Gương sáng bản Cát Cát",
                              area_ids=[world.commune_a.id])
    news = create_content(client, auth("operator_b"), kind="news", area_ids=[world.commune_b.id])
    act(client, auth("operator_b"), news["id"], "submit")  # not an exemplar: does not count

    [before] = _compliance(client, auth("supervisor"))
    assert (before["units"], before["met"], before["behind"]) == (2, 0, 2)  # a draft is not supplied yet

    act(client, op_a, exemplar["id"], "submit")
    [report] = _compliance(client, auth("supervisor"))
    assert report["rule"]["id"] == rule["id"]
    assert report["period_start"] == str(today().replace(day=1))
    rows = _rows(report)
    assert rows[world.commune_a.name] | {"last_submitted_at": None} == {
        "area_id": world.commune_a.id, "area_name": world.commune_a.name, "submitted": 1, "approved": 0,
        "on_time": None, "met": True, "last_submitted_at": None}
    assert rows[world.commune_b.name]["submitted"] == 0 and rows[world.commune_b.name]["met"] is False
    assert (report["met"], report["behind"]) == (1, 1)

    act(client, auth("approver_a"), exemplar["id"], "approve")
    [approved] = _compliance(client, auth("supervisor_a"))  # commune A's supervisor sees commune A only
    assert [(r["area_name"], r["submitted"], r["approved"]) for r in approved["rows"]] == [
        (world.commune_a.name, 1, 1)]

    # Last month nobody supplied anything.
    [last_month] = _compliance(client, auth("supervisor"), on=str(today().replace(day=1) - timedelta(days=1)))
    assert last_month["met"] == 0 and last_month["behind"] == 2


def test_deadline_quota_tells_who_met_the_deadline(client, world, auth):
    op_a = auth("operator_a")
    # "Mỗi xã, phường có ít nhất 01 bài viết ... hoàn thành trước ngày ...": one rule whose deadline has passed,
    # one whose deadline is still ahead.
    past = _rule(client, auth("operator"), area_id=world.province.id, period="deadline", name="Hạn đã qua",
                 starts_on=str(today() - timedelta(days=60)), ends_on=str(today() - timedelta(days=1)))
    ahead = _rule(client, auth("operator"), area_id=world.province.id, period="deadline", name="Hạn sắp tới",
                  starts_on=str(today() - timedelta(days=60)), ends_on=str(today() + timedelta(days=5)))
    item = create_content(client, op_a, kind="exemplar", area_ids=[world.commune_a.id])
    act(client, op_a, item["id"], "submit")
    reports = {r["rule"]["id"]: r for r in _compliance(client, auth("supervisor"))}
    late = _rows(reports[past["id"]])[world.commune_a.name]
    assert (late["submitted"], late["met"], late["on_time"]) == (1, True, False)
    in_time = _rows(reports[ahead["id"]])[world.commune_a.name]
    assert (in_time["submitted"], in_time["met"], in_time["on_time"]) == (1, True, True)
    assert _rows(reports[ahead["id"]])[world.commune_b.name]["on_time"] is False


def test_rejected_items_do_not_count(client, world, auth):
    _rule(client, auth("operator"), area_id=world.province.id)
    op_a = auth("operator_a")
    item = create_content(client, op_a, kind="exemplar", area_ids=[world.commune_a.id])
    act(client, op_a, item["id"], "submit")
    act(client, auth("approver_a"), item["id"], "reject", json={"reason": "Chưa đúng tiêu chí"})
    [report] = _compliance(client, auth("supervisor"))
    assert _rows(report)[world.commune_a.name]["submitted"] == 0


def test_rules_are_kept_in_the_callers_subtree(client, world, auth):
    response = client.post(f"{API}/quotas", headers=auth("operator_a"),
                           json={"name": "x", "area_id": world.province.id, "starts_on": "2026-01-01",
                                 "ends_on": "2026-12-31"})
    assert response.status_code == 403
    bad_level = client.post(f"{API}/quotas", headers=auth("operator_a"),
                            json={"name": "x", "area_id": world.commune_a.id, "unit_level": "province",
                                  "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert bad_level.status_code == 422
    rule = _rule(client, auth("operator"), area_id=world.province.id)
    assert client.patch(f"{API}/quotas/{rule['id']}", json={"min_count": 2}, headers=auth("operator_a")).status_code \
        == 403
    changed = client.patch(f"{API}/quotas/{rule['id']}", json={"min_count": 2, "max_count": 3},
                           headers=auth("operator"))
    assert changed.json()["min_count"] == 2
    assert client.patch(f"{API}/quotas/{rule['id']}", json={"max_count": 1},
                        headers=auth("operator")).status_code == 422
    assert [r["id"] for r in client.get(f"{API}/quotas", headers=auth("supervisor_b")).json()] == [rule["id"]]
    assert client.get(f"{API}/quotas", headers=auth("admin")).status_code == 200
