"""The approver hears what will air: the audio is rendered on submission (real espeak-ng and ffmpeg),
approval airs exactly that file (same sha256), an edit of the words drops it and the next submission renders
again; an emergency opens with the alert tone and is read twice with "Xin nhắc lại"."""

from sqlmodel import Session

from campaigns.eligibility import airable_contents
from core.files import file_sha256
from core.tasks import wait
from media.probe import probe
from media.store import MediaStore
from tests.campaigns.helpers import API, act, create_content, today
from tests.media.silence import leading_silence_s, mean_volume_db

NEWS = "Chiều nay, trạm y tế xã tiêm chủng cho trẻ em từ 14h đến 17h."


def _submitted_with_audio(client, engine, op, **extra) -> dict:
    item = create_content(client, op, **extra)
    submitted = act(client, op, item["id"], "submit")
    assert submitted["render"]["status"] == "queued" and submitted["render"]["task_id"]
    assert wait(engine, submitted["render"]["task_id"], 120).status == "done"
    ready = client.get(f"{API}/contents/{item['id']}", headers=op).json()
    assert ready["status"] == "submitted" and ready["audio"]["source"] == "tts"
    return ready


def _actions(client, headers, content_id) -> list[str]:
    return [e["action"] for e in client.get(f"{API}/contents/{content_id}/history", headers=headers).json()]


def test_submission_renders_and_approval_airs_exactly_that_audio(client, world, auth, engine, settings):
    op, ap = auth("operator_a"), auth("approver_a")
    ready = _submitted_with_audio(client, engine, op, area_ids=[world.commune_a.id], body=NEWS)
    heard = ready["audio"]
    path = MediaStore(settings.media_dir).path_for(heard["sha256"], heard["ext"])
    assert file_sha256(path) == heard["sha256"]

    approved = act(client, ap, ready["id"], "approve", json={"audio_sha256": heard["sha256"]})
    assert approved["status"] == "approved"
    assert approved["airing"]["audio"]["sha256"] == heard["sha256"]
    assert approved["render"]["status"] == "ready"
    with Session(engine) as session:
        assert [a.audio_sha256 for a in airable_contents(session, day_from=today(), day_to=today())] == [
            heard["sha256"]]
    # one render, on submission: approval rendered nothing new
    assert _actions(client, op, ready["id"]).count("render_queued") == 1
    assert client.get(f"/media/{heard['sha256']}.mp3").content == path.read_bytes()


def test_approval_is_refused_when_the_audio_is_not_what_was_heard(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    ready = _submitted_with_audio(client, engine, op, area_ids=[world.commune_a.id], body=NEWS)
    refused = client.post(f"{API}/contents/{ready['id']}/approve", json={"audio_sha256": "0" * 64}, headers=ap)
    assert refused.status_code == 409 and "hãy nghe lại" in refused.json()["detail"]
    malformed = client.post(f"{API}/contents/{ready['id']}/approve", json={"audio_sha256": "nghe rồi"}, headers=ap)
    assert malformed.status_code == 422
    assert client.get(f"{API}/contents/{ready['id']}", headers=op).json()["status"] == "submitted"


def test_editing_the_words_drops_the_audio_and_resubmission_renders_again(client, world, auth, engine):
    op = auth("operator_a")
    first = _submitted_with_audio(client, engine, op, area_ids=[world.commune_a.id], body=NEWS)
    act(client, op, first["id"], "withdraw")
    same_words = client.patch(f"{API}/contents/{first['id']}", json={"valid_until": str(today())}, headers=op).json()
    assert same_words["audio"]["sha256"] == first["audio"]["sha256"]  # dates only: the audio still fits
    edited = client.patch(f"{API}/contents/{first['id']}", json={"body": NEWS.replace("17h", "16h30")},
                          headers=op).json()
    assert edited["audio"] is None and edited["render"]["status"] == "none"
    second = act(client, op, first["id"], "submit")
    assert wait(engine, second["render"]["task_id"], 120).status == "done"
    again = client.get(f"{API}/contents/{first['id']}", headers=op).json()
    assert again["audio"]["sha256"] != first["audio"]["sha256"]
    assert "mười sáu giờ ba mươi phút" in again["spoken_text"]


def test_a_render_of_words_edited_since_is_not_recorded(client, world, auth, engine, settings):
    """A slow render finishing after an edit must not attach the old words' audio to the new ones."""
    from campaigns import render

    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], body=NEWS)
    rev_id = item["revision_id"]
    with Session(engine) as session:
        job = render._prepare(session, rev_id)
    assert job is not None
    result = render._synthesize(job, settings, None)
    client.patch(f"{API}/contents/{item['id']}", json={"body": "Lịch tiêm chủng đổi sang sáng mai."}, headers=op)
    with Session(engine) as session:
        render._record_success(session, rev_id, result, notify=False, text=job.text)
        session.commit()
    after = client.get(f"{API}/contents/{item['id']}", headers=op).json()
    assert after["audio"] is None and "render_done" not in _actions(client, op, item["id"])


def test_an_emergency_opens_with_the_alert_tone_and_is_read_twice(client, world, auth, engine, settings):
    op = auth("operator_a")
    body = "Mưa lớn gây sạt lở tại thôn 3. Bà con không đi qua ngầm tràn."
    normal = _submitted_with_audio(client, engine, op, area_ids=[world.commune_a.id], title="Cảnh báo sạt lở",
                                   body=body)
    urgent = _submitted_with_audio(client, engine, op, area_ids=[world.commune_a.id], title="Cảnh báo sạt lở",
                                   body=body, level="emergency")
    assert urgent["spoken_text"].count("Cảnh báo sạt lở") == 2 and "Xin nhắc lại" in urgent["spoken_text"]
    assert "Xin nhắc lại" not in normal["spoken_text"]
    store = MediaStore(settings.media_dir)
    urgent_path = store.path_for(urgent["audio"]["sha256"], "mp3")
    normal_path = store.path_for(normal["audio"]["sha256"], "mp3")
    urgent_ms, normal_ms = probe(urgent_path).duration_ms, probe(normal_path).duration_ms
    speech_ms = normal_ms - settings.tts_lead_in_ms
    # lead-in, the tone (about 2.3 s with its pause), the words twice, "Xin nhắc lại" between
    assert urgent_ms > settings.tts_lead_in_ms + 2000 + 2 * speech_ms
    assert abs(urgent["audio"]["duration_ms"] - urgent_ms) < 100
    lead = settings.tts_lead_in_ms / 1000
    assert lead <= leading_silence_s(urgent_path) < lead + 0.05
    whole = mean_volume_db(urgent_path, lead + 0.05, lead + 0.3)
    assert mean_volume_db(urgent_path, lead + 0.05, lead + 0.3, "bandpass=f=880:width_type=h:w=80") > whole - 3
    assert mean_volume_db(normal_path, lead + 0.05, lead + 0.3, "bandpass=f=880:width_type=h:w=80") < \
        mean_volume_db(normal_path, lead + 0.05, lead + 0.3) - 3  # speech, not a tone
