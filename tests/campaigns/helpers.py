"""Builders for campaign and content tests, all through the HTTP API."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

API = "/api/v1"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A paragraph of the Sa Pa directive (seeds/sapa-2021-cong-van-lao-dong-gioi-sang-tao.txt).
SEED_PARAGRAPH = ("Tăng cường thời lượng truyền thông về phong trào thi đua yêu nước, gương người tốt, việc tốt, "
                  "lao động giỏi, lao động sáng tạo trên hệ thống truyền thanh cơ sở.")


def today() -> date:
    return datetime.now(TZ).date()


def campaign_body(area_ids, **extra) -> dict:
    body = {"name": "Lao động giỏi – lao động sáng tạo", "starts_on": str(today() - timedelta(days=30)),
            "ends_on": str(today() + timedelta(days=365)), "area_ids": list(area_ids),
            "target_minutes_per_week": 30}
    body.update(extra)
    return body


def content_body(**extra) -> dict:
    body = {"title": "Phong trào thi đua", "body": SEED_PARAGRAPH, "level": "normal",
            "valid_from": str(today()), "valid_until": str(today() + timedelta(days=30))}
    body.update(extra)
    return body


def create_campaign(client, headers, area_ids, **extra) -> dict:
    response = client.post(f"{API}/campaigns", json=campaign_body(area_ids, **extra), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def create_content(client, headers, **extra) -> dict:
    response = client.post(f"{API}/contents", json=content_body(**extra), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def act(client, headers, content_id: int, action: str, json=None, expect: int = 200) -> dict:
    response = client.post(f"{API}/contents/{content_id}/{action}", json=json, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()
