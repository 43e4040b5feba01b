"""Fixtures for the web pages: TestClient helpers that log in through the form, and for the browser
tests a real uvicorn server on 127.0.0.1 (SQLite in a temp dir, thread tasks) driven by headless
Chromium from the system (never a downloaded browser)."""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import PASSWORD
from tests.playlists.conftest import store, stream_server  # noqa: F401  (streams on loopback for the relay pages)
from tests.ports import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
def web_login(client, world):
    """web_login("operator_a") logs the TestClient in through the login form; returns the CSRF token."""

    def login(username: str) -> str:
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return csrf_of(client.get("/").text)

    return login


# --- a real server for the browser --------------------------------------------------------------



@dataclass
class LiveServer:
    url: str
    engine: object
    settings: object
    world: object


@contextmanager
def serving(settings, engine, world) -> Iterator[LiveServer]:
    """The app on a free loopback port in a uvicorn thread, for as long as the block runs."""
    import uvicorn

    from api.app import create_app

    app = create_app(settings, engine=engine, migrate=False, start_scheduler=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine, settings, world)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def live_settings(data_dir: Path):
    from core.config import Settings

    return Settings(data_dir=data_dir, secret_key="browser-test-secret-0123456789", scheduler_enabled=False,
                    task_backend="thread", task_workers=2)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    from core.db import create_all, make_engine
    from tests.factories import build_world

    settings = live_settings(tmp_path_factory.mktemp("web-live"))
    engine = make_engine(settings.sqlalchemy_url)
    create_all(engine)
    world = build_world(engine)
    with serving(settings, engine, world) as server:
        yield server
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that it must not: console errors, uncaught exceptions, requests off-host."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.foreign_requests, f"requests to other hosts: {self.foreign_requests}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@pytest.fixture
def page(browser, live_server) -> Iterator[tuple[object, Watch]]:
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  accept_downloads=True)
    watch = Watch()

    def guard(route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            watch.foreign_requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    browser_page = context.new_page()
    browser_page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
    browser_page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    browser_page.set_default_timeout(15_000)
    yield browser_page, watch
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until_true(page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll a JavaScript expression from the test's side. (Playwright's wait_for_function polls with
    eval inside the page, which the pages' Content-Security-Policy rightly forbids.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        time.sleep(0.1)


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls horizontally by {overflow}px at 1366x768"


def browser_login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/(\?.*)?$|.*/(?!login).*"))
    assert "/login" not in page.url, "login failed"


def browser_add_slot(page, base_url: str, area_id: int, name: str, start_time: str, minutes: int) -> None:
    """Add a daily slot to an area through the slots page's form, as an operator does."""
    page.goto(f"{base_url}/slots?area_id={area_id}")
    page.fill("input[name=name]", name)
    page.fill("input[name=start_time]", start_time)
    page.fill("input[name=duration_minutes]", str(minutes))
    page.click("form[action='/slots'] button.primary")
    page.wait_for_selector("text=Đã thêm khung giờ")


def browser_logout(page) -> None:
    page.click("header form[action='/logout'] button")
    page.wait_for_url(re.compile(r".*/login.*"))


PageCheck = Callable[[object], None]
