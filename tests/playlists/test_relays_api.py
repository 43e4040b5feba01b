"""Relays ("tiếp sóng") over HTTP: the stream check against streams served on loopback, validation, scope,
and relay items in the published playlist (JSON, ETag, M3U8, bundle, programme file)."""

import io
import json
import zipfile

import pytest

from core.timeutil import now_utc
from playlists.stream_check import check_stream
from tests.playlists.helpers import add_content, make_mp3, wait_tasks


def _today(settings):
    return now_utc().astimezone(settings.tz).date()


def _relay(world, url, **extra):
    return {"name": "Thời sự VOV1", "stream_url": url, "start_time": "06:10", "duration_minutes": 15,
            "area_ids": [world.commune_a.id], **extra}


def _wait_rebuilds(engine) -> None:
    """Wait for every schedule-change rebuild queued so far."""
    wait_tasks(engine, "playlists.tasks:rebuild_areas")


# ---------------------------------------------------------------------------- the stream check


def test_stream_check_on_loopback_streams(stream_server):
    live = check_stream(stream_server.url("live.mp3"), timeout_s=3)
    assert live.ok is True and "audio/mpeg" in live.message
    assert check_stream(stream_server.url("live.m3u8"), timeout_s=3).ok is True
    octet = check_stream(stream_server.url("octet"), timeout_s=3)  # no audio content type: ffprobe decides
    assert octet.ok is True and "ffprobe" in octet.message
    page = check_stream(stream_server.url("page.html"), timeout_s=3)
    assert page.ok is False and "không phải âm thanh" in page.message and "text/html" in page.message
    gone = check_stream(stream_server.url("gone"), timeout_s=3)
    assert gone.ok is False and "404" in gone.message
    down = check_stream(stream_server.down, timeout_s=3)
    assert down.ok is False and "Không kết nối được" in down.message


@pytest.mark.parametrize("path, ok", [("live.mp3", True), ("page.html", False), (None, False)])
def test_a_relay_is_saved_whatever_the_check_says_and_the_warning_is_returned(client, world, auth, stream_server,
                                                                              path, ok):
    url = stream_server.url(path) if path else stream_server.down
    response = client.post("/api/v1/relays", json=_relay(world, url), headers=auth("operator_a"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["stream_check"]["ok"] is ok and body["stream_check"]["message"]
    assert body["stream_check"]["checked_at"] is not None
    assert (body["start_time"], body["end_time"], body["weekdays"]) == ("06:10", "06:25", list(range(7)))
    assert body["areas"] == [{"id": world.commune_a.id, "name": world.commune_a.name}]
    again = client.get(f"/api/v1/relays/{body['id']}", headers=auth("supervisor_a")).json()
    assert again["stream_check"] == body["stream_check"]


def test_saving_checks_the_stream_again(client, world, auth, stream_server):
    op = auth("operator_a")
    relay = client.post("/api/v1/relays", json=_relay(world, stream_server.down), headers=op).json()
    assert relay["stream_check"]["ok"] is False
    fixed = client.patch(f"/api/v1/relays/{relay['id']}", json={"stream_url": stream_server.url("live.mp3")},
                         headers=op)
    assert fixed.status_code == 200 and fixed.json()["stream_check"]["ok"] is True


@pytest.mark.parametrize("change, words", [
    ({"stream_url": "ftp://127.0.0.1/x"}, "http://"),
    ({"stream_url": "http://127.0.0.1/a b"}, "khoảng trắng"),
    ({"start_time": "25:00"}, "Giờ"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"area_ids": []}, "area_ids"),
    ({"weekdays": [7]}, "thứ Hai"),
    ({"starts_on": "2026-05-02", "ends_on": "2026-05-01"}, "Ngày bắt đầu"),
])
def test_bad_relays_are_refused_in_vietnamese(client, world, auth, change, words):
    response = client.post("/api/v1/relays", json={**_relay(world, "http://127.0.0.1:9/x"), **change},
                           headers=auth("operator_a"))
    assert response.status_code == 422
    assert words in json.dumps(response.json(), ensure_ascii=False)


def test_relays_stay_within_the_operators_subtree(client, world, auth, settings):
    settings.stream_check = False  # the scope is under test here, not the stream
    url = "http://127.0.0.1:9/x"
    assert client.post("/api/v1/relays", json=_relay(world, url, area_ids=[world.commune_b.id]),
                       headers=auth("operator_a")).status_code == 403
    unknown = client.post("/api/v1/relays", json=_relay(world, url, area_ids=[999_999]), headers=auth("operator_a"))
    assert unknown.status_code == 422 and "không tồn tại" in unknown.json()["detail"]
    mine = client.post("/api/v1/relays", json=_relay(world, url), headers=auth("operator_a")).json()
    assert mine["stream_check"]["ok"] is None
    both = client.post("/api/v1/relays", json=_relay(world, url, area_ids=[world.commune_a.id, world.commune_b.id]),
                       headers=auth("operator")).json()
    # Commune A's operator sees both (both play in A) but may change only its own.
    seen = {r["id"] for r in client.get("/api/v1/relays", headers=auth("operator_a")).json()}
    assert seen == {mine["id"], both["id"]}
    assert client.patch(f"/api/v1/relays/{both['id']}", json={"name": "X"},
                        headers=auth("operator_a")).status_code == 403
    assert client.delete(f"/api/v1/relays/{both['id']}", headers=auth("operator_a")).status_code == 403
    assert client.get(f"/api/v1/relays/{mine['id']}", headers=auth("operator_b")).status_code == 403
    assert {r["id"] for r in client.get("/api/v1/relays", headers=auth("operator_b")).json()} == {both["id"]}
    assert client.delete(f"/api/v1/relays/{mine['id']}", headers=auth("operator_a")).status_code == 204
    assert client.get(f"/api/v1/relays/{mine['id']}", headers=auth("operator_a")).status_code == 404


# ---------------------------------------------------------------------------- relays in the playlist


@pytest.fixture
def relay_day(client, world, auth, engine, store, settings, stream_server):
    """Commune A: a 06:00 slot of 30 minutes with content, a relay 06:10-06:25 inside it and one at 12:00
    outside every slot; today built."""
    op = auth("operator_a")
    audio = make_mp3(store, 3)
    add_content(engine, "Tin xã", [world.commune_a.id], audio)
    add_content(engine, "Tin ưu tiên", [world.commune_a.id], make_mp3(store, 2, 520), level="priority")
    slot = client.post("/api/v1/slots", json={"area_id": world.commune_a.id, "name": "Bản tin sáng",
                                              "start_time": "06:00", "duration_minutes": 30}, headers=op)
    assert slot.status_code == 201
    stream = stream_server.url("live.mp3")
    inside = client.post("/api/v1/relays", json=_relay(world, stream), headers=op).json()
    outside = client.post("/api/v1/relays", json=_relay(world, stream, name="Tiếp sóng trưa", start_time="12:00",
                                                        duration_minutes=30), headers=op).json()
    _wait_rebuilds(engine)  # nothing was published yet: nothing to rebuild
    day = _today(settings)
    assert client.post("/api/v1/playlists/build", json={"date": day.isoformat(), "area_id": world.commune_a.id},
                       headers=op).status_code == 200
    return {"day": day, "cluster": world.clusters_a[0].id, "inside": inside, "outside": outside, "stream": stream,
            "op": op}


def test_relay_items_in_the_json_m3u8_bundle_and_programme(client, relay_day):
    r, op = relay_day, relay_day["op"]
    base = f"/api/v1/clusters/{r['cluster']}/playlists/{r['day'].isoformat()}"
    body = client.get(base, headers=op).json()
    assert [s["name"] for s in body["slots"]] == ["Bản tin sáng", "Tiếp sóng trưa"]
    morning, noon = body["slots"]
    relays = [it for it in morning["items"] if it["kind"] == "relay"]
    assert len(relays) == 1
    item = relays[0]
    assert item["relay_id"] == r["inside"]["id"] and item["stream_url"] == r["stream"]
    assert item["audio_url"] is None and item["sha256"] is None and item["ext"] is None
    assert item["level"] == "relay" and item["content_id"] is None and item["title"] == "Thời sự VOV1"
    assert item["starts_at"].endswith("T06:10:00+07:00") and item["duration_ms"] == 15 * 60_000
    others = [it for it in morning["items"] if it["kind"] != "relay"]
    assert all(it["audio_url"] and it["sha256"] and it["relay_id"] is None for it in others)
    assert [it["kind"] for it in noon["items"]] == ["relay"] and noon["programme_url"] is None
    assert noon["items"][0]["relay_id"] == r["outside"]["id"]

    m3u8 = client.get(f"{base}.m3u8", headers=op).text.splitlines()
    at = m3u8.index(r["stream"])
    assert m3u8[at - 1] == "#EXTINF:900.000,Thời sự VOV1"
    assert m3u8[at - 2].startswith("#EXT-X-PROGRAM-DATE-TIME:") and "T06:10:00.000+07:00" in m3u8[at - 2]

    bundle = client.get(f"{base}/bundle", headers=op)
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
    skipped = manifest["not_in_bundle"]
    assert {s["relay_id"] for s in skipped} == {r["inside"]["id"], r["outside"]["id"]}
    assert all(s["stream_url"] == r["stream"] and "Tiếp sóng" in s["reason"] for s in skipped)
    files = {f"{it['sha256']}.{it['ext']}" for s in manifest["slots"] for it in s["items"] if it["sha256"]}
    assert names == {"manifest.json", *files}

    programme = client.get(f"{base}/programme/0.mp3", headers=op)
    assert programme.status_code == 200 and programme.headers["content-type"] == "audio/mpeg"
    only_relay = client.get(f"{base}/programme/1.mp3", headers=op)
    assert only_relay.status_code == 422 and "tiếp sóng" in only_relay.json()["detail"]


def test_a_changed_or_deleted_relay_changes_the_etag(client, engine, relay_day):
    r, op = relay_day, relay_day["op"]
    url = f"/api/v1/clusters/{r['cluster']}/playlists/{r['day'].isoformat()}"
    first = client.get(url, headers=op)
    etag = first.headers["etag"]
    assert client.get(url, headers={**op, "If-None-Match": etag}).status_code == 304
    moved = client.patch(f"/api/v1/relays/{r['inside']['id']}", json={"start_time": "06:05"}, headers=op)
    assert moved.status_code == 200
    _wait_rebuilds(engine)
    second = client.get(url, headers={**op, "If-None-Match": etag})
    assert second.status_code == 200 and second.headers["etag"] != etag
    starts = [it["starts_at"] for s in second.json()["slots"] for it in s["items"] if it["kind"] == "relay"]
    assert any(s.endswith("T06:05:00+07:00") for s in starts)
    assert client.delete(f"/api/v1/relays/{r['outside']['id']}", headers=op).status_code == 204
    _wait_rebuilds(engine)
    third = client.get(url, headers={**op, "If-None-Match": second.headers["etag"]})
    assert third.status_code == 200 and [s["name"] for s in third.json()["slots"]] == ["Bản tin sáng"]
