"""Areas and clusters pages: who sees them, creating, CSV import, device tokens, and the users page."""

import re

import pytest

from tests.web.conftest import csrf_of


@pytest.mark.parametrize(("username", "path", "status"), [
    ("operator_a", "/areas", 200), ("supervisor", "/areas", 200), ("approver", "/areas", 403),
    ("admin", "/users", 200), ("operator", "/users", 403), ("supervisor", "/users", 403),
    ("operator", "/lexicon", 200), ("approver_a", "/", 200), ("supervisor_b", "/", 200),
])
def test_pages_answer_by_role(client, web_login, username, path, status):
    web_login(username)
    response = client.get(path)
    assert response.status_code == status
    if status == 403:
        assert "không được dùng trang này" in response.text


def test_operator_sees_only_its_subtree(client, world, web_login):
    web_login("operator_a")
    page = client.get("/areas").text
    assert "Phường Cam Đường" in page and "Cụm loa thôn 1" in page
    assert "Xã Gia Phú" not in page and "Tỉnh Khánh Hòa" not in page
    assert client.get(f"/areas/{world.commune_b.id}").status_code == 403


def test_create_area_redirects_and_errors_are_the_api_messages(client, world, web_login):
    csrf = web_login("operator_a")
    created = client.post("/areas", data={"name": "Cụm loa thôn 9", "level": "cluster", "code": "A9",
                                          "parent_id": str(world.commune_a.id), "csrf_token": csrf})
    assert created.status_code == 200 and "Đã tạo cụm loa “Cụm loa thôn 9”" in created.text
    wrong_parent = client.post("/areas", data={"name": "Cụm X", "level": "cluster", "parent_id": str(world.province.id),
                                               "csrf_token": csrf})
    assert wrong_parent.status_code == 422
    assert "Cụm loa không thể nằm dưới Tỉnh/Thành phố; cấp trên phải là Xã/Phường." in wrong_parent.text
    empty = client.post("/areas", data={"name": "  ", "level": "cluster", "parent_id": str(world.commune_a.id),
                                        "csrf_token": csrf})
    assert empty.status_code == 422
    assert "Tên: không được để trống" in empty.text
    duplicate = client.post("/areas", data={"name": "Khác", "level": "cluster", "code": "A9",
                                            "parent_id": str(world.commune_a.id), "csrf_token": csrf})
    assert duplicate.status_code == 422 and "Mã địa bàn &#39;A9&#39; đã được dùng." in duplicate.text


def test_supervisor_cannot_create(client, world, web_login):
    csrf = web_login("supervisor")
    response = client.post("/areas", data={"name": "X", "level": "cluster", "parent_id": str(world.commune_a.id),
                                           "csrf_token": csrf})
    assert response.status_code == 403
    assert 'action="/areas/import"' not in client.get("/areas").text


def test_csv_import_all_or_nothing(client, world, web_login):
    csrf = web_login("operator")
    good = "commune_code,cluster_name,cluster_code\n02671,Cụm loa tổ 7,T7\n02923,Cụm loa bản 5,\n"
    response = client.post("/areas/import", data={"csrf_token": csrf},
                           files={"file": ("cum.csv", good.encode(), "text/csv")})
    assert response.status_code == 200 and "Đã nhập 2 cụm loa mới; 0 cụm loa đã có." in response.text
    bad = "02671,Cụm loa tổ 8\n99999,Cụm loa ma\n"
    response = client.post("/areas/import", data={"csrf_token": csrf},
                           files={"file": ("cum.csv", bad.encode(), "text/csv")})
    assert response.status_code == 422
    assert "Dòng 2: không có xã/phường mã &#39;99999&#39;." in response.text
    assert "Cụm loa tổ 8" not in client.get("/areas").text
    latin1 = client.post("/areas/import", data={"csrf_token": csrf},
                         files={"file": ("cum.csv", "02671,Cụm".encode("utf-16"), "text/csv")})
    assert latin1.status_code == 422 and "UTF-8" in latin1.text


def test_device_token_shown_once_then_revoked(client, world, web_login):
    csrf = web_login("operator_a")
    cluster = world.clusters_a[0]
    issued = client.post(f"/areas/{cluster.id}/tokens", data={"label": "Bộ thu thôn 1", "csrf_token": csrf})
    assert issued.status_code == 200
    token = re.search(r'id="new-token">([^<]+)<', issued.text).group(1)
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page = client.get(f"/areas/{cluster.id}").text
    assert token not in page and "Bộ thu thôn 1" in page
    token_id = re.search(rf'/areas/{cluster.id}/tokens/(\d+)/revoke', page).group(1)
    revoked = client.post(f"/areas/{cluster.id}/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 200 and "Đã thu hồi mã thiết bị." in revoked.text
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_device_tokens_only_for_clusters(client, world, web_login):
    csrf = web_login("operator_a")
    response = client.post(f"/areas/{world.commune_a.id}/tokens", data={"csrf_token": csrf})
    assert response.status_code == 422 and "Mã thiết bị chỉ cấp cho cụm loa." in response.text


def test_admin_creates_a_user_with_clear_errors(client, world, web_login):
    csrf = web_login("admin")
    short = client.post("/users", data={"username": "bt.xa", "password": "123", "role": "operator",
                                        "area_id": str(world.commune_a.id), "csrf_token": csrf})
    assert short.status_code == 422 and "Mật khẩu: không được để trống hoặc quá ngắn." in short.text
    ok = client.post("/users", data={"username": "bt.xa", "password": "mat-khau-dai", "role": "operator",
                                     "full_name": "Nguyễn Văn A", "area_id": str(world.commune_a.id),
                                     "csrf_token": csrf})
    assert ok.status_code == 200 and "Đã tạo người dùng bt.xa." in ok.text
    again = client.post("/users", data={"username": "bt.xa", "password": "mat-khau-dai", "role": "operator",
                                        "csrf_token": csrf_of(ok.text)})
    assert again.status_code == 422 and "đã tồn tại" in again.text
