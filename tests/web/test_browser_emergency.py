"""An emergency in headless Chromium, as a new user would send one: the form's defaults (today only, an
end, the areas ticked by hand), the reach the approver sees before approving, and "Kết thúc ngay"."""

import re

import pytest

from tests.web.conftest import assert_no_horizontal_scroll, browser_login, browser_logout, shot

pytestmark = pytest.mark.browser

BODY = "Lũ quét có thể xảy ra trong đêm nay, bà con ven suối khẩn trương di chuyển đến nơi an toàn."


def test_emergency_reach_before_approval_and_end_now(page, live_server):
    browser_page, watch = page
    base, world = live_server.url, live_server.world
    commune = world.commune_a

    browser_login(browser_page, base, "operator_a")
    browser_page.goto(f"{base}/contents/new?level=emergency")
    assert browser_page.input_value("input[name=valid_until]") == ""
    browser_page.fill("input[name=title]", "Cảnh báo lũ quét")
    browser_page.fill("textarea[name=body]", BODY)
    browser_page.click("button[value=submit]")  # no area ticked: refused, said in Vietnamese
    browser_page.wait_for_selector("text=phải chọn rõ địa bàn")
    assert watch.console_errors == ["Failed to load resource: the server responded with a status of 422 "
                                    "(Unprocessable Entity)"]  # the refusal itself (the form comes back with 422)
    watch.console_errors.clear()
    browser_page.locator(f"input[name=area_ids][value='{commune.id}']").check()
    browser_page.click("button[value=submit]")
    browser_page.wait_for_url(re.compile(r".*/contents/\d+$"))
    content_id = int(browser_page.url.rsplit("/", 1)[1])
    assert "23:59" in browser_page.inner_text("#ends")
    browser_logout(browser_page)

    browser_login(browser_page, base, "approver_a")
    browser_page.goto(f"{base}/approvals")
    reach = browser_page.locator(f"#item-{content_id} [data-reach]")
    assert reach.is_visible()
    assert reach.locator("[data-communes]").inner_text() == "1"
    assert reach.locator("[data-clusters]").inner_text() == "2"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", reach.locator("[data-first]").inner_text())
    assert reach.locator("[data-ends]").inner_text().endswith("23:59")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "emergency-01-reach-before-approval")
    browser_page.locator(f"#item-{content_id} button.ok").click()
    browser_page.wait_for_selector("text=Đã duyệt tin")

    browser_page.goto(f"{base}/contents/{content_id}")
    end_button = browser_page.locator("#end-now button.danger")
    assert end_button.inner_text() == "Kết thúc ngay"
    browser_page.once("dialog", lambda dialog: dialog.accept())
    end_button.click()
    browser_page.wait_for_selector("#ended")
    assert "Tin khẩn cấp đã kết thúc lúc" in browser_page.inner_text("#ended")
    assert browser_page.locator("#end-now").count() == 0
    shot(browser_page, "emergency-02-ended")
    watch.assert_clean()
