"""Editing users (admin) and renaming/deleting areas (operators in scope), with the services' messages."""

import re

from tests.factories import PASSWORD
from tests.web.conftest import csrf_of


def _api_login(client, username: str, password: str):
    """The API's own login, without the browser session (whose cookie would ask for a CSRF token)."""
    client.cookies.clear()
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _user_id(client, username: str) -> int:
    found = re.search(rf'href="/users/(\d+)">{re.escape(username)}<', client.get("/users").text)
    assert found is not None
    return int(found.group(1))


def test_admin_edits_a_user_resets_the_password_and_deactivates(client, world, web_login):
    csrf = web_login("admin")
    uid = _user_id(client, "operator_b")
    page = client.get(f"/users/{uid}")
    assert page.status_code == 200 and 'name="full_name"' in page.text
    saved = client.post(
        f"/users/{uid}",
        data={
            "full_name": "Lò Văn Bình",
            "role": "approver",
            "area_id": str(world.commune_b.id),
            "is_active": "true",
            "password": "mat-khau-moi-2",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 200 and "Đã lưu người dùng operator_b; đặt lại mật khẩu." in saved.text
    assert "Lò Văn Bình" in saved.text
    assert _api_login(client, "operator_b", PASSWORD).status_code == 403
    new = _api_login(client, "operator_b", "mat-khau-moi-2")
    assert new.status_code == 200
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {new.json()['access_token']}"}).json()
    assert me["role"] == "approver" and me["full_name"] == "Lò Văn Bình"
    csrf = web_login("admin")
    locked = client.post(
        f"/users/{uid}",
        data={"full_name": "Lò Văn Bình", "role": "approver", "area_id": str(world.commune_b.id), "csrf_token": csrf},
    )
    assert locked.status_code == 200 and "tài khoản đang bị khóa" in locked.text
    assert _api_login(client, "operator_b", "mat-khau-moi-2").status_code == 403


def test_user_form_errors_and_self_protection(client, world, web_login):
    csrf = web_login("admin")
    uid = _user_id(client, "approver_a")
    short = client.post(
        f"/users/{uid}",
        data={
            "role": "approver",
            "area_id": str(world.commune_a.id),
            "is_active": "true",
            "password": "123",
            "csrf_token": csrf,
        },
    )
    assert short.status_code == 422 and "Mật khẩu: không được để trống hoặc quá ngắn." in short.text
    device = client.post(
        f"/users/{uid}",
        data={"role": "device", "area_id": str(world.commune_a.id), "is_active": "true", "csrf_token": csrf},
    )
    assert device.status_code == 422 and "Vai trò &#39;device&#39; dành cho mã thiết bị" in device.text
    me = _user_id(client, "admin")
    page = client.get(f"/users/{me}").text
    assert 'name="role" disabled' in page
    demote = client.post(f"/users/{me}", data={"role": "operator", "csrf_token": csrf})
    assert demote.status_code == 422 and "Không thể tự khóa tài khoản hoặc bỏ quyền quản trị" in demote.text
    assert client.get("/users").status_code == 200  # still an admin


def test_user_pages_are_for_admins_only(client, world, web_login):
    web_login("admin")
    uid = _user_id(client, "operator_a")
    csrf = web_login("operator")
    assert client.get(f"/users/{uid}").status_code == 403
    refused = client.post(f"/users/{uid}", data={"role": "admin", "is_active": "true", "csrf_token": csrf})
    assert refused.status_code == 403
    assert client.get("/users/999999").status_code == 403
    web_login("admin")
    assert client.get("/users/999999").status_code == 404
    assert client.post(f"/users/{uid}", data={"role": "admin", "is_active": "true"}).status_code == 403  # no CSRF


def test_operator_renames_and_deletes_areas_in_scope(client, world, web_login):
    csrf = web_login("operator_a")
    cluster = world.clusters_a[1]
    page = client.get(f"/areas/{cluster.id}").text
    assert f'action="/areas/{cluster.id}/edit"' in page
    assert f'› <a href="/areas/{world.commune_a.id}">Phường Cam Đường</a></p>' in page  # the breadcrumb
    renamed = client.post(
        f"/areas/{cluster.id}/edit", data={"name": "Cụm loa thôn Hai", "code": "A2", "csrf_token": csrf}
    )
    assert renamed.status_code == 200 and "Đã lưu “Cụm loa thôn Hai”." in renamed.text
    empty = client.post(f"/areas/{cluster.id}/edit", data={"name": " ", "code": "A2", "csrf_token": csrf})
    assert empty.status_code == 422 and "Tên: không được để trống hoặc quá ngắn." in empty.text
    taken = client.post(
        f"/areas/{cluster.id}/edit", data={"name": "Cụm loa thôn Hai", "code": "A1", "csrf_token": csrf}
    )
    assert taken.status_code == 422 and "Mã địa bàn &#39;A1&#39; đã được dùng." in taken.text
    # A commune with clusters: the service's 409 message, and the commune is still there.
    web_login("operator")
    csrf = csrf_of(client.get("/areas").text)
    busy = client.post(f"/areas/{world.commune_a.id}/delete", data={"csrf_token": csrf})
    assert busy.status_code == 409 and "Không thể xóa địa bàn còn địa bàn cấp dưới." in busy.text
    csrf = web_login("operator_a")
    deleted = client.post(f"/areas/{cluster.id}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 200 and "Đã xóa “Cụm loa thôn Hai”." in deleted.text
    assert "Cụm loa thôn Hai" not in client.get("/areas").text


def test_area_in_use_and_own_root_and_roles(client, world, web_login):
    csrf = web_login("operator_a")
    cluster = world.clusters_a[0]
    client.post(f"/areas/{cluster.id}/tokens", data={"label": "Bộ thu", "csrf_token": csrf})
    used = client.post(f"/areas/{cluster.id}/delete", data={"csrf_token": csrf})
    assert used.status_code == 409 and "đang được dùng" in used.text
    assert "Cụm loa thôn 1" in client.get("/areas").text
    own = client.get(f"/areas/{world.commune_a.id}").text
    assert f'action="/areas/{world.commune_a.id}/edit"' not in own
    root = client.post(f"/areas/{world.commune_a.id}/delete", data={"csrf_token": csrf})
    assert root.status_code == 403 and "Không thể xóa địa bàn gốc của chính mình." in root.text
    outside = client.post(f"/areas/{world.clusters_b[0].id}/edit", data={"name": "X", "csrf_token": csrf})
    assert outside.status_code == 403
    csrf = web_login("supervisor")
    assert f"/areas/{cluster.id}/edit" not in client.get(f"/areas/{cluster.id}").text
    assert client.post(f"/areas/{cluster.id}/delete", data={"csrf_token": csrf}).status_code == 403
    web_login("operator_a")
    assert client.post(f"/areas/{world.clusters_a[1].id}/delete", data={}).status_code == 403  # no CSRF
