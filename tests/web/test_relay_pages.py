"""The relays page (add with the stream check's warning, edit, delete, who may use it) and the playlist
timeline's relay items and priority-clash note with the commune's reordering form."""

import re
from datetime import timedelta

from core.timeutil import now_utc
from tests.playlists.helpers import add_content, make_mp3, media_store, wait_tasks


def _relay_form(csrf, area_id, url, **extra):
    return {"csrf_token": csrf, "area_id": str(area_id), "name": "Thời sự VOV1", "stream_url": url,
            "start_time": "06:10", "duration_minutes": "15", "weekdays": [str(d) for d in range(7)], **extra}


def _wait_rebuilds(engine) -> None:
    wait_tasks(engine, "playlists.tasks:rebuild_areas")


def test_relays_page_add_with_warning_edit_and_delete(client, world, web_login, stream_server):
    csrf = web_login("operator_a")
    page = client.get(f"/relays?area_id={world.commune_a.id}")
    assert page.status_code == 200 and "Chưa có chương trình tiếp sóng nào." in page.text
    assert 'href="/relays?area_id=' in client.get(f"/slots?area_id={world.commune_a.id}").text
    added = client.post("/relays", data=_relay_form(csrf, world.commune_a.id, stream_server.down))
    assert added.status_code == 200
    assert "CẢNH BÁO" in added.text and "Không kết nối được" in added.text and 'class="msg warn"' in added.text
    assert "Cảnh báo</span>" in added.text and "06:10–06:25" in added.text
    relay_id = re.search(r"/relays/(\d+)/edit", added.text).group(1)
    edit = client.get(f"/relays/{relay_id}/edit")
    assert edit.status_code == 200 and "Lần kiểm tra gần nhất" in edit.text
    saved = client.post(f"/relays/{relay_id}", data={**_relay_form(csrf, world.commune_a.id,
                                                                   stream_server.url("live.mp3")),
                                                      "start_time": "18:00"})
    assert saved.status_code == 200 and "Đã lưu tiếp sóng" in saved.text and "Đạt</span>" in saved.text
    assert "18:00–18:15" in saved.text
    bad = client.post("/relays", data=_relay_form(csrf, world.commune_a.id, "ftp://127.0.0.1/x",
                                                  start_time="25:00"))
    assert bad.status_code == 422 and "Địa chỉ luồng" in bad.text
    deleted = client.post(f"/relays/{relay_id}/delete", data={"csrf_token": csrf})
    assert "Đã xóa tiếp sóng" in deleted.text
    web_login("supervisor_a")
    view = client.get("/relays")
    assert view.status_code == 200 and "Thêm tiếp sóng" not in view.text
    web_login("approver_a")
    assert client.get("/relays").status_code == 403


def test_timeline_shows_relays_and_lets_the_commune_reorder_clashing_priority_items(client, world, web_login,
                                                                                   engine, settings, stream_server):
    store = media_store(settings)
    today = now_utc().astimezone(settings.tz).date()
    province = add_content(engine, "Thông báo của tỉnh", [world.province.id], make_mp3(store, 2), level="priority",
                           valid_until=today + timedelta(days=1))
    own = add_content(engine, "Thông báo của xã", [world.commune_a.id], make_mp3(store, 3, 520), level="priority")
    csrf = web_login("operator_a")
    client.post("/slots", data={"csrf_token": csrf, "area_id": str(world.commune_a.id), "name": "Bản tin sáng",
                                "start_time": "06:00", "duration_minutes": "30",
                                "weekdays": [str(d) for d in range(7)]})
    client.post("/relays", data=_relay_form(csrf, world.commune_a.id, stream_server.url("live.mp3")))
    client.post("/playlists/build", data={"csrf_token": csrf, "area_id": str(world.commune_a.id),
                                          "day": today.strftime("%d/%m/%Y")})
    _wait_build(engine)
    cluster = world.clusters_a[0].id
    page = client.get(f"/playlists/{cluster}?day={today:%d/%m/%Y}").text
    assert 'class="badge relay"' in page and stream_server.url("live.mp3") in page and "Mở luồng" in page
    assert "Tin ưu tiên trùng khung giờ" in page and "thứ tự mặc định" in page and "Lưu thứ tự" in page
    assert page.index("Thông báo của tỉnh") < page.index("Thông báo của xã")
    done = client.post(f"/playlists/{cluster}/priority-order", data={
        "csrf_token": csrf, "slot_id": re.search(r'name="slot_id" value="(\d+)"', page).group(1),
        "day": today.strftime("%d/%m/%Y"), "for": "commune", "content_ids": [str(province), str(own)],
        f"pos_{province}": "2", f"pos_{own}": "1"})
    assert done.status_code == 200 and "Đã lưu thứ tự tin ưu tiên" in done.text
    _wait_rebuilds(engine)
    page = client.get(f"/playlists/{cluster}?day={today:%d/%m/%Y}").text
    assert "do operator_a sắp xếp" in page and "Về thứ tự mặc định" in page
    items = page[page.index('<ol class="items">'):]
    assert items.index("Thông báo của xã") < items.index("Thông báo của tỉnh")
    web_login("approver_a")
    seen = client.get(f"/playlists/{cluster}?day={today:%d/%m/%Y}").text
    assert "Tin ưu tiên trùng khung giờ" in seen and "Lưu thứ tự" not in seen
    assert client.post(f"/playlists/{cluster}/priority-order",
                       data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', seen).group(1),
                             "slot_id": "1", "day": today.strftime("%d/%m/%Y")}).status_code == 403


def _wait_build(engine) -> None:
    wait_tasks(engine, "playlists.tasks:build_day_task")
