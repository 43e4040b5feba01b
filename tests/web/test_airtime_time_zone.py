"""The airtime page, its exports and the report API follow LOAXA_TIMEZONE, not a hard-coded Hà Nội.

The deployment here runs in a zone whose calendar day differs from Hà Nội's at the moment the test
runs, so a report date taken in the wrong zone shows up as a wrong day.
"""

import io
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.db import session_scope
from tests.airtime.builders import event, make_content

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 1, 10)


def _zone_on_another_day() -> str:
    """A zone whose date is not Hà Nội's now and for at least the next hour.

    UTC-12 is a day behind Hà Nội from Hà Nội's midnight to 19:00; UTC+14 a day ahead from 17:00.
    """
    return "Etc/GMT+12" if datetime.now(HANOI).hour < 18 else "Pacific/Kiritimati"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"timezone": _zone_on_another_day()})


def _decree_date(day: date) -> str:
    """'ngày 05 tháng 01 năm 2026': a zero before days < 10 and months 1-2 (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def _today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


def _xlsx_heading(data: bytes) -> str:
    ws = load_workbook(io.BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    return " ".join(str(c.value) for row in ws.iter_rows(max_row=8) for c in row if isinstance(c.value, str))


def _pdf_text(data: bytes) -> str:
    return unicodedata.normalize("NFC", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def test_airtime_page_exports_and_api_follow_the_configured_time_zone(client, engine, world, settings, auth,
                                                                      web_login):
    tz = settings.tz
    assert tz.key != HANOI.key
    # A play near local midnight: on DAY in the deployment's zone, on another day in Hà Nội.
    late, early = datetime(2026, 1, 10, 23, 50, tzinfo=tz), datetime(2026, 1, 10, 0, 10, tzinfo=tz)
    started_at = late if late.astimezone(HANOI).date() != DAY else early
    assert started_at.astimezone(HANOI).date() != DAY
    with session_scope(engine) as s:
        content = make_content(s, "Tin giữa đêm")
    posted = client.post(f"/api/v1/clusters/{world.clusters_a[0].id}/plays", headers=auth("admin"),
                         json={"events": [event(content.id, started_at, 90_000)]})
    assert posted.status_code == 200, posted.text

    zone_days = {_today(tz)}
    hanoi_days = {_today(HANOI)}

    # The play counts on its local day, in the API and on the page.
    day_rows = client.get("/api/v1/reports/airtime", headers=auth("supervisor"),
                          params={"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "day"}).json()["rows"]
    assert [(r["key"], r["aired_seconds"]) for r in day_rows] == [(DAY.isoformat(), 90)]
    web_login("supervisor")
    page = client.get(f"/airtime?from={DAY:%d/%m/%Y}&to={DAY:%d/%m/%Y}").text
    areas = page[page.index("<h2>Địa bàn</h2>"):page.index('id="anomalies"')]
    assert world.commune_a.name in areas and "1,5" in areas  # 90 s aired: 1,5 minutes

    # The exports are dated in the deployment's zone ("Lào Cai, ngày ... tháng ... năm ...").
    period = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    web_xlsx = client.get("/airtime/export.xlsx", params={**period, "group_by": "area"})
    web_pdf = client.get("/airtime/export.pdf", params={**period, "group_by": "campaign"})
    api_xlsx = client.get("/api/v1/reports/airtime", headers=auth("supervisor"), params={**period, "format": "xlsx"})
    api_pdf = client.get("/api/v1/reports/airtime", headers=auth("supervisor"), params={**period, "format": "pdf"})
    for response in (web_xlsx, web_pdf, api_xlsx, api_pdf):
        assert response.status_code == 200, response.text
    zone_days.add(_today(tz))
    hanoi_days.add(_today(HANOI))
    assert not zone_days & hanoi_days

    ws = load_workbook(io.BytesIO(web_xlsx.content)).active
    assert any(row[1] == world.commune_a.name and row[3] == 1.5 for row in ws.iter_rows(values_only=True))
    for heading in (_xlsx_heading(web_xlsx.content), _xlsx_heading(api_xlsx.content),
                    _pdf_text(web_pdf.content), _pdf_text(api_pdf.content)):
        assert any(_decree_date(d) in heading for d in zone_days), heading
        assert not any(_decree_date(d) in heading for d in hanoi_days), heading
    # The chart appendix names the report's date too.
    for pdf in (web_pdf.content, api_pdf.content):
        text = _pdf_text(pdf)
        assert any(f"Kèm theo báo cáo ngày {d:%d/%m/%Y}" in text for d in zone_days), text
