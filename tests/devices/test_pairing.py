"""Pairing: one-time codes exchanged for a device token (happy path, reuse, expiry, brute force, revocation)."""

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from core.db import session_scope
from core.timeutil import now_utc
from devices.models import PairingCode
from devices.pairing import ALPHABET, code_hash, new_code, normalize_code
from tests.devices.conftest import pair_device


def test_codes_are_short_unambiguous_and_stored_only_as_hashes(client, auth, world, engine):
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 9 and code[4] == "-" and all(ch in ALPHABET for ch in code.replace("-", ""))
    assert not set("0O1IL U") & set(ALPHABET)
    assert normalize_code(" k7qm-2xpa ") == "K7QM2XPA" and code_hash("k7qm2xpa") == code_hash("K7QM-2XPA")

    cluster = world.clusters_a[0]
    res = client.post(f"/api/v1/areas/{cluster.id}/pairing-code", headers=auth("operator_a"))
    assert res.status_code == 201
    body = res.json()
    assert body["cluster_id"] == cluster.id and body["expires_at"].endswith("+07:00")
    assert f"--code {body['code']}" in body["command"] and body["command"].startswith("loaxa agent pair --server ")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT code_hash FROM pairing_code")).scalars().all()
    assert stored == [code_hash(body["code"])] and body["code"] not in stored[0]


def test_pairing_answers_a_device_token_for_that_cluster_only(client, auth, world):
    a1, a2 = world.clusters_a
    paired = pair_device(client, auth, a1.id, name="Bộ thu SIM thôn 1")
    assert paired["cluster_id"] == a1.id and paired["cluster_name"] == a1.name
    assert paired["heartbeat_interval_s"] == 60 and paired["mqtt"] is None
    assert paired["server_time"].endswith("+07:00")
    headers = paired["headers"]
    today = "2026-01-01"
    # The token reads its own cluster, not another one.
    assert client.get(f"/api/v1/clusters/{a1.id}/alerts", headers=headers).status_code == 200
    assert client.get(f"/api/v1/clusters/{a2.id}/alerts", headers=headers).status_code in (403, 404)
    assert client.get(f"/api/v1/clusters/{a2.id}/playlists/{today}", headers=headers).status_code in (403, 404)
    # Pairing again adds a device; the first keeps working.
    second = pair_device(client, auth, a1.id)
    assert second["device_id"] != paired["device_id"]
    assert client.get(f"/api/v1/clusters/{a1.id}/alerts", headers=headers).status_code == 200
    devices = client.get(f"/api/v1/areas/{a1.id}/devices", headers=auth("operator_a")).json()
    assert {d["id"] for d in devices} == {paired["device_id"], second["device_id"]}
    assert {d["name"] for d in devices} == {"Bộ thu SIM thôn 1", None}


def test_a_used_code_is_409_and_an_unknown_one_404(client, auth, world):
    code = client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code", headers=auth("admin")).json()["code"]
    typed = code.replace("-", "").lower()  # without the hyphen, in lower case
    assert client.post("/api/v1/devices/pair", json={"code": typed}).status_code == 200
    again = client.post("/api/v1/devices/pair", json={"code": code})
    assert again.status_code == 409 and "đã được dùng" in again.json()["detail"]
    unknown = client.post("/api/v1/devices/pair", json={"code": "AAAA-AAAA"})
    assert unknown.status_code == 404 and "mã ghép nối" in unknown.json()["detail"]
    assert client.post("/api/v1/devices/pair", json={"code": "0O1I"}).status_code == 404


def test_an_expired_code_is_410(client, auth, world, engine):
    code = client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code", headers=auth("operator")).json()["code"]
    with session_scope(engine) as session:  # 16 minutes later
        for row in session.exec(select(PairingCode)):
            row.expires_at = now_utc() - timedelta(minutes=1)
            session.add(row)
    res = client.post("/api/v1/devices/pair", json={"code": code})
    assert res.status_code == 410 and "hết hạn" in res.json()["detail"]


def test_brute_force_is_stopped_per_client_address(client, auth, world, settings):
    limit = settings.pairing_max_failures
    for i in range(limit):
        res = client.post("/api/v1/devices/pair", json={"code": f"AAAA-AAA{ALPHABET[i]}"})
        assert res.status_code == 404
    blocked = client.post("/api/v1/devices/pair", json={"code": "BBBB-BBBB"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= settings.pairing_window_seconds
    assert "quá nhiều lần" in blocked.json()["detail"]
    # Even a valid code waits: guesses cannot be mixed with real codes to reset the count.
    code = client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code", headers=auth("admin")).json()["code"]
    assert client.post("/api/v1/devices/pair", json={"code": code}).status_code == 429


def test_parallel_guesses_cannot_slip_past_the_limit(client, world, settings):
    from concurrent.futures import ThreadPoolExecutor

    def guess(i: int) -> int:
        return client.post("/api/v1/devices/pair", json={"code": f"CCCC-C{i:03d}"[:9]}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert statuses.count(404) == settings.pairing_max_failures
    assert statuses.count(429) == 30 - settings.pairing_max_failures


def test_revoking_a_device_revokes_its_token(client, auth, world):
    a1 = world.clusters_a[0]
    paired = pair_device(client, auth, a1.id)
    assert client.delete(f"/api/v1/devices/{paired['device_id']}", headers=auth("operator_b")).status_code == 403
    assert client.delete(f"/api/v1/devices/{paired['device_id']}", headers=auth("operator_a")).status_code == 204
    res = client.get(f"/api/v1/clusters/{a1.id}/alerts", headers=paired["headers"])
    assert res.status_code == 401
    devices = client.get(f"/api/v1/areas/{a1.id}/devices", headers=auth("operator_a")).json()
    assert devices[0]["revoked_at"] is not None
    assert client.delete("/api/v1/devices/999999", headers=auth("admin")).status_code == 404


def test_a_code_is_only_made_for_a_cluster_in_scope(client, auth, world):
    assert client.post(f"/api/v1/areas/{world.commune_a.id}/pairing-code",
                       headers=auth("operator_a")).status_code == 422
    assert client.post(f"/api/v1/areas/{world.clusters_b[0].id}/pairing-code",
                       headers=auth("operator_a")).status_code == 403
    assert client.post(f"/api/v1/areas/{world.clusters_a[0].id}/pairing-code",
                       headers=auth("supervisor_a")).status_code == 403
