"""An operator's day in headless Chromium, where the behaviour is the page's own: the content box's limit
and live count (nothing typed is lost or cut), the build progress that follows the task to its result, the
searchable area picker, and long titles that wrap by word."""

import re
from datetime import timedelta

import pytest

from campaigns.models import MAX_BODY_CHARS
from core.timeutil import local_today
from tests.web.conftest import browser_login, shot, wait_until_true

pytestmark = pytest.mark.browser

SENTENCE = "Ủy ban nhân dân xã thông báo lịch tiêm phòng cho đàn gia súc, gia cầm. "


def test_content_over_the_limit_is_refused_and_nothing_typed_is_lost(page, live_server):
    browser_page, watch = page
    base = live_server.url
    browser_login(browser_page, base, "operator_a")
    browser_page.goto(f"{base}/contents/new")
    assert "tối đa 10.000 ký tự" in browser_page.inner_text("main form.card")
    long_text = (SENTENCE * (MAX_BODY_CHARS // len(SENTENCE) + 30)).strip()  # about 12,000 characters
    assert len(long_text) > MAX_BODY_CHARS + 1000
    browser_page.fill("input[name=title]", "Lịch tiêm phòng gia súc")
    browser_page.fill("textarea[name=body]", long_text)
    # Nothing was cut: the box holds every character pasted, and the count says it is over.
    assert browser_page.eval_on_selector("textarea[name=body]", "b => b.value.length") == len(long_text)
    count = browser_page.locator("#body-count")
    assert count.inner_text() == f"{len(long_text):,}".replace(",", ".") + " / 10.000 ký tự"
    assert "over" in (count.get_attribute("class") or "")
    message = browser_page.eval_on_selector("textarea[name=body]", "b => b.validationMessage")
    assert message.startswith("Nội dung quá dài: tối đa 10.000 ký tự")
    wait_until_true(browser_page, "document.querySelector('#spoken').textContent.includes('vượt giới hạn 10.000')")
    browser_page.click("button[value=save]")
    browser_page.wait_for_timeout(500)
    assert browser_page.url.endswith("/contents/new")  # the browser refused to send it
    assert browser_page.eval_on_selector("textarea[name=body]", "b => b.value") == long_text
    shot(browser_page, "day-content-over-limit")

    # Cut to the limit: the count turns normal and the form is sent.
    fitting = long_text[:MAX_BODY_CHARS].strip()
    browser_page.fill("textarea[name=body]", fitting)
    assert "over" not in (count.get_attribute("class") or "")
    assert browser_page.eval_on_selector("textarea[name=body]", "b => b.validationMessage") == ""
    browser_page.click("button[value=save]")
    browser_page.wait_for_url(re.compile(r".*/contents/\d+$"))
    assert browser_page.eval_on_selector("textarea[name=body]", "b => b.value") == fitting
    watch.assert_clean()


def test_build_progress_follows_the_task_to_its_result(page, live_server):
    browser_page, watch = page
    base = live_server.url
    browser_login(browser_page, base, "operator_a")
    commune = live_server.world.commune_a
    day = local_today(live_server.settings.tz) + timedelta(days=2)
    browser_page.goto(f"{base}/playlists?area_id={commune.id}&day={day:%d/%m/%Y}")
    assert "2 chưa có danh sách phát" in browser_page.inner_text("main")
    browser_page.click("#build-button")
    browser_page.wait_for_url(re.compile(r".*/playlists\?day=.*&task=\d+$"))
    # The box follows the task, then the page reloads on its own to show the result and the new playlists.
    browser_page.wait_for_selector("#build-progress [data-status=done]", timeout=90_000)
    wait_until_true(browser_page, "document.querySelector('main').innerText.includes('0 chưa có danh sách phát')",
                    timeout_s=30)
    box = browser_page.inner_text("#build-progress")
    assert "Hoàn thành" in box and "Đã lập 2 danh sách phát: 2 phiên bản mới đã phát hành" in box
    assert "Đang chờ" not in box
    shot(browser_page, "day-build-done")
    watch.assert_clean()
