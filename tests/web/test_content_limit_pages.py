"""One content length limit, stated in the form and the preview; over it the server refuses (never cuts) and
gives everything typed back, whether or not the page's script ran."""

import html

from campaigns.models import MAX_BODY_CHARS
from tests.web.test_content_pages import _new_campaign, _new_content


def test_over_the_limit_is_refused_with_every_character_given_back(client, world, web_login):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    form = client.get("/contents/new").text
    assert "maxlength=\"10000\"" not in form and 'data-maxchars="10000"' in form and "tối đa 10.000 ký tự" in form
    too_long = "Thông báo lịch tiêm phòng. " * 1900  # 51,300 characters, as pasted
    refused = _new_content(client, csrf, campaign_id, body=too_long)
    assert refused.status_code == 422
    assert "Nội dung dài 51.299 ký tự, vượt giới hạn 10.000 ký tự" in refused.text
    box = refused.text.split('name="body"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert html.unescape(box) == too_long  # every character given back, nothing cut
    preview = client.post("/preview/spoken", data={"body": too_long, "title": "Tin", "csrf_token": csrf}).text
    assert "vượt giới hạn 10.000 ký tự" in preview


def test_line_breaks_count_once_as_in_the_box(client, world, web_login):
    """A browser sends CRLF: 5,000 lines of one letter are 9,999 characters in the box, and fit."""
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    body = "\r\n".join(["a"] * 5000)
    assert len(body) > MAX_BODY_CHARS and len(body.replace("\r\n", "\n")) <= MAX_BODY_CHARS
    saved = _new_content(client, csrf, campaign_id, body=body)
    assert saved.status_code == 303, saved.text[:300]
