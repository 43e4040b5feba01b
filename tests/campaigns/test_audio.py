"""Audio of content: human recordings (real files made by ffmpeg), the render on submission with real
espeak-ng, render errors shown on the content and retried."""

import pytest
from sqlmodel import Session

from campaigns.eligibility import airable_contents
from core.files import file_sha256
from core.tasks import wait
from media.loudness import measure
from media.store import MediaStore
from tests.campaigns.audio import short_m4a, short_mp3, short_wav, speech_ms, two_hour_ogg
from tests.campaigns.helpers import API, act, create_content, today


def _stored_files(settings) -> list:
    """Finished media files (work and cache folders aside)."""
    root = settings.media_dir
    return sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in ("tmp", "cache"))


def _upload(client, headers, content_id, name, data, mime="audio/mpeg"):
    return client.post(f"{API}/contents/{content_id}/audio", headers=headers, files={"file": (name, data, mime)})


@pytest.mark.parametrize(("name", "make", "mime"), [
    ("doc-tin.mp3", short_mp3, "audio/mpeg"),
    ("doc-tin.wav", short_wav, "audio/wav"),
    ("doc-tin.m4a", short_m4a, "audio/mp4"),
])
def test_a_recording_is_validated_normalized_and_stored(client, world, auth, settings, name, make, mime):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    response = _upload(client, op, item["id"], name, make(), mime)
    assert response.status_code == 200, response.text
    audio = response.json()["audio"]
    assert audio["source"] == "recording" and audio["ext"] == "mp3"
    assert audio["duration_ms"] == pytest.approx(speech_ms(), abs=150)
    path = MediaStore(settings.media_dir).path_for(audio["sha256"], "mp3")
    assert file_sha256(path) == audio["sha256"]
    assert measure(path).integrated_lufs == pytest.approx(settings.tts_target_lufs, abs=1.0)  # like TTS output
    assert _stored_files(settings) == [path]
    assert response.json()["render"]["status"] == "ready"


def test_a_text_file_renamed_mp3_is_refused_and_nothing_is_stored(client, world, auth, settings):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    response = _upload(client, op, item["id"], "bai-doc.mp3", "Đây là văn bản, không phải âm thanh.\n".encode() * 50)
    assert response.status_code == 422
    assert "không phải là âm thanh" in response.json()["detail"]
    assert _stored_files(settings) == []
    assert list((settings.media_dir / "tmp").iterdir()) == []
    assert client.get(f"{API}/contents/{item['id']}", headers=op).json()["audio"] is None
    actions = [e["action"] for e in client.get(f"{API}/contents/{item['id']}/history", headers=op).json()]
    assert actions == ["created"]


def test_a_two_hour_recording_is_over_the_duration_limit(client, world, auth, settings):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    response = _upload(client, op, item["id"], "hai-gio.ogg", two_hour_ogg().read_bytes(), "audio/ogg")
    assert response.status_code == 422
    assert "quá dài" in response.json()["detail"] and "2 giờ" in response.json()["detail"]
    assert _stored_files(settings) == []


def test_an_upload_over_the_size_limit_is_cut_off(client, world, auth, settings, monkeypatch):
    import campaigns.recordings

    monkeypatch.setattr(campaigns.recordings, "MAX_UPLOAD_BYTES", 4096)
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    response = _upload(client, op, item["id"], "lon.mp3", short_mp3())
    assert response.status_code == 413 and "quá lớn" in response.json()["detail"]
    assert _stored_files(settings) == []
    assert list((settings.media_dir / "tmp").iterdir()) == []


def test_an_empty_upload_is_refused(client, world, auth):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    assert _upload(client, op, item["id"], "rong.mp3", b"").status_code == 422


def test_a_recording_made_before_submission_airs_without_tts(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    sha = _upload(client, op, item["id"], "doc.mp3", short_mp3()).json()["audio"]["sha256"]
    act(client, op, item["id"], "submit")
    approved = act(client, ap, item["id"], "approve")
    assert approved["render"] == {"status": "ready", "error": None, "task_id": None}
    assert approved["airing"]["audio"]["sha256"] == sha
    with Session(engine) as session:
        assert [a.audio_sha256 for a in airable_contents(session, day_from=today(), day_to=today())] == [sha]
    act(client, op, item["id"], "render", expect=409)  # a recording is never overwritten by TTS


def test_a_recording_replaces_the_tts_of_approved_content(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], body="Xin chào bà con.")
    act(client, op, item["id"], "submit")
    approved = act(client, ap, item["id"], "approve")
    assert wait(engine, approved["render"]["task_id"], 120).status == "done"
    tts_sha = client.get(f"{API}/contents/{item['id']}", headers=op).json()["audio"]["sha256"]
    replaced = _upload(client, op, item["id"], "doc.mp3", short_mp3()).json()
    assert replaced["status"] == "approved" and replaced["revision"] == 1
    assert replaced["airing"]["audio"]["source"] == "recording"
    assert replaced["airing"]["audio"]["sha256"] != tts_sha
    history = client.get(f"{API}/contents/{item['id']}/history", headers=auth("supervisor")).json()
    assert history[-1]["action"] == "audio_uploaded" and history[-1]["username"] == "operator_a"


def test_a_failed_render_shows_its_error_and_can_be_retried(client, app, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    app.state.settings.tts_engine = "no-such-engine"
    item = create_content(client, op, area_ids=[world.commune_a.id], body="Xin chào bà con.")
    submitted = act(client, op, item["id"], "submit")  # the render starts on submission
    assert wait(engine, submitted["render"]["task_id"], 60).status == "failed"
    failed = client.get(f"{API}/contents/{item['id']}", headers=op).json()
    assert failed["render"]["status"] == "failed" and failed["audio"] is None
    assert "Lỗi tạo âm thanh" in failed["render"]["error"] and "no-such-engine" in failed["render"]["error"]

    app.state.settings.tts_engine = "espeak-ng"
    retried = act(client, op, item["id"], "render", expect=202)
    assert retried["render"]["status"] == "queued" and retried["render"]["error"] is None
    assert wait(engine, retried["render"]["task_id"], 120).status == "done"
    ready = client.get(f"{API}/contents/{item['id']}", headers=op).json()
    assert ready["render"]["status"] == "ready" and ready["audio"]["source"] == "tts"
    actions = [e["action"] for e in client.get(f"{API}/contents/{item['id']}/history", headers=op).json()]
    assert actions[-3:] == ["render_failed", "render_queued", "render_done"]
    approved = act(client, ap, item["id"], "approve", json={"audio_sha256": ready["audio"]["sha256"]})
    assert approved["airing"]["audio"]["sha256"] == ready["audio"]["sha256"]
