"""Navigation: each role's menu reaches every page it may use and no link on any page it can reach leads to
a refusal; the commemorative days page; the dashboard's items link to where the problem is fixed."""

import re
from collections import deque

import pytest

from tests.web.test_content_pages import _new_campaign, _new_content
from tests.web.test_quota_pages import _rule

HREF = re.compile(r'href="(/[^"#]*)')
NAV = re.compile(r'<nav aria-label="menu">(.*?)</nav>', re.S)
MENU = {
    "operator_a": {"/", "/areas", "/campaigns", "/contents", "/quotas", "/slots", "/playlists", "/airtime",
                   "/fleet", "/lexicon"},
    "approver_a": {"/", "/campaigns", "/contents", "/approvals", "/quotas", "/playlists", "/airtime", "/fleet"},
    "supervisor": {"/", "/areas", "/campaigns", "/contents", "/quotas", "/slots", "/playlists", "/airtime", "/fleet"},
    "admin": {"/", "/areas", "/campaigns", "/contents", "/approvals", "/quotas", "/slots", "/playlists", "/airtime",
              "/fleet", "/lexicon", "/users"},
}
MAX_PAGES = 150


@pytest.mark.parametrize("username", list(MENU))
def test_menu_and_every_reachable_link_work_for_the_role(client, world, web_login, username):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    _new_content(client, csrf, campaign_id, action="submit", kind="exemplar")
    csrf = web_login("operator")
    _rule(client, csrf, world)
    web_login(username)
    home = client.get("/").text
    menu = set(HREF.findall(NAV.search(home).group(1)))
    assert menu == MENU[username]
    seen, queue, refused = set(), deque(sorted(menu)), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft().replace("&amp;", "&")
        kind = _kind(url)  # one visit per page and set of parameters: not every day of the calendar
        if kind in seen or url.startswith(("/static/", "/login", "/media/")):
            continue
        seen.add(kind)
        response = client.get(url)
        if response.status_code != 200:
            refused.append((url, response.status_code))
            continue
        if response.headers["content-type"].startswith("text/html"):
            queue.extend(h for h in HREF.findall(response.text) if _kind(h.replace("&amp;", "&")) not in seen)
    assert not refused, f"{username} is shown links it cannot use: {refused}"
    assert len(seen) > len(menu)


def _kind(url: str) -> tuple[str, tuple[str, ...]]:
    path, _, query = url.partition("?")
    return path, tuple(sorted(p.split("=", 1)[0] for p in query.split("&") if p))


def test_commemorations_page(client, world, web_login):
    web_login("approver_a")
    assert 'href="/campaigns/commemorations"' in client.get("/campaigns").text
    page = client.get("/campaigns/commemorations?year=2026")
    assert page.status_code == 200
    text = page.text
    assert "Ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc" in text and "11/06/2026" in text
    assert "kỷ niệm 78 năm" in text  # 1948 -> 2026
    assert "Tết Nguyên Đán" in text and "17/02/2026" in text and "Nghỉ lễ" in text  # statutory, from `holidays`
    assert "(Lào Cai)" in text  # a regional day says where
    assert text.index("01/01/2026") < text.index("11/06/2026") < text.index("02/09/2026")
    assert 'href="/campaigns/commemorations?year=2025"' in text and 'href="/campaigns/commemorations?year=2027"' in text
    assert client.get("/campaigns/commemorations?year=99999").status_code == 200  # clamped, no crash
    assert client.get("/campaigns/commemorations?year=abc").status_code == 422


def test_commemoration_lists_the_campaigns_building_toward_it(client, world, web_login, auth):
    created = client.post("/api/v1/campaigns", headers=auth("operator_a"), json={
        "name": "Chào mừng 11/6", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "area_ids": [world.commune_a.id], "commemorations": ["thi-dua-ai-quoc"]})
    assert created.status_code == 201, created.text
    web_login("supervisor")
    row = client.get("/campaigns/commemorations?year=2026").text.split('id="day-thi-dua-ai-quoc"')[1].split("</tr>")[0]
    assert f'href="/campaigns/{created.json()["id"]}">Chào mừng 11/6</a>' in row
    campaign = client.get(f"/campaigns/{created.json()['id']}").text
    assert "/campaigns/commemorations?year=" in campaign and "#day-thi-dua-ai-quoc" in campaign


def test_dashboard_items_link_to_where_they_are_fixed(client, world, web_login, auth):
    web_login("operator_a")
    page = client.get("/").text
    missing = page.split('id="panel-missing"')[1].split("</section>")[0]
    # Each cluster without tomorrow's playlist opens its commune's playlists page, where "build" is.
    links = re.findall(r'href="(/playlists\?area_id=(\d+)&amp;day=[^"]+)"', missing)
    assert links and {int(area) for _, area in links} == {world.commune_a.id}
    target = client.get(links[0][0].replace("&amp;", "&")).text
    assert 'id="build-button"' in target
    created = client.post("/api/v1/campaigns", headers=auth("operator_a"), json={
        "name": "Chiến dịch chậm", "starts_on": "2020-01-01", "ends_on": "2030-12-31",
        "area_ids": [world.commune_a.id], "target_minutes_per_week": 30})
    assert created.status_code == 201, created.text
    behind = client.get("/").text.split('id="panel-behind"')[1].split("</section>")[0]
    assert f'href="/campaigns/{created.json()["id"]}">Chiến dịch chậm</a>' in behind and "0%" in behind
    assert "Soạn tin mới" in client.get(f"/campaigns/{created.json()['id']}").text
