"""Campaigns, directives, content editor, workflow buttons, approval queue and history through the pages."""

import re
import time

from media.store import MediaStore
from tests.web.conftest import csrf_of

BODY = ("Thực hiện Kế hoạch số 205/KH-UBND ngày 28/4/2021 của UBND tỉnh, UBND xã đề nghị các thôn "
        "tổ chức tuyên truyền phong trào thi đua giai đoạn 2021-2025.")


def _new_campaign(client, csrf, world, **extra) -> int:
    data = {"name": "Thi đua yêu nước 2021-2025", "starts_on": "01/01/2021", "ends_on": "31/12/2030",
            "target_minutes_per_week": "30", "color": "#b3261e", "area_ids": [str(world.commune_a.id)],
            "d_number": "205/KH-UBND", "d_issuer": "UBND tỉnh Lào Cai", "d_title": "V/v phong trào thi đua",
            "d_issued_on": "28/04/2021", "csrf_token": csrf, **extra}
    response = client.post("/campaigns", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _new_content(client, csrf, campaign_id, action="save", **extra):
    data = {"title": "Tuyên truyền thi đua", "body": BODY, "campaign_id": str(campaign_id), "level": "normal",
            "kind": "news", "valid_from": "01/01/2025", "valid_until": "31/12/2030", "action": action,
            "csrf_token": csrf, **extra}
    return client.post("/contents", data=data, follow_redirects=False)


def test_campaign_with_new_directive_and_date_errors(client, world, web_login):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    page = client.get(f"/campaigns/{campaign_id}").text
    assert "Thi đua yêu nước 2021-2025" in page and "01/01/2021 – 31/12/2030" in page and "205/KH-UBND" in page
    assert "205/KH-UBND" in client.get("/campaigns/directives").text
    bad = client.post("/campaigns", data={"name": "X", "starts_on": "31/12/2025", "ends_on": "01/01/2025",
                                          "area_ids": [str(world.commune_a.id)], "csrf_token": csrf})
    assert bad.status_code == 422 and "trước ngày bắt đầu" in bad.text
    no_date = client.post("/campaigns", data={"name": "X", "starts_on": "32/13/2025", "ends_on": "01/01/2026",
                                              "area_ids": [str(world.commune_a.id)], "csrf_token": csrf})
    assert no_date.status_code == 422 and "Từ ngày: phải là ngày hợp lệ (dd/mm/yyyy)." in no_date.text
    web_login("supervisor")
    assert client.get("/campaigns").status_code == 200
    assert 'method="post" action="/campaigns"' not in client.get("/campaigns").text


def test_content_write_submit_approve_with_history(client, world, web_login, settings):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    assert client.get("/contents/new").status_code == 200
    empty = _new_content(client, csrf, campaign_id, body="   ")
    assert empty.status_code == 422 and "Nội dung không được để trống." in empty.text
    created = _new_content(client, csrf, campaign_id, action="submit")
    assert created.status_code == 303
    content_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/contents/{content_id}").text
    assert "Chờ duyệt" in page and "Đã gửi tin để duyệt." in page
    listed = client.get("/contents?status=submitted").text
    assert f"/contents/{content_id}" in listed
    assert f"/contents/{content_id}" not in client.get("/contents?status=draft").text

    # Four eyes: an operator cannot approve at all; the approver queue shows the spoken form.
    assert client.post(f"/contents/{content_id}/approve", data={"csrf_token": csrf}).status_code == 403
    csrf = web_login("approver_a")
    queue = client.get("/approvals").text
    assert "Tuyên truyền thi đua" in queue
    assert "Ủy ban nhân dân tỉnh" in queue  # the spoken form, not "UBND"
    no_reason = client.post(f"/contents/{content_id}/reject", data={"reason": " ", "back": "approvals",
                                                                    "csrf_token": csrf})
    assert no_reason.status_code == 422 and "Lý do từ chối không được để trống." in no_reason.text
    approved = client.post(f"/contents/{content_id}/approve", data={"back": "approvals", "csrf_token": csrf},
                           follow_redirects=False)
    assert approved.status_code == 303 and approved.headers["location"] == "/approvals"
    again = client.post(f"/contents/{content_id}/approve", data={"csrf_token": csrf})
    assert again.status_code == 409 and "Chỉ duyệt được tin đang chờ duyệt" in again.text

    # The audio box polls until the render is done, then shows the player.
    deadline = time.monotonic() + 60
    while True:
        box = client.get(f"/contents/{content_id}/audio-box").text
        if "<audio" in box or time.monotonic() > deadline:
            break
        assert "Đang tạo âm thanh" in box
        time.sleep(0.3)
    sha256 = re.search(r'<audio controls preload="none" src="/media/([0-9a-f]{64})\.mp3"', box).group(1)
    assert MediaStore(settings.media_dir).find(sha256) is not None
    assert client.get(f"/media/{sha256}.mp3").status_code == 200
    history = client.get(f"/contents/{content_id}").text
    for action in ("Soạn mới", "Gửi duyệt", "Duyệt"):
        assert action in history
    # The server's own render is a labelled system event, never "loaxa · render_done".
    assert "Hệ thống (tự động)" in history and "Đã có âm thanh" in history
    assert "render_done" not in history and "render_queued" not in history and ">loaxa<" not in history
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf})
    english = client.get(f"/contents/{content_id}").text
    assert "System (automatic)" in english and "Audio ready" in english and "render_done" not in english


def test_reject_with_reason_then_resubmit(client, world, web_login):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    content_id = int(_new_content(client, csrf, campaign_id, action="submit").headers["location"].rsplit("/", 1)[1])
    csrf = web_login("approver_a")
    rejected = client.post(f"/contents/{content_id}/reject", data={"reason": "Sai ngày tháng", "csrf_token": csrf})
    assert rejected.status_code == 200 and "Đã từ chối tin." in rejected.text and "Sai ngày tháng" in rejected.text
    csrf = web_login("operator_a")
    edited = client.post(f"/contents/{content_id}", data={
        "title": "Tuyên truyền thi đua (sửa)", "body": BODY, "campaign_id": str(campaign_id), "level": "priority",
        "kind": "news", "valid_from": "01/01/2025", "valid_until": "31/12/2030", "action": "submit",
        "csrf_token": csrf})
    assert edited.status_code == 200 and "Tuyên truyền thi đua (sửa)" in edited.text and "Chờ duyệt" in edited.text
    assert "Sai ngày tháng" in edited.text  # the reason stays in the history


def test_content_outside_scope_is_not_found(client, world, web_login):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    content_id = int(_new_content(client, csrf, campaign_id).headers["location"].rsplit("/", 1)[1])
    web_login("operator_b")
    response = client.get(f"/contents/{content_id}")
    assert response.status_code == 404 and "Không tìm thấy tin, bài" in response.text
    csrf = csrf_of(client.get("/contents").text)
    assert client.post(f"/contents/{content_id}/submit", data={"csrf_token": csrf}).status_code == 404


def test_upload_a_recording_or_get_a_clear_refusal(client, world, web_login, tmp_path):
    import subprocess

    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    content_id = int(_new_content(client, csrf, campaign_id).headers["location"].rsplit("/", 1)[1])
    junk = client.post(f"/contents/{content_id}/audio", data={"csrf_token": csrf},
                       files={"file": ("tin.mp3", b"not audio at all" * 100, "audio/mpeg")})
    assert junk.status_code == 422 and 'class="msg err"' in junk.text
    # Speech, as a recording is: a pure sine cannot reach the loudness target within the peak limit.
    wav = tmp_path / "doc.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "130", "-w", str(wav), "Xin chào bà con, đây là bản tin thử."],
                   check=True, timeout=60)
    ok = client.post(f"/contents/{content_id}/audio", data={"csrf_token": csrf},
                     files={"file": ("doc.wav", wav.read_bytes(), "audio/wav")})
    assert ok.status_code == 200 and "Đã tải bản ghi âm lên." in ok.text
    assert "Bản ghi âm" in ok.text and "<audio" in ok.text


def test_one_size_limit_refuses_on_both_doors(client, world, web_login, auth, settings, monkeypatch):
    """The API and the web form take the same limit from campaigns.recordings, state it, and refuse past it."""
    import campaigns.recordings
    from tests.campaigns.audio import short_mp3

    monkeypatch.setattr(campaigns.recordings, "MAX_UPLOAD_BYTES", 4096)
    data = short_mp3()
    assert len(data) > 4096
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    content_id = int(_new_content(client, csrf, campaign_id).headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/contents/{content_id}").text
    assert re.search(r'id="upload-limits">Tối đa 4 KB, 30 phút\.<', page), "the form states the limit"

    web = client.post(f"/contents/{content_id}/audio", data={"csrf_token": csrf},
                      files={"file": ("lon.mp3", data, "audio/mpeg")})
    assert web.status_code == 413 and 'class="msg err"' in web.text
    assert "Tệp ghi âm quá lớn: tối đa 4 KB." in web.text
    api = client.post(f"/api/v1/contents/{content_id}/audio", headers=auth("operator_a"),
                      files={"file": ("lon.mp3", data, "audio/mpeg")})
    assert api.status_code == 413 and api.json()["detail"] == "Tệp ghi âm quá lớn: tối đa 4 KB."
    assert list((settings.media_dir / "tmp").iterdir()) == []
    assert client.get(f"/api/v1/contents/{content_id}", headers=auth("operator_a")).json()["audio"] is None
