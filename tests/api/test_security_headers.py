"""Every answer tells the browser what the pages never do (issue 16 item 6): no framing by other sites,
no inline or foreign scripts, no content-type guessing, no page addresses leaked to other sites."""

import pytest
from fastapi.testclient import TestClient


def test_pages_and_api_answers_carry_the_headers(client):
    for path in ("/login", "/healthz", "/api/v1/areas"):
        res = client.get(path)
        assert res.headers["x-content-type-options"] == "nosniff", path
        assert res.headers["referrer-policy"] == "same-origin", path
        assert res.headers["x-frame-options"] == "DENY", path
        policy = res.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], path


def test_the_api_docs_keep_working(client):
    # Swagger UI comes from a CDN with an inline script: only framing is refused there.
    res = client.get("/docs")
    assert res.status_code == 200 and res.headers["content-security-policy"] == "frame-ancestors 'none'"


@pytest.mark.parametrize(("base_url", "secure"), [("https://loa.laocai.gov.vn", True), (None, False)])
def test_the_session_cookie_is_secure_behind_tls(settings, engine, world, base_url, secure):
    from api.app import create_app

    settings.public_base_url = base_url
    app = create_app(settings, engine=engine, migrate=False, start_scheduler=False)
    with TestClient(app, base_url="https://testserver") as client:
        res = client.get("/login")  # the CSRF token starts the session
        cookies = [v for k, v in res.headers.multi_items() if k == "set-cookie" and v.startswith("loaxa_session")]
        assert cookies, res.headers
        assert ("secure" in cookies[0].lower()) is secure
