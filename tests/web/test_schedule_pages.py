"""Slots (week calendar, conflicts), building playlists with progress, and a cluster's timeline."""

import re
import time
from datetime import timedelta

from core.timeutil import now_utc
from tests.web.conftest import csrf_of
from tests.web.test_content_pages import _new_campaign, _new_content


def _slot(client, csrf, area_id, **extra):
    data = {"area_id": str(area_id), "name": "Bản tin sáng", "start_time": "06:00", "duration_minutes": "30",
            "weekdays": [str(d) for d in range(7)], "csrf_token": csrf, **extra}
    return client.post("/slots", data=data)


def test_slots_calendar_add_conflict_edit_delete(client, world, web_login):
    csrf = web_login("operator_a")
    page = client.get(f"/slots?area_id={world.commune_a.id}")
    assert page.status_code == 200 and "Chưa có khung giờ nào." in page.text
    added = _slot(client, csrf, world.commune_a.id)
    assert added.status_code == 200 and "Đã thêm khung giờ “Bản tin sáng” lúc 06:00." in added.text
    assert added.text.count('class="slot ') == 7  # one block per weekday
    clash = _slot(client, csrf, world.clusters_a[0].id, name="Tin thôn", start_time="06:15")
    assert clash.status_code == 409
    assert "chồng lên khung giờ" in clash.text and "Bản tin sáng" in clash.text
    bad_time = _slot(client, csrf, world.commune_a.id, name="Tối", start_time="25:00")
    assert bad_time.status_code == 422 and "Giờ bắt đầu" in bad_time.text
    # The cluster sees the commune's slot as inherited.
    cluster_page = client.get(f"/slots?area_id={world.clusters_a[0].id}").text
    assert "kế thừa" in cluster_page and 'class="slot inherited"' in cluster_page
    slot_id = re.search(r'/slots/(\d+)/edit', added.text).group(1)
    assert client.get(f"/slots/{slot_id}/edit").status_code == 200
    saved = client.post(f"/slots/{slot_id}", data={"name": "Bản tin sáng", "start_time": "05:30",
                                                   "duration_minutes": "45", "weekdays": ["0", "2", "4"],
                                                   "csrf_token": csrf})
    assert saved.status_code == 200 and "05:30 · 45 phút" in saved.text and saved.text.count('class="slot ') == 3
    deleted = client.post(f"/slots/{slot_id}/delete", data={"csrf_token": csrf})
    assert "Đã xóa khung giờ" in deleted.text
    web_login("approver_a")
    assert client.get("/slots").status_code == 403


def test_build_with_progress_then_timeline(client, world, web_login, settings, engine):
    from core.tasks import wait

    csrf = web_login("operator_a")
    _slot(client, csrf, world.commune_a.id)
    campaign_id = _new_campaign(client, csrf, world)
    today = now_utc().astimezone(settings.tz).date()  # the app's today, not the machine's (UTC) one
    created = _new_content(client, csrf, campaign_id, action="submit", valid_from=today.strftime("%d/%m/%Y"))
    content_id = int(created.headers["location"].rsplit("/", 1)[1])
    csrf = web_login("approver_a")
    client.post(f"/contents/{content_id}/approve", data={"csrf_token": csrf})
    deadline = time.monotonic() + 60
    while "<audio" not in client.get(f"/contents/{content_id}/audio-box").text:
        assert time.monotonic() < deadline, "render did not finish"
        time.sleep(0.3)

    csrf = web_login("operator_a")
    day = today + timedelta(days=1)
    listing = client.get(f"/playlists?area_id={world.commune_a.id}&day={day:%d/%m/%Y}").text
    assert "2 chưa có danh sách phát" in listing
    started = client.post("/playlists/build", data={"area_id": str(world.commune_a.id), "day": f"{day:%d/%m/%Y}",
                                                    "csrf_token": csrf})
    assert started.status_code == 200
    task_id = int(re.search(r'id="task-(\d+)"', started.text).group(1))
    assert wait(engine, task_id, timeout=60).status == "done"
    box = client.get(f"/tasks/{task_id}/progress").text
    assert 'data-status="done"' in box and "hx-get" not in box  # stops polling
    assert "Đã lập 2 danh sách phát" in box
    listing = client.get(f"/playlists?area_id={world.commune_a.id}&day={day:%d/%m/%Y}").text
    assert "0 chưa có danh sách phát" in listing
    timeline = client.get(f"/playlists/{world.clusters_a[0].id}?day={day:%d/%m/%Y}")
    assert timeline.status_code == 200
    assert "Tuyên truyền thi đua" in timeline.text and "#b3261e" in timeline.text
    src = re.search(r'<audio controls preload="none" src="(/media/[0-9a-f]{64}\.mp3)"', timeline.text).group(1)
    assert client.get(src).status_code == 200
    m3u8 = f"/api/v1/clusters/{world.clusters_a[0].id}/playlists/{day.isoformat()}.m3u8"
    assert m3u8 in timeline.text and f'{m3u8.removesuffix(".m3u8")}/bundle' in timeline.text
    # The session cookie is enough for the downloads (the API accepts the page's login).
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in client.get(m3u8).text
    assert client.get(m3u8.removesuffix(".m3u8") + "/bundle").content.startswith(b"PK")
    log_csv = (f"/api/v1/clusters/{world.clusters_a[0].id}/plays?format=csv&from={day.isoformat()}"
               f"&to={day.isoformat()}")
    assert log_csv in timeline.text
    assert client.get(log_csv).content.decode("utf-8-sig").startswith("seq,event_id,content_id,content_title")
    # A day without a playlist says so; another commune's cluster is refused.
    empty = client.get(f"/playlists/{world.clusters_a[0].id}?day={today + timedelta(days=5):%d/%m/%Y}")
    assert "Chưa có danh sách phát cho ngày này." in empty.text
    assert client.get(f"/playlists/{world.clusters_b[0].id}").status_code == 403
    assert csrf_of(timeline.text)


def test_build_refuses_a_bad_day(client, world, web_login):
    csrf = web_login("operator_a")
    response = client.post("/playlists/build", data={"area_id": str(world.commune_a.id), "day": "hôm qua",
                                                     "csrf_token": csrf})
    assert response.status_code == 422 and "Ngày: phải là ngày hợp lệ (dd/mm/yyyy)." in response.text
    web_login("supervisor")
    assert client.get("/playlists").status_code == 200
