"""Emergencies: approving one puts it at the start of the current or next slot of every targeted cluster's
playlist for today, and it is listed in the cluster's alerts until its validity ends."""

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session

from core import tasks
from core.db import saved_id, session_scope
from core.timeutil import now_utc
from playlists.queries import current_playlist
from playlists.service import build_day
from tests.factories import device_headers
from tests.playlists.helpers import add_content, add_slot, make_mp3


@pytest.fixture
def day_of(settings):
    today = now_utc().astimezone(settings.tz).date()
    return today, today + timedelta(days=1)


@pytest.fixture
def built(engine, world, store, settings, day_of):
    """Province slots 06:00 and 17:00 (1 min each), four 10 s items; today and tomorrow built."""
    today, tomorrow = day_of
    add_slot(engine, world.province.id, "Sáng", time(6, 0), 1)
    add_slot(engine, world.province.id, "Chiều", time(17, 0), 1)
    for i in range(4):
        add_content(engine, f"Tin {i}", [world.province.id], make_mp3(store, 10, 300 + 60 * i))
    build_day(engine, day=today, tz=settings.tz)
    build_day(engine, day=tomorrow, tz=settings.tz)


def _slots(client, headers, cluster_id, day):
    response = client.get(f"/api/v1/clusters/{cluster_id}/playlists/{day.isoformat()}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _run_content_changed(engine, content_id, now: datetime):
    with session_scope(engine) as s:
        task = tasks.submit(s, "playlists.tasks:content_changed", title="khẩn cấp",
                            kwargs={"content_id": content_id, "now": now.isoformat()})
    done = tasks.wait(engine, saved_id(task), timeout=60)
    assert done.status == "done", done.error
    return done.result


def test_emergency_pre_empts_current_and_next_slots(client, engine, world, store, settings, auth, built, day_of):
    today, tomorrow = day_of
    op = auth("operator")
    before = _slots(client, op, world.clusters_a[0].id, today)
    b_before = _slots(client, op, world.clusters_b[0].id, today)
    siren = make_mp3(store, 8, 1000)
    storm = add_content(engine, "Cảnh báo bão số 3", [world.commune_a.id], siren, level="emergency",
                        valid_from=today, valid_until=tomorrow)
    # 06:00:15 local: the morning slot is on air, its second item (10 s - 20 s) is playing.
    now = datetime.combine(today, time(6, 0, 15), tzinfo=settings.tz)
    result = _run_content_changed(engine, storm, now)
    assert result["emergency_inserted"] and result["clusters"] == 2

    after = _slots(client, op, world.clusters_a[0].id, today)
    assert after["version"] == before["version"] + 1
    morning, evening = after["slots"]
    # Current slot: after the item playing now (not cut), at about 06:00:20.
    assert [i["title"] for i in morning["items"]][:3] == [before["slots"][0]["items"][0]["title"],
                                                          before["slots"][0]["items"][1]["title"],
                                                          "Cảnh báo bão số 3"]
    playing = before["slots"][0]["items"][1]
    assert datetime.fromisoformat(morning["items"][2]["starts_at"]) == (
        datetime.fromisoformat(playing["starts_at"]) + timedelta(milliseconds=playing["duration_ms"]))
    assert morning["items"][2]["level"] == "emergency" and morning["items"][2]["sha256"] == siren.sha256
    # Next slot: at its start.
    assert evening["items"][0]["title"] == "Cảnh báo bão số 3"
    assert evening["items"][0]["starts_at"] == evening["starts_at"]
    for slot in after["slots"]:  # the hard end holds: what did not fit gave way
        end = datetime.fromisoformat(slot["ends_at"])
        assert all(datetime.fromisoformat(i["starts_at"]) + timedelta(milliseconds=i["duration_ms"]) <= end
                   for i in slot["items"])
    # Commune B is not targeted: untouched.
    assert _slots(client, op, world.clusters_b[0].id, today)["etag"] == b_before["etag"]
    # Tomorrow (already built) is rebuilt with the emergency first in every slot.
    tomorrow_body = _slots(client, op, world.clusters_a[0].id, tomorrow)
    assert [s["items"][0]["title"] for s in tomorrow_body["slots"]] == ["Cảnh báo bão số 3"] * 2
    # Listed in the alerts of the targeted clusters only.
    device = device_headers(client, auth("admin"), world.clusters_a[0].id)
    alerts = client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/alerts", headers=device).json()
    assert [(a["content_id"], a["sha256"]) for a in alerts] == [(storm, siren.sha256)]
    assert alerts[0]["audio_url"].endswith(f"/media/{siren.sha256}.mp3")
    assert client.get(f"/api/v1/clusters/{world.clusters_b[0].id}/alerts", headers=op).json() == []
    # The device can fetch the alert audio and it is the right file.
    audio = client.get(alerts[0]["audio_url"].replace("http://testserver", ""))
    assert audio.status_code == 200 and audio.headers["etag"] == f'"{siren.sha256}"'


def test_expired_emergency_is_no_longer_an_alert(client, engine, world, store, auth, day_of):
    today, _ = day_of
    add_content(engine, "Lũ quét hôm qua", [world.province.id], make_mp3(store, 3, 1200), level="emergency",
                valid_from=today - timedelta(days=3), valid_until=today - timedelta(days=1))
    live = add_content(engine, "Cháy rừng", [world.province.id], make_mp3(store, 3, 1300), level="emergency",
                       valid_from=today, valid_until=today)
    alerts = client.get(f"/api/v1/clusters/{world.clusters_b[1].id}/alerts", headers=auth("operator")).json()
    assert [a["content_id"] for a in alerts] == [live]


def test_emergency_after_the_last_slot_goes_into_tomorrow_only(client, engine, world, store, settings, built, day_of):
    today, tomorrow = day_of
    with Session(engine) as s:
        before = current_playlist(s, world.clusters_a[0].id, today)
    storm = add_content(engine, "Cảnh báo", [world.province.id], make_mp3(store, 5, 1100), level="emergency",
                        valid_from=today, valid_until=tomorrow)
    result = _run_content_changed(engine, storm, datetime.combine(today, time(23, 0), tzinfo=settings.tz))
    assert not result["emergency_inserted"]  # no slot of today is still to come
    with Session(engine) as s:
        assert current_playlist(s, world.clusters_a[0].id, today).etag == before.etag
        assert current_playlist(s, world.clusters_a[0].id, tomorrow).version == 2


def _set_end(engine, content_id: int, ends_at: datetime) -> None:
    from campaigns.models import Content, ContentRevision

    with session_scope(engine) as s:
        content = s.get(Content, content_id)
        assert content is not None
        rev = s.get(ContentRevision, content.airing_revision_id)
        assert rev is not None
        content.ends_at = rev.ends_at = ends_at
        s.add_all([content, rev])


def test_an_emergency_stays_out_of_slots_starting_at_or_after_its_end(client, engine, world, store, settings, auth,
                                                                       day_of):
    today, _ = day_of
    add_slot(engine, world.province.id, "Sáng", time(6, 0), 1)
    add_slot(engine, world.province.id, "Chiều", time(17, 0), 1)
    storm = add_content(engine, "Lốc xoáy", [world.province.id], make_mp3(store, 5, 1400), level="emergency",
                        valid_from=today, valid_until=today)
    _set_end(engine, storm, datetime.combine(today, time(12, 0), tzinfo=settings.tz))
    build_day(engine, day=today, tz=settings.tz)
    morning, evening = _slots(client, auth("operator"), world.clusters_a[0].id, today)["slots"]
    assert morning["items"][0]["content_id"] == storm
    assert storm not in [i["content_id"] for i in evening["items"]]
    # Past its end it is no longer an alert; before it, it is.
    device = device_headers(client, auth("admin"), world.clusters_a[0].id)
    listed = client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/alerts", headers=device).json()
    assert [a["content_id"] for a in listed] == ([storm] if now_utc() < datetime.combine(
        today, time(12, 0), tzinfo=settings.tz) else [])
    _set_end(engine, storm, now_utc() - timedelta(minutes=1))
    assert client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/alerts", headers=device).json() == []
    _set_end(engine, storm, now_utc() + timedelta(minutes=5))
    listed = client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/alerts", headers=device).json()
    assert [a["content_id"] for a in listed] == [storm] and listed[0]["ends_at"].endswith("+07:00")
