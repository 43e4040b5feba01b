"""Bad input gets a clear 4xx and changes nothing."""

from datetime import timedelta

import pytest

from campaigns.models import MAX_BODY_CHARS
from tests.campaigns.helpers import API, content_body, create_campaign, create_content, today


def _count(client, headers) -> int:
    return int(client.get(f"{API}/contents?status=draft", headers=headers).headers["X-Total-Count"])


def _messages(response) -> str:
    body = response.json()
    return str(body.get("message", "")) + str(body["detail"])


@pytest.mark.parametrize(("body", "status", "says"), [
    ("", 422, "không được để trống"),
    ("   \n\t ", 422, "không được để trống"),
    ("x" * 50_000, 422, "vượt giới hạn 10.000 ký tự"),
    ("x" * (MAX_BODY_CHARS + 1), 422, "vượt giới hạn"),
    ("nul \x00 byte", 422, "ký tự điều khiển"),
])
def test_body_limits(client, world, auth, body, status, says):
    op = auth("operator_a")
    response = client.post(f"{API}/contents", json=content_body(body=body, area_ids=[world.commune_a.id]), headers=op)
    assert response.status_code == status
    assert says in _messages(response)
    assert _count(client, op) == 0


def test_a_body_at_the_limit_is_accepted(client, world, auth):
    item = create_content(client, auth("operator_a"), body="a " * (MAX_BODY_CHARS // 2), area_ids=[world.commune_a.id])
    assert len(item["body"]) == MAX_BODY_CHARS - 1  # trailing space trimmed


def test_the_limit_is_documented_in_the_schema(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ContentCreate"]["properties"]["body"]
    assert schema["maxLength"] == MAX_BODY_CHARS and schema["minLength"] == 1
    assert f"{MAX_BODY_CHARS:,}" in schema["description"]


def test_validity_must_end_after_it_starts(client, world, auth):
    op = auth("operator_a")
    bad = content_body(valid_from=str(today()), valid_until=str(today() - timedelta(days=1)),
                       area_ids=[world.commune_a.id])
    response = client.post(f"{API}/contents", json=bad, headers=op)
    assert response.status_code == 422 and "trước ngày bắt đầu" in _messages(response)
    item = create_content(client, op, area_ids=[world.commune_a.id])
    patch = client.patch(f"{API}/contents/{item['id']}", headers=op,
                         json={"valid_until": str(today() - timedelta(days=5))})
    assert patch.status_code == 422 and "trước ngày bắt đầu" in _messages(patch)
    assert client.get(f"{API}/contents/{item['id']}", headers=op).json()["valid_until"] == item["valid_until"]


def test_unknown_campaign_and_area(client, world, auth):
    op = auth("operator_a")
    response = client.post(f"{API}/contents", json=content_body(campaign_id=987654), headers=op)
    assert response.status_code == 422 and "987654" in response.json()["detail"]
    response = client.post(f"{API}/contents", json=content_body(area_ids=[world.commune_a.id, 876543]), headers=op)
    assert response.status_code == 422 and "876543" in response.json()["detail"]
    # Another province's campaign is as unknown as a missing one.
    other = create_campaign(client, auth("admin"), [world.other_province.id])
    response = client.post(f"{API}/contents", json=content_body(campaign_id=other["id"]), headers=op)
    assert response.status_code == 422
    assert _count(client, op) == 0


def test_area_outside_the_authors_subtree(client, world, auth):
    op = auth("operator_a")
    response = client.post(f"{API}/contents", json=content_body(area_ids=[world.other_cluster.id]), headers=op)
    assert response.status_code == 403
    assert "nằm ngoài phạm vi" in response.json()["detail"] and world.other_cluster.name in response.json()["detail"]
    response = client.post(f"{API}/contents", json=content_body(area_ids=[world.commune_a.id],
                                                                 unit_area_id=world.commune_b.id), headers=op)
    assert response.status_code == 403


def test_content_outside_its_campaigns_areas(client, world, auth):
    campaign = create_campaign(client, auth("operator"), [world.commune_a.id])
    response = client.post(f"{API}/contents", headers=auth("operator"),
                           json=content_body(campaign_id=campaign["id"], area_ids=[world.commune_b.id]))
    assert response.status_code == 422 and "không thuộc địa bàn của chiến dịch" in response.json()["detail"]


def test_expired_content_cannot_be_submitted(client, world, auth):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], valid_from=str(today() - timedelta(days=10)),
                          valid_until=str(today() - timedelta(days=1)))
    response = client.post(f"{API}/contents/{item['id']}/submit", headers=op)
    assert response.status_code == 422 and "hết hiệu lực" in response.json()["detail"]


def test_unknown_enum_and_absurd_dates(client, world, auth):
    op = auth("operator_a")
    assert client.post(f"{API}/contents", json=content_body(level="urgent"), headers=op).status_code == 422
    assert client.post(f"{API}/contents", json=content_body(valid_from="0001-01-01"), headers=op).status_code == 422
    assert client.post(f"{API}/contents", json=content_body(title="a\nb"), headers=op).status_code == 422
    assert client.get(f"{API}/contents/2147483648", headers=op).status_code == 422
    assert client.get(f"{API}/contents/5", headers=op).status_code == 404


def test_campaign_input(client, world, auth):
    op = auth("operator")
    base = {"name": "Thi đua", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "area_ids": [world.province.id]}
    for bad in ({**base, "ends_on": "2025-12-31"}, {**base, "area_ids": []}, {**base, "color": "red"},
                {**base, "target_minutes_per_week": -1}, {**base, "name": " "}):
        assert client.post(f"{API}/campaigns", json=bad, headers=op).status_code == 422, bad
    assert client.post(f"{API}/campaigns", json={**base, "area_ids": [999999]}, headers=op).status_code == 422
    unknown_day = client.post(f"{API}/campaigns", json={**base, "commemorations": ["ngay-khong-co"]}, headers=op)
    assert unknown_day.status_code == 422 and "thi-dua-ai-quoc" in unknown_day.json()["detail"]
    assert client.post(f"{API}/campaigns", json={**base, "directive_ids": [4242]}, headers=op).status_code == 422
    outside = client.post(f"{API}/campaigns", json={**base, "area_ids": [world.other_province.id]}, headers=op)
    assert outside.status_code == 403
    assert client.get(f"{API}/campaigns", headers=op).json() == []
