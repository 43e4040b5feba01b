"""Logging in and out through the pages, the CSRF guard, the language switch."""

import base64
import json

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.web import SESSION_COOKIE
from core.security import token_hash
from core.users import TOKEN_WEB, AccessToken
from tests.factories import PASSWORD
from tests.web.conftest import csrf_of


def test_login_page_is_vietnamese_and_pages_need_a_login(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đăng nhập" in response.text
    redirected = client.get("/areas?q=thôn", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/login?next=/areas")


def test_wrong_password_shows_the_api_message(client, world):
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "operator_a", "password": "wrong-one", "csrf_token": token})
    assert response.status_code == 403
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
    assert 'value="operator_a"' in response.text  # the name is kept, the password is not


def test_login_sets_a_session_the_api_also_accepts_and_logout_revokes_it(client, world):
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "operator_a", "password": PASSWORD, "csrf_token": token,
                                           "next": "/areas"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/areas"
    assert client.get("/api/v1/users/me").json()["username"] == "operator_a"
    page = client.get("/areas")
    assert page.status_code == 200 and "operator_a" in page.text
    # The CSRF token changed at login (no fixation of a token set before).
    new_csrf = csrf_of(page.text)
    assert new_csrf != token
    out = client.post("/logout", data={"csrf_token": new_csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def _cookie_payload(client) -> dict:
    # Starlette's session cookie: base64(JSON).timestamp.signature, signed but readable by whoever holds it.
    raw = client.cookies.get(SESSION_COOKIE)
    return json.loads(base64.b64decode(raw.split(".")[0] + "=="))


def test_the_cookie_holds_a_session_id_that_is_no_bearer_token(client, world, engine):
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "operator_a", "password": PASSWORD, "csrf_token": token})
    payload = _cookie_payload(client)
    assert set(payload) >= {"sid", "csrf"} and "token" not in payload
    sid = payload["sid"]
    # A stolen cookie's id replayed as a bearer token (no cookie, so no CSRF check) is refused.
    stranger = TestClient(client.app)
    stolen = stranger.get("/api/v1/users/me", headers={"Authorization": f"Bearer {sid}"})
    assert stolen.status_code == 401 and "không hợp lệ" in stolen.json()["detail"]
    # ... and an API bearer token pasted into a cookie is no browser session either.
    api_token = stranger.post("/api/v1/auth/token", data={"username": "operator_a", "password": PASSWORD}).json()
    assert stranger.get("/api/v1/users/me", headers={"Authorization": f"Bearer {api_token['access_token']}"}
                        ).status_code == 200
    with Session(engine) as session:
        kinds = {row.kind for row in session.exec(select(AccessToken)
                                                  .where(AccessToken.token_hash == token_hash(sid)))}
    assert kinds == {TOKEN_WEB}


def test_login_never_redirects_to_another_host(client, world):
    token = csrf_of(client.get("/login").text)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"username": "operator_a", "password": PASSWORD, "csrf_token": token,
                                               "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/", target
        token = csrf_of(client.get("/areas").text)


def test_forms_without_the_csrf_token_are_refused(client, world, web_login):
    csrf = web_login("operator_a")
    before = client.get("/areas").text.count("Cụm loa mới")
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post("/areas", data={"name": "Cụm loa mới", "level": "cluster",
                                               "parent_id": str(world.commune_a.id), **data})
        assert response.status_code == 403
        assert "tải lại trang" in response.text
    assert client.get("/areas").text.count("Cụm loa mới") == before
    # The header form (what htmx sends) is accepted.
    ok = client.post("/areas", data={"name": "Cụm loa mới", "level": "cluster", "parent_id": str(world.commune_a.id)},
                     headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert ok.status_code == 303


def test_login_form_itself_needs_the_csrf_token(client, world):
    client.get("/login")
    response = client.post("/login", data={"username": "operator_a", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/users/me").status_code == 401


def test_english_switch_is_kept_in_the_session(client, world, web_login):
    csrf = web_login("supervisor")
    response = client.post("/lang", data={"lang": "en", "next": "/areas", "csrf_token": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/areas"
    page = client.get("/areas").text
    assert '<html lang="en">' in page and "Areas and clusters" in page and "Log out" in page
    client.post("/lang", data={"lang": "vi", "next": "/", "csrf_token": csrf})
    assert "Địa bàn và cụm loa" in client.get("/areas").text
