"""Emergencies through the pages: the form's safe defaults, the reach on the approval queue and the content
page, and the "Kết thúc ngay" button."""

import re

from sqlmodel import Session

from campaigns.models import Content, ContentRevision
from core.timeutil import local_today
from tests.playlists.helpers import make_mp3, media_store
from tests.web.conftest import csrf_of

BODY = "Bão số 3 đang vào bờ, bà con khẩn trương chằng chống nhà cửa và sơ tán khỏi vùng nguy hiểm."


def _compose(client, csrf, **extra):
    data = {"title": "Cảnh báo bão số 3", "body": BODY, "level": "emergency", "kind": "announcement",
            "valid_from": "", "valid_until": "", "ends_at": "", "action": "submit", "csrf_token": csrf, **extra}
    return client.post("/contents", data=data, follow_redirects=False)


def test_emergency_form_defaults_reach_and_end_now(client, world, web_login, engine, settings):
    today = local_today(settings.tz)
    csrf = web_login("operator_a")
    form = client.get("/contents/new?level=emergency").text
    assert 'name="valid_until" value=""' in form and 'name="ends_at"' in form
    assert re.search(r'<option value="emergency" selected', form)
    # No area ticked: refused with a Vietnamese message, nothing saved.
    refused = _compose(client, csrf)
    assert refused.status_code == 422 and "phải chọn rõ địa bàn" in refused.text
    made = _compose(client, csrf, area_ids=[str(world.commune_a.id)])
    assert made.status_code == 303, made.text
    content_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/contents/{content_id}").text
    assert f"{today:%d/%m/%Y} – {today:%d/%m/%Y}" in page  # valid today only
    assert f"kết thúc lúc {today:%d/%m/%Y} 23:59" in page
    # The approver sees the reach before approving.
    web_login("approver_a")
    queue = client.get("/approvals").text
    box = re.search(r"<div class=\"msg warn reach\" data-reach>(.*?)</div>", queue, re.S).group(1)
    assert re.search(r"data-communes>1<", box) and re.search(r"data-clusters>2<", box)
    assert re.search(r"data-first>\d{2}/\d{2}/\d{4} \d{2}:\d{2}<", box)
    assert re.search(r"data-last>\d{2}/\d{2}/\d{4} \d{2}:\d{2}<", box)
    assert f"data-ends>{today:%d/%m/%Y} 23:59<" in box
    # Approved (with audio standing in for the render), then ended from its page by the approver.
    store = media_store(settings)
    audio = make_mp3(store, 2, 1700)
    with Session(engine) as s:
        rev = s.get(ContentRevision, s.get(Content, content_id).latest_revision_id)
        rev.audio_sha256, rev.audio_ext, rev.audio_duration_ms = audio.sha256, audio.ext, audio.duration_ms
        s.add(rev)
        s.commit()
    approved = client.post(f"/contents/{content_id}/approve", data={"csrf_token": csrf_of(queue)},
                           follow_redirects=False)
    assert approved.status_code == 303
    page = client.get(f"/contents/{content_id}").text
    assert 'id="end-now"' in page and "Kết thúc ngay" in page
    ended = client.post(f"/contents/{content_id}/end", data={"csrf_token": csrf_of(page), "reason": "Bão đã qua"},
                        follow_redirects=False)
    assert ended.status_code == 303
    page = client.get(f"/contents/{content_id}").text
    assert "Tin khẩn cấp đã kết thúc lúc" in page and 'id="end-now"' not in page and "Bão đã qua" in page
    # A supervisor sees no button and may not end it.
    web_login("supervisor_a")
    assert 'id="end-now"' not in client.get(f"/contents/{content_id}").text
