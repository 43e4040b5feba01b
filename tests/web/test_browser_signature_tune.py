"""In headless Chromium: an operator gives every slot of the commune the shipped signature tune in one click,
and the day's programme of a cluster below it opens and closes with that tune."""

import re

import pytest

from core.timeutil import now_utc
from playlists.signature_tune import default_tune_hash
from tests.web.conftest import browser_add_slot, browser_login, shot

pytestmark = pytest.mark.browser


def test_default_tune_for_an_area_opens_and_closes_the_programme(page, live_server):
    from playlists.service import build_day
    from tests.playlists.helpers import add_content, make_mp3, media_store

    browser_page, watch = page
    url, world, settings, engine = live_server.url, live_server.world, live_server.settings, live_server.engine
    today = now_utc().astimezone(settings.tz).date()
    add_content(engine, "Thông báo họp dân của phường", [world.commune_a.id], make_mp3(media_store(settings), 3))
    browser_login(browser_page, url, "operator_a")
    browser_add_slot(browser_page, url, world.commune_a.id, "Bản tin sáng", "06:00", 30)
    # the tune can be heard before it is chosen
    src = browser_page.get_attribute("#area-tune audio", "src")
    assert browser_page.request.get(url + src).headers["content-type"] == "audio/mpeg"
    browser_page.click("#area-tune button.primary")
    browser_page.wait_for_selector("text=Đã đặt nhạc hiệu mặc định ở đầu và cuối 1 khung giờ của Phường Cam Đường.")
    assert "mở đầu (mặc định)" in browser_page.inner_text("td.tune")
    shot(browser_page, "slots-signature-tune")

    build_day(engine, day=today, tz=settings.tz, area_id=world.commune_a.id)
    browser_page.goto(f"{url}/playlists/{world.clusters_a[0].id}")
    players = browser_page.locator("main audio")
    players.first.wait_for()
    sources = [players.nth(i).get_attribute("src") for i in range(players.count())]
    tune = f"/media/{default_tune_hash()}.mp3"
    assert len(sources) == 3 and sources[0] == tune and sources[-1] == tune, sources
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.mp3", sources[1]) and sources[1] != tune
    assert browser_page.request.get(url + tune).status == 200
    text = browser_page.inner_text("main")
    order = [text.index(title) for title in ("Nhạc hiệu mở đầu", "Thông báo họp dân", "Nhạc hiệu kết thúc")]
    assert order == sorted(order)
    shot(browser_page, "timeline-signature-tune")
    watch.assert_clean()
