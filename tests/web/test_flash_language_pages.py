"""Flash messages (the notes after an action) speak the page's language: English after the switch, with the
user's own names kept as typed, and Vietnamese again after switching back."""

import re

from tests.web.test_admin_pages import _user_id
from tests.web.test_schedule_pages import _slot


def _english(client, csrf: str) -> None:
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf})


def test_slot_flashes_follow_the_language_switch(client, world, web_login):
    csrf = web_login("operator_a")
    _english(client, csrf)
    added = _slot(client, csrf, world.commune_a.id)
    assert added.status_code == 200 and '<html lang="en">' in added.text
    assert "Added the slot “Bản tin sáng” at 06:00." in added.text
    assert "Đã thêm khung giờ" not in added.text
    slot_id = re.search(r"/slots/(\d+)/edit", added.text).group(1)
    saved = client.post(f"/slots/{slot_id}", data={"name": "Bản tin trưa", "start_time": "11:00",
                                                   "duration_minutes": "30", "weekdays": ["0"], "csrf_token": csrf})
    assert "Saved the slot “Bản tin trưa”." in saved.text
    client.post("/lang", data={"lang": "vi", "next": "/", "csrf_token": csrf})
    deleted = client.post(f"/slots/{slot_id}/delete", data={"csrf_token": csrf})
    assert "Đã xóa khung giờ “Bản tin trưa”." in deleted.text and "Deleted the slot" not in deleted.text


def test_each_case_of_a_conditional_flash_is_english(client, world, web_login):
    """Saving a user once joined Vietnamese fragments ("; đặt lại mật khẩu"): each case is now one sentence."""
    csrf = web_login("admin")
    uid = _user_id(client, "operator_b")
    _english(client, csrf)
    form = {"full_name": "Lò Văn Bình", "role": "operator", "area_id": str(world.commune_b.id), "csrf_token": csrf}
    reset = client.post(f"/users/{uid}", data={**form, "is_active": "true", "password": "mat-khau-moi-2"})
    assert "Saved user operator_b; password reset." in reset.text
    locked = client.post(f"/users/{uid}", data=form)
    assert "Saved user operator_b; the account is locked." in locked.text
    assert "đặt lại mật khẩu" not in reset.text + locked.text and "tài khoản đang bị khóa" not in locked.text


def test_a_bad_day_in_the_address_is_explained_in_english(client, world, web_login):
    csrf = web_login("supervisor")
    _english(client, csrf)
    page = client.get("/airtime?to=31/02/2026")
    assert page.status_code == 200
    assert re.search(r"The date “31/02/2026” is not valid \(type it as dd/mm/yyyy, for example \d\d/\d\d/\d{4}\); "
                     r"showing \d\d/\d\d/\d{4} instead\.", page.text), page.text[:3000]


def test_an_unknown_command_is_refused_in_words_not_a_python_error(client, world, web_login):
    csrf = web_login("operator_a")
    sent = client.post("/fleet/commands", data={"csrf_token": csrf, "type": "reboot",
                                                "area_ids": [str(world.commune_a.id)]}, follow_redirects=True)
    assert "Không có lệnh “reboot”." in sent.text and "CommandType" not in sent.text
    _english(client, csrf)
    sent = client.post("/fleet/commands", data={"csrf_token": csrf, "type": "volume", "volume": "55",
                                                "area_ids": [str(world.commune_a.id)]}, follow_redirects=True)
    assert "Sent the command “Set volume” to 2 clusters." in sent.text


def test_the_dashboards_notes_follow_the_language_switch(client, world, web_login):
    csrf = web_login("supervisor")
    assert "Kỳ báo cáo:" in client.get("/").text and "Cảnh báo đang mở:" in client.get("/").text
    _english(client, csrf)
    page = client.get("/").text
    assert "Reporting period:" in page and "Open alarms: 0" in page
    assert "Kỳ báo cáo" not in page and "Cảnh báo đang mở" not in page
