"""Text no database can store, and engines that do not exist, get a clear 4xx, never a 500 (issue 16 item 7)."""

import pytest


def _json(client, method, url, raw: str, headers):
    return client.request(method, url, content=raw.encode(), headers={**headers, "Content-Type": "application/json"})


def test_a_lone_surrogate_in_a_content_is_refused_clearly(client, auth, world):
    raw = ('{"title": "Tin \\ud800 thử", "body": "Nội dung thử", "area_ids": [' + str(world.commune_a.id) + '], '
           '"valid_from": "2026-12-01", "valid_until": "2026-12-31"}')
    res = _json(client, "POST", "/api/v1/contents", raw, auth("operator_a"))
    assert res.status_code == 422 and "không hợp lệ" in res.json()["detail"]
    assert client.get("/api/v1/contents", headers=auth("operator_a")).json() == []


def test_a_lone_surrogate_in_an_event_is_refused_and_nothing_is_stored(client, auth, world):
    cluster = world.clusters_a[0].id
    raw = ('{"events": [{"event_id": "ev-\\ud800", "content_id": 1, "started_at": "2026-12-01T06:00:00+07:00", '
           '"duration_ms": 1000, "status": "played"}]}')
    res = _json(client, "POST", f"/api/v1/clusters/{cluster}/plays", raw, auth("operator_a"))
    assert res.status_code == 422, res.text
    assert client.get(f"/api/v1/clusters/{cluster}/plays/last", headers=auth("supervisor")).json()["events"] == 0


@pytest.mark.parametrize("text", ["xin \ud800 chào"])
def test_preview_refuses_unencodable_text(client, auth, text):
    res = client.post("/api/v1/tts/preview", content=('{"text": "xin \\ud800 chào"}').encode(),
                      headers={**auth("operator_a"), "Content-Type": "application/json"})
    assert res.status_code == 422, res.text


def test_preview_with_an_unknown_engine_names_the_ones_that_exist(client, auth):
    res = client.post("/api/v1/tts/preview", params={"engine": "nope"}, json={"text": "xin chào"},
                      headers=auth("operator_a"))
    assert res.status_code == 422 and "espeak-ng" in res.json()["detail"]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/areas", lambda w: {"name": "Cụm\u0000loa", "level": "cluster", "parent_id": w.commune_a.id}),
])
def test_a_nul_character_is_refused_clearly_on_every_database(client, auth, world, path, body):
    res = client.post(path, json=body(world), headers=auth("admin"))
    assert res.status_code == 422 and "NUL" in res.json()["detail"], res.text
