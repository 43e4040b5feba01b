"""The approval queue plays the audio rendered on submission next to the text and its spoken form, and its
"Duyệt" approves exactly that file; the editor's "Nghe thử" renders the words as they will air and plays them."""

import re
import time

from core.files import file_sha256
from media.store import MediaStore
from tests.web.conftest import csrf_of
from tests.web.test_content_pages import _new_campaign, _new_content


def _approval_box(client, content_id: int) -> str:
    deadline = time.monotonic() + 90
    while True:
        box = client.get(f"/contents/{content_id}/approval-box").text
        if "<audio" in box or time.monotonic() > deadline:
            return box
        assert "Đang tạo âm thanh" in box and "disabled" in box  # no approving before hearing
        time.sleep(0.3)


def test_the_queue_plays_the_audio_that_approval_airs(client, world, web_login, settings):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    created = _new_content(client, csrf, campaign_id, action="submit")
    content_id = int(created.headers["location"].rsplit("/", 1)[1])

    csrf = web_login("approver_a")
    box = _approval_box(client, content_id)
    sha = re.search(r'<audio controls preload="none" src="/media/([0-9a-f]{64})\.mp3"', box).group(1)
    assert f'name="audio_sha256" value="{sha}"' in box and "disabled" not in box
    queue = client.get("/approvals").text
    assert f"/media/{sha}.mp3" in queue and "Ủy ban nhân dân tỉnh" in queue and "205/KH-UBND" in queue
    assert file_sha256(MediaStore(settings.media_dir).path_for(sha, "mp3")) == sha

    stale = client.post(f"/contents/{content_id}/approve", data={"audio_sha256": "f" * 64, "csrf_token": csrf})
    assert stale.status_code == 409 and "hãy nghe lại" in stale.text
    approved = client.post(f"/contents/{content_id}/approve",
                           data={"audio_sha256": sha, "back": "approvals", "csrf_token": csrf_of(queue)},
                           follow_redirects=False)
    assert approved.status_code == 303
    airing = client.get(f"/contents/{content_id}").text
    assert f"/media/{sha}.mp3" in airing


def test_listen_in_the_editor_renders_what_will_air(client, world, web_login, settings):
    csrf = web_login("operator_a")
    form = {"title": "Tiêm chủng", "body": "Chiều nay trạm y tế xã tiêm chủng từ 14h.", "level": "normal",
            "preview_area_id": str(world.commune_a.id)}
    editor = client.get("/contents/new").text
    assert 'hx-post="/preview/audio"' in editor and "Nghe thử" in editor
    heard = client.post("/preview/audio", data=form, headers={"X-CSRF-Token": csrf})
    assert heard.status_code == 200, heard.text[-500:]
    sha = re.search(r'src="/media/([0-9a-f]{64})\.mp3"', heard.text).group(1)
    assert client.get(f"/media/{sha}.mp3").status_code == 200
    urgent = client.post("/preview/audio", data={**form, "level": "emergency"}, headers={"X-CSRF-Token": csrf})
    urgent_sha = re.search(r'src="/media/([0-9a-f]{64})\.mp3"', urgent.text).group(1)
    assert urgent_sha != sha  # the emergency is framed: tone, read twice
    empty = client.post("/preview/audio", data={**form, "body": " "}, headers={"X-CSRF-Token": csrf})
    assert empty.status_code == 200 and "Nhập tiêu đề và nội dung" in empty.text

    # The same words submitted render the same file the operator heard.
    campaign_id = _new_campaign(client, csrf, world)
    created = _new_content(client, csrf, campaign_id, action="submit", title=form["title"], body=form["body"],
                           area_ids=[str(world.commune_a.id)])
    content_id = int(created.headers["location"].rsplit("/", 1)[1])
    web_login("approver_a")
    box = _approval_box(client, content_id)
    assert f"/media/{sha}.mp3" in box
    approver_csrf = csrf_of(client.get("/approvals").text)
    only_operators = client.post("/preview/audio", data=form, headers={"X-CSRF-Token": approver_csrf})
    assert only_operators.status_code == 403
