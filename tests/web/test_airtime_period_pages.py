"""The airtime page says its period (the dashboard's), shows ratios without rounding up to the target, lists
cluster-days that never reported (also on the cluster's timeline), offers a Vietnamese CSV for people beside
the machine CSV, and says so when a day in the address cannot be read."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

from airtime.ingest import ingest_plays
from core.db import saved_id, session_scope
from core.timeutil import local_today
from tests.airtime.builders import TZ, PlanItem, event, local, make_campaign, make_content, make_playlist

MONDAY = date(2026, 3, 2)
PERIOD = "from=02/03/2026&to=08/03/2026"


def _week_of_airtime(engine, world) -> None:
    """One campaign, 60 minutes a week on cluster A1, 59.8 minutes aired; cluster A2 had a plan on Thursday
    and never reported."""
    a1, a2 = world.clusters_a
    with session_scope(engine) as s:
        campaign = make_campaign(s, "Phòng chống cháy rừng mùa khô", MONDAY, MONDAY + timedelta(days=30), target=60,
                                 area_ids=[a1.id])
        content = make_content(s, "Cảnh báo cháy rừng", campaign=campaign)
        thursday = MONDAY + timedelta(days=3)
        make_playlist(s, a2.id, thursday, [PlanItem(content, local(thursday, 6, 0), 60_000)])
        content_id = saved_id(content)
    events = [event(content_id, local(MONDAY + timedelta(days=n), 6, 0), 897_000) for n in range(4)]  # 59,8 min
    with session_scope(engine) as s:
        result = ingest_plays(s, cluster_id=a1.id, events=events, tz=TZ, now=datetime(2026, 3, 9, tzinfo=UTC))
        assert result.accepted == 4, result.errors


def test_ratio_unreported_days_and_both_csvs(client, engine, world, web_login):
    _week_of_airtime(engine, world)
    web_login("supervisor")
    page = client.get(f"/airtime?{PERIOD}").text
    assert "Kỳ báo cáo: 02/03/2026 – 08/03/2026" in page
    campaigns = page[page.index("<h2>Chiến dịch</h2>"):page.index("<h2>Địa bàn</h2>")]
    assert "Phòng chống cháy rừng mùa khô" in campaigns and "99,7%" in campaigns and "100%" not in campaigns
    assert 'badge submitted">99,7%' in campaigns  # the not-met colour, and a number that says it is not met
    unreported = page[page.index('id="unreported"'):page.index('id="silent"')]
    assert "Cụm loa - ngày không có báo cáo (1)" in unreported and "05/03/2026" in unreported
    assert f'href="/playlists/{world.clusters_a[1].id}?day=05/03/2026"' in unreported
    assert world.clusters_a[0].name not in unreported
    assert 'href="/airtime/export.vi.csv?from=2026-03-02&amp;to=2026-03-08' in page
    assert 'href="/airtime/export.csv?from=2026-03-02&amp;to=2026-03-08' in page

    people = client.get("/airtime/export.vi.csv?from=2026-03-02&to=2026-03-08")
    assert people.status_code == 200 and people.headers["content-type"].startswith("text/csv")
    assert people.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert people.headers["content-disposition"].endswith('.vi.csv"')
    lines = list(csv.reader(io.StringIO(people.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["STT", "Chiến dịch", "Kế hoạch (phút)", "Đã phát (phút)", "Chỉ tiêu (phút)", "Tỷ lệ đạt (%)",
                        "Từ ngày", "Đến ngày"]
    row = next(line for line in lines if line[1] == "Phòng chống cháy rừng mùa khô")
    assert row[0] == "1" and row[3:8] == ["59,8", "60,0", "99,7", "02/03/2026", "08/03/2026"]
    assert lines[-1][1] == "Tổng cộng"

    machine = client.get("/airtime/export.csv?from=2026-03-02&to=2026-03-08").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(machine)))
    assert list(rows[0]) == ["key", "label", "planned_seconds", "aired_seconds", "target_seconds", "compliance"]
    mine = next(r for r in rows if r["label"] == "Phòng chống cháy rừng mùa khô")
    assert mine["aired_seconds"] == "3588.0" and float(mine["compliance"]) == 3588 / 3600

    api = client.get("/api/v1/reports/airtime?from=2026-03-02&to=2026-03-08&format=csv_vi")
    assert api.status_code == 200 and "Tỷ lệ đạt (%)" in api.content.decode("utf-8-sig")

    timeline = client.get(f"/playlists/{world.clusters_a[1].id}?day=05/03/2026").text
    assert 'id="day-unreported"' in timeline and 'id="unreported"' in timeline
    assert 'id="day-unreported"' not in client.get(f"/playlists/{world.clusters_a[1].id}?day=04/03/2026").text


def test_default_period_is_the_dashboards_and_is_stated(client, world, web_login):
    web_login("supervisor")
    today = local_today(TZ)
    period = f"{today - timedelta(days=7):%d/%m/%Y} – {today - timedelta(days=1):%d/%m/%Y}"
    assert f"Kỳ báo cáo: {period}" in client.get("/airtime").text
    behind = client.get("/").text.split('id="panel-behind"')[1].split("</section>")[0]
    assert f"Kỳ báo cáo: {period}" in behind
    link = f'href="/airtime?from={today - timedelta(days=7):%d/%m/%Y}&amp;to={today - timedelta(days=1):%d/%m/%Y}"'
    assert link in behind


def test_a_day_that_cannot_be_read_is_said_not_replaced_silently(client, world, web_login):
    web_login("operator_a")
    today = local_today(TZ)
    for path in ("/playlists?day=31/02/2026", f"/playlists/{world.clusters_a[0].id}?day=hôm-qua",
                 "/slots?week=2026-13-01", "/quotas?on=99/99/9999", "/airtime?from=abc&to=08/03/2026"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "không hợp lệ (nhập theo dạng dd/mm/yyyy" in page.text, path
    assert "đang hiển thị ngày 02/03/2026" in client.get("/airtime?from=abc&to=08/03/2026").text
    assert f"đang hiển thị ngày {today:%d/%m/%Y}" in client.get("/playlists?day=31/02/2026").text
    assert "không hợp lệ" not in client.get(f"/playlists?day={today:%d/%m/%Y}").text
    export = client.get("/airtime/export.csv?from=abc&to=2026-03-08")
    assert export.status_code == 422 and "Ngày “abc” không hợp lệ" in export.text
