from sqlmodel import Session

from core.areas import Area
from tts.lexicon import DEFAULT_LEXICON
from tts.lexicon_store import effective_lexicon


def test_nearest_area_override_wins(client, world, auth, engine):
    national = client.post("/api/v1/lexicon", json={"term": "TT", "spoken": "thường trực"}, headers=auth("admin"))
    assert national.status_code == 201, national.text
    province = client.post("/api/v1/lexicon", headers=auth("operator"),
                           json={"term": "TT", "spoken": "trung tâm", "area_id": world.province.id})
    assert province.status_code == 201
    commune = client.post("/api/v1/lexicon", headers=auth("operator_a"),
                          json={"term": "HTX", "spoken": "hợp tác xã", "area_id": world.commune_a.id})
    assert commune.status_code == 201
    with Session(engine) as session:
        cluster = session.get(Area, world.clusters_a[0].id)
        lexicon = effective_lexicon(session, cluster)
        assert lexicon["TT"] == "trung tâm" and lexicon["HTX"] == "hợp tác xã"
        assert lexicon["UBND"] == DEFAULT_LEXICON["UBND"]
        other = effective_lexicon(session, session.get(Area, world.other_cluster.id))
        assert other["TT"] == "thường trực" and "HTX" not in other or other.get("HTX") == DEFAULT_LEXICON.get("HTX")
    listed = client.get("/api/v1/lexicon", params={"area_id": world.clusters_a[0].id}, headers=auth("supervisor_a"))
    assert {e["term"] for e in listed.json()} >= {"TT", "HTX"}


def test_lexicon_permissions_and_bad_entries(client, world, auth):
    assert client.post("/api/v1/lexicon", json={"term": "TT", "spoken": "x"},
                       headers=auth("operator")).status_code == 403
    assert client.post("/api/v1/lexicon", json={"term": "TT", "spoken": "trung tâm", "area_id": world.commune_b.id},
                       headers=auth("operator_a")).status_code == 403
    bad = client.post("/api/v1/lexicon", json={"term": "TT", "spoken": "số 5", "area_id": world.commune_a.id},
                      headers=auth("operator_a"))
    assert bad.status_code == 422 and "chữ số" in bad.json()["detail"]
    spaced = client.post("/api/v1/lexicon", json={"term": "T T", "spoken": "tê", "area_id": world.commune_a.id},
                         headers=auth("operator_a"))
    assert spaced.status_code == 422
    first = client.post("/api/v1/lexicon", json={"term": "BQL", "spoken": "ban quản lý",
                                                 "area_id": world.commune_a.id}, headers=auth("operator_a"))
    again = client.post("/api/v1/lexicon", json={"term": "BQL", "spoken": "ban quản lý",
                                                 "area_id": world.commune_a.id}, headers=auth("operator_a"))
    assert first.status_code == 201 and again.status_code == 409
    entry_id = first.json()["id"]
    changed = client.patch(f"/api/v1/lexicon/{entry_id}", json={"spoken": "ban quản lý dự án"},
                           headers=auth("operator_a"))
    assert changed.status_code == 200 and changed.json()["spoken"] == "ban quản lý dự án"
    assert client.delete(f"/api/v1/lexicon/{entry_id}", headers=auth("operator_b")).status_code == 403
    assert client.delete(f"/api/v1/lexicon/{entry_id}", headers=auth("operator_a")).status_code == 204
