"""An operator's day in headless Chromium, where the behaviour is the page's own: the content box's limit
and live count (nothing typed is lost or cut), the build progress that follows the task to its result, the
searchable area picker, and long titles that wrap by word."""

import re
from datetime import timedelta

import pytest

from campaigns.models import MAX_BODY_CHARS
from core.timeutil import local_today
from tests.web.conftest import browser_login, browser_logout, shot, wait_until_true

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


COMMUNES = ["Xã Yên Bình", "Xã Đông Hà", "Xã Ân Thi", "Xã Bắc Hà", "Xã An Bình", "Xã Dền Sáng", "Xã Ăn Cư",
            "Xã Ơn Tài", "Xã Ô Quy Hồ", "Xã Bản Hồ", "Xã Đa Phúc"]


def _add_communes(live_server) -> dict[str, int]:
    from sqlmodel import Session, select

    from core.areas import Area, AreaLevel
    from core.db import saved_id, session_scope
    from tests.factories import area

    with Session(live_server.engine) as s:
        if s.exec(select(Area).where(Area.name == COMMUNES[0])).first() is None:
            with session_scope(live_server.engine) as w:
                province = w.get(Area, live_server.world.province.id)
                for name in COMMUNES:
                    area(w, name, AreaLevel.commune, province)
        return {a.name: saved_id(a) for a in s.exec(select(Area).where(Area.level == AreaLevel.commune))}


def test_area_pickers_sort_in_vietnamese_and_find_without_tones(page, live_server):
    browser_page, watch = page
    base = live_server.url
    ids = _add_communes(live_server)
    browser_login(browser_page, base, "supervisor")
    browser_page.goto(f"{base}/airtime")
    options = browser_page.eval_on_selector_all("select[name=area_id] option",
                                                "os => os.map(o => o.textContent.trim())")
    mine = [o for o in options if o.startswith("Xã ")]
    assert mine == ["Xã An Bình", "Xã Ăn Cư", "Xã Ân Thi", "Xã Bản Hồ", "Xã Bắc Hà", "Xã Dền Sáng", "Xã Đa Phúc",
                    "Xã Đông Hà", "Xã Gia Phú", "Xã Ô Quy Hồ", "Xã Ơn Tài", "Xã Yên Bình"]
    search = browser_page.locator("form.filters input.picker-filter")
    assert search.get_attribute("aria-controls") == browser_page.get_attribute("select[name=area_id]", "id")
    search.fill("dong ha")
    shown = browser_page.eval_on_selector_all(
        "select[name=area_id] option", "os => os.filter(o => !o.hidden && o.value).map(o => o.textContent.trim())")
    assert shown == ["Xã Đông Hà"]
    assert browser_page.input_value("select[name=area_id]") == str(ids["Xã Đông Hà"])
    search.press("Enter")  # filtering never sends the form
    assert "area_id=" not in browser_page.url
    browser_page.click("form.filters button")
    browser_page.wait_for_url(re.compile(rf".*area_id={ids['Xã Đông Hà']}.*"))
    assert "Xã Đông Hà" in browser_page.inner_text("h1")
    shot(browser_page, "day-area-picker")

    # The checklist of a campaign's areas has its search box too.
    browser_logout(browser_page)
    browser_login(browser_page, base, "operator")
    browser_page.goto(f"{base}/campaigns")
    box = browser_page.locator("form .checklist").first
    filter_box = browser_page.locator("input.picker-filter[aria-controls]").last
    filter_box.fill("ha")
    visible = box.locator("label.check:visible")
    texts = [t.strip() for t in visible.all_inner_texts()]
    assert sorted(texts) == ["Xã Bắc Hà", "Xã Đông Hà"]  # "ha" finds Hà, without its tone
    watch.assert_clean()


def test_long_names_wrap_by_word_and_slot_labels_are_whole(page, live_server):
    browser_page, watch = page
    base = live_server.url
    browser_login(browser_page, base, "operator_a")
    long_name = "Bản tin phòng chống cháy rừng và thiên tai của thôn"
    browser_page.goto(f"{base}/slots?area_id={live_server.world.commune_a.id}")
    browser_page.fill("form[action='/slots'] input[name=name]", long_name)
    browser_page.fill("form[action='/slots'] input[name=start_time]", "05:00")
    browser_page.fill("form[action='/slots'] input[name=duration_minutes]", "15")
    browser_page.click("form[action='/slots'] button.primary")
    browser_page.wait_for_selector("text=Đã thêm khung giờ")
    block = browser_page.locator(".week .slot", has_text="Bản tin phòng").first
    whole = "b => b.scrollHeight <= b.clientHeight + 1"
    # 15 minutes is 9 px of grid: the block grows to show the whole label, nothing hidden below its edge.
    assert block.evaluate(whole) and block.evaluate("b => b.clientHeight > 20")
    assert long_name in block.inner_text()
    shot(browser_page, "day-slots-desktop")
    # On a phone the columns are narrow: the block keeps its duration's height and shows the label when
    # touched or focused; the list under the grid has the whole name.
    browser_page.set_viewport_size({"width": 390, "height": 844})
    block.focus()
    assert block.evaluate(whole)
    assert long_name in browser_page.inner_text("table")
    heading = browser_page.locator("h1")
    assert heading.evaluate("h => getComputedStyle(h)['overflow-wrap']") in ("break-word", "anywhere")
    assert heading.evaluate("h => getComputedStyle(h)['word-break']") != "break-all"
    assert heading.evaluate("h => h.scrollWidth <= h.clientWidth")  # the title wraps, nothing sticks out
    shot(browser_page, "day-slots-phone")
    watch.assert_clean()
