import pytest


def test_commune_user_cannot_read_or_change_another_communes_clusters(client, world, auth):
    other = world.clusters_b[0]
    headers = auth("operator_a")
    assert client.get(f"/api/v1/areas/{other.id}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/areas/{other.id}", json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(f"/api/v1/areas/{other.id}", headers=headers).status_code == 403
    listed = client.get("/api/v1/areas", headers=headers).json()
    assert {a["id"] for a in listed} == {world.commune_a.id, *(c.id for c in world.clusters_a)}
    created = client.post("/api/v1/areas", headers=headers,
                          json={"name": "Cụm lạ", "level": "cluster", "parent_id": world.commune_b.id})
    assert created.status_code == 403


def test_list_filters_by_parent_and_level(client, world, auth):
    rows = client.get("/api/v1/areas", params={"parent_id": world.commune_a.id}, headers=auth("admin")).json()
    assert [r["name"] for r in rows] == ["Cụm loa thôn 1", "Cụm loa thôn 2"]
    communes = client.get("/api/v1/areas", params={"level": "commune"}, headers=auth("operator")).json()
    assert {r["id"] for r in communes} == {world.commune_a.id, world.commune_b.id}


def test_create_tree_and_path_scoping(client, world, auth):
    body = {"name": "Huyện Bảo Thắng", "level": "district", "parent_id": world.province.id, "code": "085"}
    district = client.post("/api/v1/areas", json=body, headers=auth("operator"))
    assert district.status_code == 201
    assert district.json()["level_label"] == "Huyện/Thị xã"
    commune = client.post("/api/v1/areas", headers=auth("operator"), json={
        "name": "Xã Phong Niên", "level": "commune", "parent_id": district.json()["id"], "code": "02800"})
    assert commune.status_code == 201
    cluster = client.post("/api/v1/areas", headers=auth("operator"), json={
        "name": "Cụm loa thôn Cốc Sâm", "level": "cluster", "parent_id": commune.json()["id"]})
    assert cluster.status_code == 201
    # The province-wide supervisor sees it; commune A's does not.
    assert client.get(f"/api/v1/areas/{cluster.json()['id']}", headers=auth("supervisor")).status_code == 200
    assert client.get(f"/api/v1/areas/{cluster.json()['id']}", headers=auth("supervisor_a")).status_code == 403


@pytest.mark.parametrize("body, status, words", [
    ({"name": "x", "level": "cluster", "parent_id": 999999}, 422, "không tồn tại"),
    ({"name": "x", "level": "cluster"}, 422, "phải có địa bàn cấp trên"),
    ({"name": "x", "level": "province", "parent_id": "PROVINCE"}, 422, "cấp cao nhất"),
    ({"name": "x", "level": "cluster", "parent_id": "PROVINCE"}, 422, "không thể nằm dưới"),
    ({"name": "x", "level": "commune", "parent_id": "CLUSTER"}, 422, "không thể nằm dưới"),
    ({"name": "", "level": "cluster", "parent_id": "COMMUNE"}, 422, "name"),
    ({"name": "x" * 201, "level": "cluster", "parent_id": "COMMUNE"}, 422, "name"),
    ({"name": "x", "level": "village", "parent_id": "COMMUNE"}, 422, "level"),
    ({"name": "x", "level": "cluster", "parent_id": "COMMUNE", "code": "A1"}, 409, "đã được dùng"),
    ({"name": "x", "level": "commune", "parent_id": "PROVINCE", "code": "02923"}, 409, "đã được dùng"),
    ({"name": "x", "level": "cluster", "parent_id": "COMMUNE", "code": "bad code!"}, 422, "code"),
    ({"name": 5, "level": "cluster", "parent_id": "COMMUNE"}, 422, "name"),
    ({"level": "cluster", "parent_id": "COMMUNE"}, 422, "name"),
    ({"name": "x", "level": "cluster", "parent_id": 2**70}, 422, "parent_id"),
])
def test_bad_area_input_gets_a_clear_4xx(client, world, auth, body, status, words):
    refs = {"PROVINCE": world.province.id, "COMMUNE": world.commune_a.id, "CLUSTER": world.clusters_a[0].id}
    body = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = client.post("/api/v1/areas", json=body, headers=auth("admin"))
    assert response.status_code == status, response.text
    text = response.text
    assert words in text


def test_malformed_json_and_wrong_content_are_422(client, world, auth):
    headers = {**auth("admin"), "Content-Type": "application/json"}
    assert client.post("/api/v1/areas", content=b"{not json", headers=headers).status_code == 422
    assert client.post("/api/v1/areas", content=b"[]", headers=headers).status_code == 422
    assert client.get("/api/v1/areas/abc", headers=auth("admin")).status_code == 422
    assert client.get("/api/v1/areas/99999", headers=auth("admin")).status_code == 404


def test_cluster_csv_import_is_all_or_nothing(client, world, auth):
    good = f"commune_code,cluster_name,cluster_code\n{world.commune_a.code},Cụm loa thôn 5,A5\n" \
           f"{world.commune_b.code},Cụm loa bản 7,\n"
    response = client.post("/api/v1/areas/import-clusters", headers=auth("operator"),
                           files={"file": ("c.csv", good.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2, "existing": 0}
    again = client.post("/api/v1/areas/import-clusters", headers=auth("operator"),
                        files={"file": ("c.csv", good.encode(), "text/csv")})
    assert again.json() == {"created": 0, "existing": 2}
    bad = f"{world.commune_a.code},Cụm loa thôn 9\n99999,Cụm không xã\nchỉ một cột\n"
    response = client.post("/api/v1/areas/import-clusters", headers=auth("operator"),
                           files={"file": ("c.csv", bad.encode(), "text/csv")})
    assert response.status_code == 422
    assert "Dòng 2" in response.json()["detail"] and "Dòng 3" in response.json()["detail"]
    names = [a["name"] for a in client.get("/api/v1/areas", params={"parent_id": world.commune_a.id},
                                           headers=auth("admin")).json()]
    assert "Cụm loa thôn 9" not in names
    latin1 = client.post("/api/v1/areas/import-clusters", headers=auth("operator"),
                         files={"file": ("c.csv", "02671,Cụm".encode("utf-16"), "text/csv")})
    assert latin1.status_code == 422 and "UTF-8" in latin1.json()["detail"]


def test_delete_refuses_areas_with_children(client, world, auth):
    response = client.delete(f"/api/v1/areas/{world.commune_a.id}", headers=auth("admin"))
    assert response.status_code == 409
    assert client.delete(f"/api/v1/areas/{world.clusters_a[1].id}", headers=auth("admin")).status_code == 204


def test_oversized_bodies_are_refused_before_reading(client, world, auth):
    response = client.post("/api/v1/areas", headers={**auth("admin"), "Content-Length": str(10**9),
                                                     "Content-Type": "application/json"}, content=b"{}")
    assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_an_area_in_use_cannot_be_deleted_and_says_why(client, world, auth):
    client.post("/api/v1/users", headers=auth("admin"), json={
        "username": "loa.thon1", "password": "mat-khau-dai", "role": "operator", "area_id": world.clusters_a[0].id})
    response = client.delete(f"/api/v1/areas/{world.clusters_a[0].id}", headers=auth("admin"))
    assert response.status_code == 409 and "đang được dùng" in response.json()["detail"]
    assert client.get(f"/api/v1/areas/{world.clusters_a[0].id}", headers=auth("admin")).status_code == 200


def test_a_scoped_admin_cannot_widen_a_user_to_the_whole_country(client, world, auth, engine):
    from core.db import session_scope
    from core.users import Role
    from tests.factories import user

    with session_scope(engine) as session:
        user(session, "admin_a", Role.admin, world.commune_a.id)
    operator_a = next(u for u in client.get("/api/v1/users", headers=auth("admin")).json()
                      if u["username"] == "operator_a")
    widened = client.patch(f"/api/v1/users/{operator_a['id']}", json={"area_id": None}, headers=auth("admin_a"))
    assert widened.status_code == 403
    moved = client.patch(f"/api/v1/users/{operator_a['id']}", json={"area_id": world.commune_b.id},
                         headers=auth("admin_a"))
    assert moved.status_code == 403
