import hashlib


def test_normalize_shows_what_the_machine_will_say(client, world, auth):
    response = client.post("/api/v1/tts/normalize", headers=auth("operator_a"),
                           json={"text": "Kế hoạch số 205/KH-UBND-LĐLĐ ngày 28/4/2021 của UBND tỉnh."})
    assert response.status_code == 200, response.text
    spoken = response.json()["spoken_text"]
    assert "Ủy ban nhân dân" in spoken
    assert "ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt" in spoken
    assert not any(ch.isdigit() for ch in spoken)
    assert response.json()["sentences"][0]["pause_ms"] > 0


def test_normalize_uses_the_areas_lexicon(client, world, auth):
    client.post("/api/v1/lexicon", headers=auth("operator_a"),
                json={"term": "HTX", "spoken": "hợp tác xã nông nghiệp", "area_id": world.commune_a.id})
    inside = client.post("/api/v1/tts/normalize", headers=auth("operator_a"), json={"text": "HTX Cam Đường họp."})
    assert "hợp tác xã nông nghiệp" in inside.json()["spoken_text"].lower()
    outside = client.post("/api/v1/tts/normalize", headers=auth("operator_b"), json={"text": "HTX Cam Đường họp."})
    assert "hợp tác xã nông nghiệp" not in outside.json()["spoken_text"].lower()


def test_normalize_bad_input_is_a_clear_422(client, world, auth):
    for text in ["", "   ", "...;;--", "\x00\x01"]:
        response = client.post("/api/v1/tts/normalize", headers=auth("operator"), json={"text": text})
        assert response.status_code == 422, text
        assert response.json()["detail"]
    too_long = client.post("/api/v1/tts/normalize", headers=auth("operator"), json={"text": "a" * 100_001})
    assert too_long.status_code == 422


def test_preview_renders_audio_that_devices_can_fetch(client, world, auth):
    response = client.post("/api/v1/tts/preview", headers=auth("operator_a"),
                           json={"text": "Thông báo: sáng mai 7h30 họp tại hội trường UBND xã."})
    assert response.status_code == 200, response.text
    audio = response.json()
    assert audio["engine"] == "espeak-ng" and 2000 < audio["duration_ms"] < 20000
    fetched = client.get(audio["url"])
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == audio["sha256"]


def test_engines_are_listed(client, world, auth):
    engines = {e["name"]: e for e in client.get("/api/v1/tts/engines", headers=auth("supervisor")).json()}
    assert engines["espeak-ng"]["available"] is True
    assert set(engines) >= {"espeak-ng", "gtts", "piper"}
