"""Editing an emergency keeps its end in line: a level change clears or sets it, a moved period moves a
default end, a given end is checked, the same minute (what the web form shows) is no change."""

from datetime import datetime, time, timedelta

from core.timeutil import local_today
from tests.campaigns.helpers import API


def _patch(client, auth, content_id, **body):
    return client.patch(f"{API}/contents/{content_id}", json=body, headers=auth("operator_a"))


def test_the_end_follows_edits(client, auth, world, settings):
    today = local_today(settings.tz)
    made = client.post(f"{API}/contents", json={"title": "Sạt lở", "body": "Tránh xa taluy.", "level": "emergency",
                                                "area_ids": [world.commune_a.id]}, headers=auth("operator_a"))
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    later = _patch(client, auth, cid, valid_until=(today + timedelta(days=2)).isoformat())
    assert later.status_code == 200 and later.json()["ends_at"].startswith(f"{today + timedelta(days=2)}T23:59:59")
    noon = datetime.combine(today + timedelta(days=1), time(12, 0))
    set_end = _patch(client, auth, cid, ends_at=noon.isoformat())
    assert set_end.json()["ends_at"] == f"{noon.isoformat()}+07:00"
    same_minute = _patch(client, auth, cid, ends_at=noon.replace(second=30).isoformat())
    assert same_minute.json()["ends_at"] == f"{noon.isoformat()}+07:00"
    outside = _patch(client, auth, cid, ends_at=(noon + timedelta(days=5)).isoformat())
    assert outside.status_code == 422 and "thời gian hiệu lực" in outside.json()["detail"]
    normal = _patch(client, auth, cid, level="normal")
    assert normal.status_code == 200 and normal.json()["ends_at"] is None
    assert _patch(client, auth, cid, ends_at=noon.isoformat()).status_code == 422
    again = _patch(client, auth, cid, level="emergency")
    assert again.json()["ends_at"].startswith(f"{today + timedelta(days=2)}T23:59:59")
