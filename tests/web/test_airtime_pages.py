"""Airtime page, chart images, exports, and the dashboard's four panels."""

from datetime import datetime

import pytest

from airtime.ingest import ingest_plays
from core.db import session_scope
from tests.airtime.builders import TZ, event, make_content
from tests.web.test_content_pages import _new_campaign, _new_content


def test_airtime_page_charts_and_exports(client, world, web_login):
    csrf = web_login("operator_a")
    _new_campaign(client, csrf, world)
    web_login("supervisor")
    page = client.get("/airtime?from=01/01/2026&to=31/01/2026")
    assert page.status_code == 200
    assert "Thi đua yêu nước 2021-2025" in page.text  # a campaign row with its target
    assert 'src="/airtime/chart/weekly.png?from=2026-01-01&amp;to=2026-01-31&amp;area_id=' in page.text
    for chart in ("weekly", "area"):
        png = client.get(f"/airtime/chart/{chart}.png?from=2026-01-01&to=2026-01-31")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
    magic = {"csv": b"", "xlsx": b"PK", "pdf": b"%PDF"}
    for fmt, start in magic.items():
        response = client.get(f"/airtime/export.{fmt}?from=2026-01-01&to=2026-01-31")
        assert response.status_code == 200, fmt
        assert response.content.startswith(start)
        assert "attachment" in response.headers["content-disposition"]
    csv_text = client.get("/airtime/export.csv?from=2026-01-01&to=2026-01-31").content.decode("utf-8-sig")
    assert "Thi đua yêu nước 2021-2025" in csv_text
    bad = client.get("/airtime?from=31/01/2026&to=01/01/2026")
    assert bad.status_code == 200 and "Kỳ báo cáo không hợp lệ" in bad.text
    assert client.get("/airtime/export.doc").status_code == 404


@pytest.mark.parametrize("username", ["operator_a", "approver_a", "supervisor"])
def test_dashboard_counts(client, world, web_login, username):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    _new_content(client, csrf, campaign_id, action="submit")
    web_login(username)
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert 'id="panel-approvals"' in text and "Tuyên truyền thi đua" in text
    # No playlists were built: every cluster in scope is missing tomorrow's.
    clusters = 2 if username.endswith("_a") else 4
    missing = text.split('id="panel-missing"')[1].split("</section>")[0]
    assert f'<span class="big">{clusters}</span>' in missing
    assert 'id="panel-behind"' in text and 'id="panel-silent"' in text


def test_areas_with_nothing_planned_or_aired_fold_into_one_line(client, engine, world, web_login):
    with session_scope(engine) as s:
        content = make_content(s, "Tin phòng chống dịch")
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=world.clusters_a[0].id, tz=TZ,
                     events=[event(content.id, datetime(2026, 1, 10, 6, 0, tzinfo=TZ), 90_000)])
    web_login("supervisor")
    page = client.get("/airtime?from=01/01/2026&to=31/01/2026").text
    areas = page[page.index("<h2>Địa bàn</h2>"):page.index('id="anomalies"')]
    table, idle = areas.split('id="idle-areas"')
    assert world.commune_a.name in table and "1,5" in table  # 90 s aired: 1,5 minutes
    assert world.commune_b.name not in table
    assert "1 địa bàn không có kế hoạch, không phát trong kỳ" in idle and world.commune_b.name in idle
