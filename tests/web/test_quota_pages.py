"""Quotas page: rules (list, create with the service's messages, delete), the compliance view (who has not
supplied its exemplar this month), the quota report downloads, roles and CSRF."""

import pytest

from tests.web.conftest import csrf_of
from tests.web.test_content_pages import _new_campaign, _new_content


def _rule(client, csrf, world, **extra):
    data = {
        "name": "Mỗi xã 01 gương ĐHTT mỗi tháng",
        "area_id": str(world.province.id),
        "unit_level": "commune",
        "kind": "exemplar",
        "min_count": "1",
        "period": "monthly",
        "starts_on": "01/01/2021",
        "ends_on": "31/12/2030",
        "csrf_token": csrf,
        **extra,
    }
    return client.post("/quotas", data=data)


@pytest.mark.parametrize(
    ("username", "status", "can_edit"),
    [
        ("operator_a", 200, True),
        ("approver", 200, False),
        ("supervisor_b", 200, False),
        ("admin", 200, True),
    ],
)
def test_quotas_page_by_role(client, web_login, username, status, can_edit):
    web_login(username)
    page = client.get("/quotas")
    assert page.status_code == status
    assert 'href="/quotas"' in page.text  # in the menu of every role that may read it
    assert ('method="post" action="/quotas"' in page.text) is can_edit


def test_compliance_shows_who_has_not_sent_its_exemplar(client, world, web_login):
    csrf = web_login("operator")
    created = _rule(client, csrf, world)
    assert created.status_code == 200 and "Đã thêm chỉ tiêu “Mỗi xã 01 gương ĐHTT mỗi tháng”." in created.text
    page = client.get("/quotas").text
    section = page.split('id="compliance"')[1].split("Các chỉ tiêu")[0]
    assert "Phường Cam Đường" in section and "Xã Gia Phú" in section
    assert section.count("Chưa gửi") == 2 and "Đạt 0/2" in section
    # Commune A's operator writes an exemplar and sends it: commune A is done for this month.
    csrf_a = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf_a, world)
    assert _new_content(client, csrf_a, campaign_id, action="submit", kind="exemplar").status_code == 303
    web_login("supervisor")
    page = client.get("/quotas").text
    section = page.split('id="compliance"')[1].split("Các chỉ tiêu")[0]
    assert "Đạt 1/2" in section and section.count("Chưa gửi") == 1
    rows = section.split("<tr>")
    assert "Xã Gia Phú" in rows[2] and "Chưa gửi" in rows[2]  # the unit behind comes first
    assert "Phường Cam Đường" in rows[3] and "badge approved" in rows[3]
    # Narrowed to commune B, and a month before the rule's period: nothing applies.
    only_b = client.get(f"/quotas?area_id={world.commune_b.id}").text.split('id="compliance"')[1]
    assert "Xã Gia Phú" in only_b.split("Các chỉ tiêu")[0] and "Phường Cam Đường" not in only_b.split("Các chỉ tiêu")[0]
    assert "Không có chỉ tiêu nào áp dụng vào ngày này." in client.get("/quotas?on=15/12/2020").text


def test_quota_exports_are_linked_and_download(client, world, web_login):
    csrf = web_login("operator")
    _rule(client, csrf, world)
    page = client.get("/quotas?on=15/03/2026").text
    for fmt, magic in (("csv", b""), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        href = f"/api/v1/reports/quotas?format={fmt}&amp;on=2026-03-15"
        assert href in page
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200, response.text
        assert response.content.startswith(magic) and "attachment" in response.headers["content-disposition"]
    csv_text = client.get("/api/v1/reports/quotas?format=csv&on=2026-03-15").content.decode("utf-8-sig")
    assert "Xã Gia Phú" in csv_text


def test_rule_form_errors_are_the_service_messages(client, world, web_login):
    csrf = web_login("operator_a")
    backwards = _rule(
        client,
        csrf,
        world,
        area_id=str(world.commune_a.id),
        unit_level="cluster",
        starts_on="31/12/2026",
        ends_on="01/01/2026",
    )
    assert backwards.status_code == 422
    assert "Ngày kết thúc (01/01/2026) trước ngày bắt đầu (31/12/2026)." in backwards.text
    assert 'value="Mỗi xã 01 gương ĐHTT mỗi tháng"' in backwards.text  # the form keeps what was typed
    outside = _rule(client, csrf, world, area_id=str(world.commune_b.id), unit_level="cluster")
    assert outside.status_code == 422 and "nằm ngoài phạm vi được giao" in outside.text
    too_high = _rule(client, csrf, world, area_id=str(world.commune_a.id), unit_level="district")
    assert too_high.status_code == 422 and "không thể nằm dưới Phường Cam Đường" in too_high.text
    no_count = _rule(client, csrf, world, area_id=str(world.commune_a.id), unit_level="cluster", min_count="0")
    assert no_count.status_code == 422 and "phải từ 1 trở lên" in no_count.text
    bad_range = _rule(
        client, csrf, world, area_id=str(world.commune_a.id), unit_level="cluster", min_count="3", max_count="2"
    )
    assert bad_range.status_code == 422 and "Số tối đa phải lớn hơn hoặc bằng số tối thiểu." in bad_range.text
    assert "Chưa có dữ liệu." in client.get("/quotas").text  # nothing half-stored


def test_delete_rule_roles_and_csrf(client, world, web_login):
    csrf = web_login("operator")
    page = _rule(client, csrf, world, name="Hạn chót 28/4", period="deadline", ends_on="28/04/2026")
    assert "Theo hạn chót" in page.text
    rule_id = page.text.split('action="/quotas/')[1].split("/delete")[0]
    assert client.post(f"/quotas/{rule_id}/delete", data={}).status_code == 403  # no CSRF token
    csrf_s = web_login("supervisor")
    refused = client.post(f"/quotas/{rule_id}/delete", data={"csrf_token": csrf_s})
    assert refused.status_code == 403 and "không được dùng trang này" in refused.text
    assert _rule(client, csrf_s, world).status_code == 403
    csrf_b = web_login("operator_b")  # the rule is the province's: commune B's operator does not own it
    assert client.post(f"/quotas/{rule_id}/delete", data={"csrf_token": csrf_b}).status_code == 403
    csrf = web_login("operator")
    deleted = client.post(f"/quotas/{rule_id}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 200 and "Đã xóa chỉ tiêu “Hạn chót 28/4”." in deleted.text
    assert client.post(f"/quotas/{rule_id}/delete", data={"csrf_token": csrf_of(deleted.text)}).status_code == 404
