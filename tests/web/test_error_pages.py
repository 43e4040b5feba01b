"""Errors in the users' words: a friendly page for a browser's 404/500, JSON for API clients, and no
pydantic English ("Value error, ...", "Field required") in the API's validation answers."""

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_unknown_address_in_a_browser_is_a_vietnamese_page(client, web_login):
    anonymous = client.get("/khong-co-trang-nay", headers=BROWSER)
    assert anonymous.status_code == 404 and anonymous.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in anonymous.text and "Not Found" not in anonymous.text
    assert 'href="/"' in anonymous.text
    web_login("operator_a")
    logged_in = client.get("/contents/999999/khong-co", headers=BROWSER)
    assert logged_in.status_code == 404 and "Không tìm thấy trang" in logged_in.text
    assert 'href="/contents"' in logged_in.text  # the menu is there for a logged-in user
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(client.get("/").text)})
    english = client.get("/khong-co-trang-nay", headers=BROWSER)
    assert english.status_code == 404 and "Page not found" in english.text and "was not found" in english.text


def test_api_clients_still_get_json(client):
    for headers in ({}, {"accept": "application/json"}, BROWSER):
        answer = client.get("/api/v1/khong-co", headers=headers)
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert answer.json() == {"detail": "Không tìm thấy trang hoặc dữ liệu này. Địa chỉ có thể đã gõ sai "
                                           "hoặc đã bị xóa."}
    assert client.get("/khong-co").json()["detail"].startswith("Không tìm thấy")  # no Accept: JSON too
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405 and "Not Allowed" not in wrong_method.text


@pytest.fixture
def faulty_client(app):
    async def fault():
        raise RuntimeError("a bug the test planted")

    app.router.add_api_route("/test-fault", fault)
    app.router.add_api_route("/api/v1/test-fault", fault)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_fault_is_a_friendly_500_page_and_json_for_the_api(faulty_client):
    page = faulty_client.get("/test-fault", headers=BROWSER)
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Máy chủ gặp lỗi" in page.text and "RuntimeError" not in page.text and "a bug" not in page.text
    api = faulty_client.get("/api/v1/test-fault", headers=BROWSER)
    assert api.status_code == 500 and api.json()["detail"].startswith("Máy chủ gặp lỗi ngoài dự kiến")


def test_api_validation_errors_are_vietnamese_with_the_same_shape(client, auth):
    # A validator's own ValueError (a campaign ending before it starts) and pydantic's stock errors.
    bad = client.post("/api/v1/campaigns", headers=auth("operator_a"),
                      json={"name": "X", "starts_on": "2026-12-31", "ends_on": "2026-01-01", "area_ids": [1]})
    assert bad.status_code == 422
    body = bad.json()
    assert set(body) == {"detail", "message"}
    assert all(set(err) == {"loc", "msg", "type"} for err in body["detail"])
    assert "Value error" not in bad.text and body["message"].startswith("Dữ liệu không hợp lệ: ")
    assert "trước ngày bắt đầu" in body["message"]
    stock = client.post("/api/v1/campaigns", headers=auth("operator_a"), json={"starts_on": "không phải ngày"})
    assert stock.status_code == 422
    assert "Field required" not in stock.text and "Input should" not in stock.text
    messages = [err["msg"] for err in stock.json()["detail"]]
    assert "Tên: chưa nhập." in messages and any("phải là ngày hợp lệ" in m for m in messages)


def test_a_broken_form_body_is_explained_in_vietnamese(client):
    broken = client.post("/api/v1/auth/token", content=b"--x\r\nContent-Disposition: form-data\r\n\r\nabc",
                         headers={"content-type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400
    assert broken.json() == {"detail": "Không đọc được dữ liệu gửi lên: biểu mẫu, tệp hoặc JSON bị hỏng hay sai "
                                       "định dạng."}
