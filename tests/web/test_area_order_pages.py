"""Areas in Vietnamese order wherever they are listed or chosen, a search that ignores tones, blank filter
fields meaning "not given", and names shown whole or cut at a word."""

import re

from core.areas import Area, AreaLevel
from core.db import session_scope
from tests.factories import area

NAMES = ["Xã Yên Bình", "Xã Đông Hà", "Xã Ân Thi", "Xã Ăn Cư", "Xã Bắc Hà", "Xã An Bình", "Xã Đa Phúc"]
ORDER = ["Xã An Bình", "Xã Ăn Cư", "Xã Ân Thi", "Xã Bắc Hà", "Xã Đa Phúc", "Xã Đông Hà", "Xã Gia Phú", "Xã Yên Bình"]


def _communes(engine, world) -> None:
    with session_scope(engine) as s:
        province = s.get(Area, world.province.id)
        for name in NAMES:
            commune = area(s, name, AreaLevel.commune, province)
            area(s, f"Cụm loa {name[3:]} 10", AreaLevel.cluster, commune)
            area(s, f"Cụm loa {name[3:]} 2", AreaLevel.cluster, commune)


def _in_order(text: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: text.index(n))


def test_pickers_and_lists_in_vietnamese_order(client, engine, world, web_login):
    _communes(engine, world)
    web_login("operator")
    for path in ("/airtime", "/playlists", "/slots", "/campaigns", "/areas", "/fleet", "/quotas"):
        page = client.get(path)
        assert page.status_code == 200, path
        select = page.text[page.text.index("<main"):]
        assert _in_order(select, ORDER) == ORDER, path
    # Brothers by name, numbers as numbers: cluster 2 before cluster 10 (ids as text put 10 first).
    playlists = client.get("/playlists").text
    assert playlists.index("Cụm loa Đông Hà 2") < playlists.index("Cụm loa Đông Hà 10")
    commune = client.get(f"/areas/{world.province.id}").text
    assert _in_order(commune, ORDER) == ORDER


def test_area_search_ignores_tones_and_marks(client, engine, world, web_login):
    _communes(engine, world)
    web_login("operator")
    def results(q: str) -> list[str]:
        page = client.get("/areas", params={"q": q}).text
        tree = page.split('class="tree root"')[1].split("</section>")[0]
        return re.findall(r'<a href="/areas/\d+">([^<]+)</a>', tree)

    assert results("dong ha") == ["Cụm loa Đông Hà 2", "Cụm loa Đông Hà 10", "Xã Đông Hà"]
    assert results("xa an") == ["Xã An Bình", "Xã Ăn Cư", "Xã Ân Thi"]


def test_blank_filter_fields_mean_not_given(client, world, web_login):
    web_login("supervisor")
    for path in ("/airtime?from=&to=&area_id=&campaign_id=", "/playlists?area_id=&day=", "/fleet?area_id=&state=",
                 "/contents?campaign_id=&status=&q=", "/slots?area_id=&week="):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert "không hợp lệ (nhập theo dạng" not in page.text and "msg err" not in page.text, path
    assert client.get("/api/v1/reports/airtime?from=&to=2026-01-01").status_code == 422  # the API unchanged


def test_unnumbered_directive_and_long_campaign_names(client, world, web_login):
    from tests.web.test_content_pages import _new_campaign

    csrf = web_login("operator_a")
    long_name = "Tuyên truyền phong trào thi đua yêu nước giai đoạn 2021-2025 trên địa bàn phường"
    _new_campaign(client, csrf, world, name=long_name, d_number="/KH-UBND")
    listing = client.get("/campaigns").text
    assert "…/KH-UBND (chưa ghi số)" in listing and long_name in listing
    airtime = client.get("/airtime").text
    assert ">Tuyên truyền phong trào thi đua yêu nước giai…</option>" in airtime  # at a word, with an ellipsis
    assert "giai đ<" not in airtime
