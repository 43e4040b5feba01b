"""The daily job end to end in headless Chromium: write a bulletin from a directive, hear how the machine
reads it, submit; approve; hear the audio; build playlists; see the cluster's timeline; see the airtime chart.
A screenshot of every step goes to test-artifacts/web/."""

import re
from datetime import timedelta

import pytest

from tests.web.conftest import assert_no_horizontal_scroll, browser_login, browser_logout, shot, wait_until_true

pytestmark = pytest.mark.browser

# From seeds/laocai-2021-ke-hoach-tuyen-truyen-thi-dua-2021-2025.txt (the user's own directive).
SEED_PARAGRAPH = (
    "Thực hiện Chỉ thị số 08-CT/TU ngày 03/3/2021 của Tỉnh ủy Lào Cai về việc đẩy mạnh phong trào thi đua yêu "
    "nước thực hiện thắng lợi Nghị quyết đại hội Đảng bộ tỉnh lần thứ XVI, nhiệm kỳ 2021-2025; UBND tỉnh ban "
    "hành Kế hoạch tuyên truyền phong trào thi đua yêu nước trên địa bàn tỉnh Lào Cai, giai đoạn 2021-2025."
)


def _step(page, name: str) -> None:
    assert page.locator("html").get_attribute("lang") == "vi"
    assert_no_horizontal_scroll(page)
    shot(page, name)


def test_daily_job_in_the_browser(page, live_server):
    browser_page, watch = page
    base, world = live_server.url, live_server.world
    commune = world.commune_a

    # 1. The operator logs in and sets up a campaign and a morning slot.
    browser_login(browser_page, base, "operator_a")
    _step(browser_page, "01-operator-dashboard")
    browser_page.goto(f"{base}/campaigns")
    form = browser_page.locator("form[action='/campaigns'][method='post']")
    form.locator("input[name=name]").fill("Tuyên truyền thi đua yêu nước 2021-2025")
    form.locator("input[name=starts_on]").fill("01/01/2021")
    form.locator("input[name=ends_on]").fill("31/12/2030")
    form.locator("input[name=target_minutes_per_week]").fill("30")
    form.locator(f"input[name=area_ids][value='{commune.id}']").check()
    form.locator("button.primary").click()
    browser_page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    campaign_id = int(browser_page.url.rsplit("/", 1)[1])
    _step(browser_page, "02-campaign")

    browser_page.goto(f"{base}/slots?area_id={commune.id}")
    slot_form = browser_page.locator("form[action='/slots']")
    slot_form.locator("input[name=name]").fill("Bản tin sáng")
    slot_form.locator("input[name=start_time]").fill("06:00")
    slot_form.locator("input[name=duration_minutes]").fill("30")
    slot_form.locator("button.primary").click()
    browser_page.wait_for_selector("text=Đã thêm khung giờ")
    assert browser_page.locator(".week .slot").count() == 7
    _step(browser_page, "03-slots-week")

    # 2. Writes a bulletin from the directive and sees how the machine will read it.
    browser_page.goto(f"{base}/contents/new?campaign_id={campaign_id}")
    browser_page.fill("input[name=title]", "Tuyên truyền phong trào thi đua yêu nước")
    browser_page.fill("textarea[name=body]", SEED_PARAGRAPH)
    spoken = browser_page.locator("#spoken-text")
    spoken.wait_for()
    wait_until_true(browser_page, "document.querySelector('#spoken-text').textContent.includes('Ủy ban nhân dân tỉnh')")
    text = spoken.inner_text()
    assert "ngày ba tháng ba năm hai nghìn không trăm hai mươi mốt" in text
    assert "hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm" in text
    _step(browser_page, "04-editor-spoken-preview")
    browser_page.click("button[value=submit]")
    browser_page.wait_for_url(re.compile(r".*/contents/\d+$"))
    content_id = int(browser_page.url.rsplit("/", 1)[1])
    assert browser_page.locator(".badge.submitted").first.inner_text() == "Chờ duyệt"
    _step(browser_page, "05-content-submitted")
    browser_logout(browser_page)

    # 3. The approver approves from the queue; the audio appears on the item.
    browser_login(browser_page, base, "approver_a")
    _step(browser_page, "06-approver-dashboard")
    browser_page.goto(f"{base}/approvals")
    item = browser_page.locator(f"#item-{content_id}")
    assert "Ủy ban nhân dân tỉnh" in item.locator(".spoken").inner_text()
    _step(browser_page, "07-approval-queue")
    item.locator("button.ok").click()
    browser_page.wait_for_selector("text=Đã duyệt tin")
    browser_page.goto(f"{base}/contents/{content_id}")
    browser_page.wait_for_selector("audio#content-audio", timeout=90_000)  # polled until the render is done
    src = browser_page.locator("audio#content-audio").get_attribute("src")
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.mp3", src)
    audio = browser_page.request.get(base + src)
    assert audio.status == 200 and audio.headers["content-type"] == "audio/mpeg" and len(audio.body()) > 1000
    _step(browser_page, "08-approved-audio-player")
    browser_logout(browser_page)

    # 4. The operator builds tomorrow's playlists (progress shown) and opens a cluster's timeline.
    browser_login(browser_page, base, "operator_a")
    day = browser_page.evaluate("new Date(Date.now() + 86400000).toLocaleDateString('en-CA', "
                                "{timeZone: 'Asia/Ho_Chi_Minh'})")
    from datetime import date

    tomorrow = date.fromisoformat(day)
    browser_page.goto(f"{base}/playlists?area_id={commune.id}&day={tomorrow:%d/%m/%Y}")
    browser_page.click("#build-button")
    browser_page.wait_for_selector("[data-status=done]", timeout=90_000)
    _step(browser_page, "09-playlists-built")
    browser_page.reload()
    assert "0 chưa có danh sách phát" in browser_page.inner_text("main")
    cluster = world.clusters_a[0]
    browser_page.click(f"a[href='/playlists/{cluster.id}?day={tomorrow:%d/%m/%Y}'] >> nth=0")
    browser_page.wait_for_url(re.compile(rf".*/playlists/{cluster.id}\?day=.*"))
    items = browser_page.locator("ol.items li")
    assert items.count() >= 1
    timeline = browser_page.inner_text("main")
    assert "Tuyên truyền phong trào thi đua yêu nước" in timeline and "06:00:00" in timeline
    assert browser_page.locator("ol.items li audio").count() == items.count()
    _step(browser_page, "10-cluster-timeline")

    # 5. The airtime page shows the server-rendered charts.
    yesterday = tomorrow - timedelta(days=2)
    browser_page.goto(f"{base}/airtime?from={yesterday:%d/%m/%Y}&to={tomorrow:%d/%m/%Y}")
    chart = browser_page.locator("#chart-weekly")
    chart.scroll_into_view_if_needed()
    wait_until_true(browser_page, "document.querySelector('#chart-weekly').complete && "
                                  "document.querySelector('#chart-weekly').naturalWidth > 0")
    assert browser_page.evaluate("document.querySelector('#chart-weekly').naturalWidth") == 1200
    _step(browser_page, "11-airtime-chart")
    watch.assert_clean()
