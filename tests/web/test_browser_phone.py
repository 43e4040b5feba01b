"""Every main page at a phone's 390x844 and a laptop's 1366x768, with the demo's realistic data (a province,
campaigns, contents with audio, a week of playlists and airtime, devices): nothing is wider than the screen
except inside its own scroll box, the header stays short on a phone, its menu folds, charts fill the width.
Screenshots go to pytest's tmp_path (never the repository)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import LiveServer, browser_login, live_settings, serving, wait_until_true

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# Each demo role's day: the operator (province and commune), the approver, the supervisor, the admin.
ROLE_PAGES = {
    "bientap": ["/", "/areas", "/areas/{commune}", "/areas/{cluster}", "/campaigns", "/campaigns/{campaign}",
                "/campaigns/directives", "/campaigns/commemorations", "/contents", "/contents/new",
                "/contents/{content}", "/contents/import", "/quotas", "/slots", "/slots/{slot}/edit", "/relays",
                "/playlists", "/playlists/{cluster}", "/airtime", "/fleet", "/lexicon", "/khong-co-trang-nay"],
    "xa.bientap": ["/", "/contents", "/slots", "/playlists/{cluster}", "/airtime", "/fleet"],
    "pheduyet": ["/", "/approvals", "/contents/{content}", "/contents/{submitted}", "/airtime"],
    "xa.pheduyet": ["/", "/approvals", "/contents/{submitted}"],
    "giamsat": ["/", "/airtime", "/playlists", "/fleet"],
    "admin": ["/users", "/users/{user}", "/areas"],
}

# Anything drawn past the viewport's sides that is not inside a box scrolling (or clipping) on its own.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const inScrollBox = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if ((box.right > width + 0.5 || box.left < -0.5) && !inScrollBox(el)) {
      out.push(name(el) + " [" + Math.round(box.left) + ", " + Math.round(box.right) + "] " +
               (el.textContent || "").trim().slice(0, 40));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, offenders: out.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[tuple[LiveServer, dict[str, int | None]]]:
    from sqlmodel import Session, col, select

    from api.demo import load_demo
    from campaigns.models import Campaign, Content
    from core.areas import Area, AreaLevel
    from core.db import create_all, make_engine
    from core.demo import DEMO_COMMUNE_CODES
    from core.users import User
    from playlists.models import SlotTemplateRow

    settings = live_settings(tmp_path_factory.mktemp("web-phone"))
    engine = make_engine(settings.sqlalchemy_url)
    create_all(engine)
    load_demo(settings, engine, echo=lambda _line: None)
    with Session(engine) as session:
        commune = session.exec(select(Area).where(Area.code == DEMO_COMMUNE_CODES[0],
                                                  Area.level == AreaLevel.commune)).one()
        cluster = session.exec(select(Area).where(Area.parent_id == commune.id).order_by(col(Area.id))).first()
        content = session.exec(select(Content).order_by(col(Content.id))).first()
        ids = {"commune": commune.id, "cluster": cluster.id if cluster else 0,
               "campaign": session.exec(select(Campaign.id)).first(),
               "content": content.id if content else 0,
               "slot": session.exec(select(SlotTemplateRow.id)).first(),
               "user": session.exec(select(User.id).where(User.username == "xa.bientap")).one()}
    assert all(ids.values()), ids
    with serving(settings, engine, None) as server:
        ids["submitted"] = _submit_through_the_api(server.url, ids["commune"], settings.tz)
        yield server, ids
    engine.dispose()


def _submit_through_the_api(url: str, commune_id: int | None, tz) -> int:
    """A long-titled item waiting for approval (the demo's are all approved): the approval queue with data."""
    from datetime import timedelta

    import httpx

    from core.demo import DEMO_PASSWORD
    from core.timeutil import local_today

    today = local_today(tz)
    token = httpx.post(f"{url}/api/v1/auth/token", data={"username": "xa.bientap", "password": DEMO_PASSWORD})
    headers = {"authorization": f"Bearer {token.json()['access_token']}"}
    created = httpx.post(f"{url}/api/v1/contents", headers=headers, json={
        "title": "Thông báo lịch tiêm chủng mở rộng và khám sức khỏe định kỳ cho người cao tuổi trên địa bàn phường",
        "body": "Trạm Y tế phường thông báo lịch tiêm chủng mở rộng tháng này. Đề nghị các hộ gia đình đưa trẻ "
                "đến đúng giờ, mang theo sổ tiêm chủng. " * 6,
        "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=10)).isoformat(),
        "area_ids": [commune_id]})
    assert created.status_code == 201, created.text
    content_id = created.json()["id"]
    submitted = httpx.post(f"{url}/api/v1/contents/{content_id}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    return content_id


def _check(page, url: str, path: str, viewport: dict, shots: Path, label: str) -> list[str]:
    response = page.goto(url + path)
    assert response is not None
    expected = 404 if "khong-co" in path else 200
    assert response.status == expected, f"{path}: {response.status}"
    for image in page.locator("img.chart").all():
        image.scroll_into_view_if_needed()  # lazy charts load when they come into view
    wait_until_true(page, "Array.from(document.images).every(i => i.complete)", 30)
    page.screenshot(path=str(shots / f"{label}.png"), full_page=True)
    found = page.evaluate(OVERFLOW_JS)
    problems = []
    if found["scroll"] > found["width"] or found["offenders"]:
        problems.append(f"{path} at {viewport['width']}px: page {found['scroll']}px wide for {found['width']}px; "
                        f"{found['offenders']}")
    if viewport is PHONE and path != "/login":
        header = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
        if header > 110:
            problems.append(f"{path}: the header takes {header:.0f}px of a phone's 844")
        for chart in page.locator("img.chart").all():
            chart_width = chart.evaluate("el => el.getBoundingClientRect().width")
            if chart_width < viewport["width"] * 0.8:
                problems.append(f"{path}: a chart is a {chart_width:.0f}px thumbnail")
    return problems


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1366x768"])
@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_every_page_fits_the_screen(browser, demo_server, tmp_path, username, viewport):
    from core.demo import DEMO_PASSWORD

    server, ids = demo_server
    context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        problems = _check(page, server.url, "/login", viewport, tmp_path, f"login-{viewport['width']}")
        browser_login(page, server.url, username, DEMO_PASSWORD)
        for template in ROLE_PAGES[username]:
            path = template.format(**ids)
            label = f"{username}{template}".replace("/", "-").replace("{", "").replace("}", "")
            problems += _check(page, server.url, path, viewport, tmp_path, f"{label}-{viewport['width']}")
        assert not problems, "\n".join(problems)
        assert not errors, errors
    finally:
        context.close()


def test_the_menu_folds_on_a_phone_and_opens_without_javascript(browser, demo_server, tmp_path):
    from core.demo import DEMO_PASSWORD

    server, _ids = demo_server
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        browser_login(page, server.url, "bientap", DEMO_PASSWORD)
        menu = page.locator("header details.menu")
        link = page.locator("header nav a[href='/airtime']")
        assert menu.count() == 1 and not link.is_visible()  # folded: the page starts right under the header
        page.locator("header details.menu > summary").click()
        assert link.is_visible()
        page.screenshot(path=str(tmp_path / "menu-open-390.png"))
        assert page.evaluate(OVERFLOW_JS)["offenders"] == []
        link.click()
        page.wait_for_url("**/airtime")
    finally:
        context.close()
    wide = browser.new_context(viewport=LAPTOP, locale="vi-VN")
    page = wide.new_page()
    try:
        browser_login(page, server.url, "bientap", DEMO_PASSWORD)
        assert page.locator("header nav a[href='/airtime']").is_visible()  # a laptop shows the menu open
        assert not page.locator("header details.menu > summary").is_visible()
    finally:
        wide.close()


def _demo_page(browser, demo_server, username: str, viewport: dict = LAPTOP):
    from core.demo import DEMO_PASSWORD

    server, ids = demo_server
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_login(page, server.url, username, DEMO_PASSWORD)
    return context, page, server, ids


def test_empty_required_fields_are_explained_in_the_pages_language(browser, demo_server):
    """An English-speaking browser would say "Please fill out this field."; the page says it in Vietnamese,
    or in English after the switch."""
    context, page, server, _ids = _demo_page(browser, demo_server, "bientap")
    try:
        page.goto(f"{server.url}/contents/new")
        page.locator("form button.primary").first.click()  # submit the empty form: the browser stops it
        title = page.locator("input[name=title]")
        assert title.evaluate("el => el.validationMessage") == "Vui lòng nhập mục này."
        assert "/contents/new" in page.url
        title.fill("Tin thử")
        assert title.evaluate("el => el.validationMessage") == ""  # typing clears the message
        page.goto(f"{server.url}/slots")
        start = page.locator("input[name=start_time]").first
        start.fill("5 giờ")
        assert start.evaluate("el => el.reportValidity() || el.validationMessage") == "Vui lòng nhập theo dạng HH:MM."
        page.click("header button[name=lang][value=en]")
        page.wait_for_selector("html[lang=en]")
        page.goto(f"{server.url}/contents/new")
        assert page.locator("input[name=title]").evaluate(
            "el => el.reportValidity() || el.validationMessage") == "Please fill in this field."
    finally:
        context.close()


def test_the_speaker_icon_is_drawn_not_a_missing_glyph(browser, demo_server):
    context, page, server, _ids = _demo_page(browser, demo_server, "bientap", PHONE)
    try:
        page.goto(f"{server.url}/contents")
        assert "🔊" not in page.content()
        speaker = page.locator("svg.icon-speaker").first
        box = speaker.bounding_box()
        assert box is not None and box["width"] >= 14 and box["height"] >= 14
        assert speaker.get_attribute("aria-label") == "Đã có âm thanh"
        # The SVG really paints: its path has a fill, not an empty box.
        assert speaker.locator("path").first.evaluate("el => el.getTotalLength()") > 10
    finally:
        context.close()


def test_english_pages_fit_a_phone_too(browser, demo_server, tmp_path):
    """English words are longer: the switched pages must still fit 390 px."""
    context, page, server, ids = _demo_page(browser, demo_server, "bientap", PHONE)
    try:
        page.click("header button[name=lang][value=en]")
        page.wait_for_selector("html[lang=en]")
        problems = []
        for template in ("/", "/contents", "/contents/{content}", "/airtime", "/playlists/{cluster}", "/fleet",
                         "/slots", "/khong-co-trang-nay"):
            path = template.format(**ids)
            label = "en" + template.replace("/", "-").replace("{", "").replace("}", "")
            problems += _check(page, server.url, path, PHONE, tmp_path, label)
        assert not problems, "\n".join(problems)
        assert page.locator("header details.menu > summary").inner_text().strip() == "Menu"
    finally:
        context.close()
