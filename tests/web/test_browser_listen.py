"""In headless Chromium: the editor's "Nghe thử" plays the words as they will air inside the page, and
codes the lexicon does not know are named under the spoken form with a link to add them."""

import re

import pytest

from tests.web.conftest import browser_login, shot, wait_until_true

pytestmark = pytest.mark.browser


def test_listen_and_unknown_codes_in_the_editor(page, live_server):
    browser_page, watch = page
    base = live_server.url
    browser_login(browser_page, base, "operator_a")
    browser_page.goto(f"{base}/contents/new")
    browser_page.fill("input[name=title]", "Họp HTX NN")
    browser_page.fill("textarea[name=body]", "Đội XYZT họp tại khu B lúc 14h ngày 20/12.")
    wait_until_true(browser_page, "document.querySelector('#spoken-text') && "
                                  "document.querySelector('#spoken-text').textContent.includes('khu bê')")
    assert "hợp tác xã nông nghiệp" in browser_page.inner_text("#spoken-text")
    link = browser_page.locator("#unknown-terms a", has_text="XYZT")
    assert link.count() == 1 and link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").startswith("/lexicon?term=XYZT")

    browser_page.click("#listen")
    player = browser_page.locator("#preview-audio audio")
    player.wait_for(timeout=60_000)
    src = player.get_attribute("src")
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.mp3", src)
    audio = browser_page.request.get(base + src)
    assert audio.status == 200 and audio.headers["content-type"] == "audio/mpeg"
    wait_until_true(browser_page, "document.querySelector('#preview-audio audio').readyState >= 1", timeout_s=20)
    assert browser_page.evaluate("document.querySelector('#preview-audio audio').duration") > 3
    # what the operator typed is still there
    assert browser_page.input_value("textarea[name=body]").startswith("Đội XYZT")
    shot(browser_page, "editor-listen-and-unknown-codes")
    watch.assert_clean()
