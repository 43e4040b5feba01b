"""Every page in headless Chromium at 1366x768: loads, no console errors, nothing fetched from another
host, no horizontal scroll. Screenshots go to test-artifacts/web/."""

import pytest

from tests.web.conftest import assert_no_horizontal_scroll, browser_login, browser_logout, shot

pytestmark = pytest.mark.browser

ROLE_PAGES = {
    "operator": ["/", "/areas", "/areas/{cluster}", "/areas/{commune}", "/lexicon", "/campaigns",
                 "/campaigns/directives", "/campaigns/commemorations", "/contents", "/contents/new",
                 "/contents/import", "/quotas", "/slots", "/relays", "/playlists", "/playlists/{cluster}", "/airtime"],
    "approver": ["/", "/approvals", "/contents", "/quotas", "/campaigns/commemorations", "/playlists", "/airtime"],
    "supervisor": ["/", "/areas", "/campaigns", "/contents", "/quotas", "/slots", "/relays", "/playlists", "/airtime"],
    "admin": ["/users", "/users/{admin}", "/quotas"],
}


def _user_id(live_server, username: str) -> int:
    from sqlmodel import Session, select

    from core.db import saved_id
    from core.users import User

    with Session(live_server.engine) as session:
        return saved_id(session.exec(select(User).where(User.username == username)).one())


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_every_page_of_a_role_is_clean(page, live_server, username):
    browser_page, watch = page
    browser_login(browser_page, live_server.url, username)
    world = live_server.world
    ids = {"cluster": world.clusters_a[0].id, "commune": world.commune_a.id, "admin": _user_id(live_server, "admin")}
    for template in ROLE_PAGES[username]:
        path = template.format(**ids)
        response = browser_page.goto(live_server.url + path)
        assert response is not None and response.status == 200, f"{path}: {response.status if response else None}"
        assert browser_page.locator("html").get_attribute("lang") == "vi"
        assert_no_horizontal_scroll(browser_page)
        name = template.replace("/", "-").replace("{", "").replace("}", "")
        shot(browser_page, f"page-{username}{name if name != '-' else '-home'}")
    watch.assert_clean()


def test_english_switch(page, live_server):
    browser_page, watch = page
    browser_login(browser_page, live_server.url, "supervisor")
    browser_page.click("header button[name=lang][value=en]")
    browser_page.wait_for_selector("html[lang=en]")
    assert "Dashboard" in browser_page.inner_text("header nav")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "page-supervisor-english")
    browser_page.click("header button[name=lang][value=vi]")
    browser_page.wait_for_selector("html[lang=vi]")
    watch.assert_clean()


def test_quota_import_and_edit_pages_with_data(page, live_server, tmp_path):
    """The newer pages filled in: a quota rule made through the form and its compliance table, an import
    refused with one line per bad row, the area and user edit forms."""
    browser_page, watch = page
    url, world = live_server.url, live_server.world
    browser_login(browser_page, url, "operator")
    browser_page.goto(f"{url}/quotas")
    browser_page.fill("input[name=name]", "Mỗi xã 01 gương ĐHTT mỗi tháng")
    browser_page.fill("input[name=starts_on]", "01/01/2021")
    browser_page.fill("input[name=ends_on]", "31/12/2030")
    browser_page.click("form[action='/quotas'] button.primary")
    browser_page.wait_for_selector("text=Đã thêm chỉ tiêu")
    assert browser_page.locator("#compliance ~ section.card tr").count() >= 3  # header + the two communes
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "quotas-compliance")
    bad = tmp_path / "tin.csv"
    bad.write_text("tiêu đề,nội dung,mức độ,từ ngày,đến ngày\nTin A,Nội dung,rất gấp,01/06/2026,30/06/2026\n"
                   "Tin B,Nội dung,ưu tiên,31/06/2026,30/07/2026\n", encoding="utf-8")
    browser_page.goto(f"{url}/contents/import")
    browser_page.set_input_files("input[name=file]", str(bad))
    browser_page.click("form[action='/contents/import'] button.primary")
    browser_page.wait_for_selector("#import-errors li")
    assert browser_page.locator("#import-errors li").count() == 2
    # The refused form answers 422 on purpose (as every form with errors does); Chromium logs that.
    expected = [e for e in watch.console_errors if "status of 422" in e]
    assert len(expected) == 1
    watch.console_errors.remove(expected[0])
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "content-import-errors")
    browser_page.goto(f"{url}/areas/{world.commune_b.id}")
    browser_page.click("#area-edit summary")
    browser_page.click("#area-edit button.danger")  # Playwright dismisses the confirm dialog: nothing is sent
    assert browser_page.url.endswith(f"/areas/{world.commune_b.id}")
    assert browser_page.locator("h1").inner_text().startswith("Xã Gia Phú")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "area-edit")
    browser_logout(browser_page)
    browser_login(browser_page, url, "admin")
    browser_page.goto(f"{url}/users/{_user_id(live_server, 'operator_b')}")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "user-edit")
    watch.assert_clean()
