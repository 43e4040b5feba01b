"""The relays page and a timeline with a relay and a priority clash, in headless Chromium on a phone-sized
screen (390x844): usable without horizontal scrolling. Screenshots go to test-artifacts/web/."""

from datetime import timedelta

import pytest

from core.timeutil import now_utc
from tests.web.conftest import assert_no_horizontal_scroll, browser_add_slot, browser_login, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_relays_and_a_clash_on_a_phone(page, live_server):
    from core.tasks import wait
    from playlists.service import build_day
    from tests.playlists.helpers import add_content, make_mp3, media_store

    browser_page, watch = page
    browser_page.set_viewport_size(PHONE)
    url, world, settings, engine = live_server.url, live_server.world, live_server.settings, live_server.engine
    today = now_utc().astimezone(settings.tz).date()
    store = media_store(settings)
    add_content(engine, "Thông báo lịch tiêm phòng của tỉnh", [world.province.id], make_mp3(store, 2),
                level="priority", valid_until=today + timedelta(days=1))
    add_content(engine, "Thông báo họp dân của phường", [world.commune_a.id], make_mp3(store, 3, 520),
                level="priority")
    browser_login(browser_page, url, "operator_a")
    browser_add_slot(browser_page, url, world.commune_a.id, "Bản tin sáng", "06:00", 30)
    browser_page.goto(f"{url}/relays?area_id={world.commune_a.id}")
    browser_page.fill("input[name=name]", "Thời sự VOV1")
    browser_page.fill("input[name=stream_url]", "http://127.0.0.1:9/vov1.mp3")  # nobody listens: a warning
    browser_page.fill("input[name=start_time]", "06:10")
    browser_page.fill("input[name=duration_minutes]", "15")
    browser_page.click("form[action='/relays'] button.primary")
    browser_page.wait_for_selector(".msg.warn")
    assert "CẢNH BÁO" in browser_page.inner_text(".msg.warn")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "phone-relays")

    with_tasks = build_day(engine, day=today, tz=settings.tz, area_id=world.commune_a.id)
    assert with_tasks.clusters == 2
    browser_page.goto(f"{url}/playlists/{world.clusters_a[0].id}")
    browser_page.wait_for_selector(".badge.relay")
    assert "Tin ưu tiên trùng khung giờ" in browser_page.inner_text("main")
    browser_page.fill("input[name^=pos_] >> nth=0", "2")
    browser_page.fill("input[name^=pos_] >> nth=1", "1")
    browser_page.click("form[action$='/priority-order'] button.primary")
    browser_page.wait_for_selector("text=Đã lưu thứ tự tin ưu tiên")
    shot(browser_page, "phone-timeline-clash")
    from sqlmodel import Session, col, select

    from core.tasks import Task

    with Session(engine) as s:
        ids = list(s.exec(select(Task.id).where(Task.func == "playlists.tasks:rebuild_areas").order_by(col(Task.id))))
    for task_id in ids:
        wait(engine, task_id, timeout=60)
    browser_page.reload()
    assert "sắp xếp" in browser_page.inner_text(".msg.warn")
    assert_no_horizontal_scroll(browser_page)
    shot(browser_page, "phone-timeline-reordered")
    watch.assert_clean()
