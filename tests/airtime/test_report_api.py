"""The airtime report over HTTP, as a supervisor pulls it: JSON, CSV, XLSX, PDF, charts, quotas, bad input."""

import csv
import io
import unicodedata
from datetime import UTC, date, datetime

import pypdf
import pytest
from openpyxl import load_workbook

from airtime import exports
from airtime.report_values import ReportRow, totals
from campaigns.models import Content, QuotaRule
from core.db import session_scope
from core.formatting import minutes_text
from tests.airtime.builders import TZ
from tests.airtime.scenario import expected
from tests.factories import device_headers

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
PNG = b"\x89PNG\r\n\x1a\n"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _c1(scenario) -> int:
    return next(cid for cid, c in scenario.campaigns.items() if c["name"].startswith("Lao động"))


def _get(client, headers, **params):
    return client.get("/api/v1/reports/airtime", params={**MARCH, **params}, headers=headers)


def test_a_campaigns_month_in_every_format(client, auth, scenario, world):
    sup = auth("supervisor")
    c1 = _c1(scenario)
    res = _get(client, sup, group_by="campaign", campaign_id=c1)
    assert res.status_code == 200, res.text
    body = res.json()
    want = expected(scenario, "campaign", world.province, c1, date(2026, 3, 1), date(2026, 3, 31))
    got = {r["key"]: (r["planned_seconds"], r["aired_seconds"], r["target_seconds"], r["compliance"])
           for r in body["rows"]}
    assert set(got) == set(want) == {str(c1)}
    assert got[str(c1)] == pytest.approx(want[str(c1)])
    assert body["area_id"] == world.province.id and body["from"] == "2026-03-01"
    row = body["rows"][0]
    assert body["totals"]["aired_seconds"] == row["aired_seconds"] and row["label"] == scenario.campaigns[c1]["name"]

    csv_res = _get(client, sup, group_by="campaign", campaign_id=c1, format="csv")
    assert csv_res.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_res.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(csv_res.content.decode("utf-8-sig"))))
    assert lines[0] == ["key", "label", "planned_seconds", "aired_seconds", "target_seconds", "compliance"]
    assert lines[1][1] == "Lao động giỏi, lao động sáng tạo"  # Vietnamese, UTF-8
    assert [float(x) for x in lines[1][2:]] == pytest.approx([row["planned_seconds"], row["aired_seconds"],
                                                               row["target_seconds"], row["compliance"]])

    xlsx = _get(client, sup, group_by="campaign", campaign_id=c1, format="xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.worksheets[0]
    cells = [c for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    assert any(isinstance(c, str) and "BÁO CÁO THỜI LƯỢNG PHÁT THANH" in c for c in cells)
    assert "Lao động giỏi, lao động sáng tạo" in cells
    assert any(isinstance(c, float) and c == pytest.approx(row["aired_seconds"] / 60) for c in cells)
    assert len(book.worksheets) == 2  # the chart sheet

    pdf = _get(client, sup, group_by="campaign", campaign_id=c1, format="pdf", signer_name="Nguyễn Văn An")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    pages = [nfc(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages]
    text = "\n".join(pages)
    assert "BÁO CÁO THỜI LƯỢNG PHÁT THANH" in text
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "Tổng cộng" in text and minutes_text(row["aired_seconds"]) in text
    assert minutes_text(row["target_seconds"]) in text
    assert "Nguyễn Văn An" in text and "UBND" not in text and "Ủy ban nhân dân tỉnh Lào Cai".upper() in text
    assert "PHỤ LỤC" in text  # the weekly chart, in an appendix


def test_area_rows_as_pdf_and_xlsx(client, auth, scenario, world):
    sup = auth("supervisor")
    body = _get(client, sup, group_by="area", area_level="commune").json()
    rows = [ReportRow(**r) for r in body["rows"]]
    assert {r.label for r in rows} == {"Phường Cam Đường", "Xã Gia Phú"}
    pdf = _get(client, sup, group_by="area", area_level="commune", format="pdf").content
    text = nfc("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert "Phường Cam Đường" in text and "Xã Gia Phú" in text
    assert minutes_text(totals(rows).planned_seconds) in text
    plain = _get(client, sup, group_by="area", area_level="commune", format="xlsx", chart="false").content
    assert len(load_workbook(io.BytesIO(plain)).worksheets) == 1


def test_charts(client, auth, scenario, world):
    sup = auth("supervisor_a")
    weekly = client.get("/api/v1/reports/airtime/chart.png", params=MARCH, headers=sup)
    assert weekly.status_code == 200 and weekly.headers["content-type"] == "image/png"
    assert weekly.content.startswith(PNG)
    by_area = client.get("/api/v1/reports/airtime/chart.png", params={**MARCH, "kind": "area",
                                                                       "area_level": "cluster"}, headers=sup)
    assert by_area.content.startswith(PNG) and by_area.content != weekly.content


def test_weekly_series_points(engine, scenario, world):
    from sqlmodel import Session

    from airtime.aggregate import ReportQuery
    from airtime.series import weekly_series
    with Session(engine) as s:
        series = weekly_series(s, ReportQuery(date(2026, 3, 2), date(2026, 3, 15), "campaign", world.province,
                                              tz=TZ))
    c2 = next(cid for cid, c in scenario.campaigns.items() if c["name"] == "Thi đua yêu nước")
    points = {(p.iso_year, p.iso_week): p for p in next(x for x in series if x.key == str(c2)).points}
    # Week 10 (2-8 March) is wholly inside campaign 2; week 11 only to the 12th (4 days).
    assert points[(2026, 10)].target_seconds == pytest.approx(45 * 60 * 3 * 7 / 7)
    assert points[(2026, 11)].target_seconds == pytest.approx(45 * 60 * 3 * 4 / 7)
    want = expected(scenario, "campaign", world.province, day_from=date(2026, 3, 2), day_to=date(2026, 3, 8))
    assert points[(2026, 10)].aired_seconds == pytest.approx(want[str(c2)][1])


@pytest.mark.parametrize("params, status", [
    ({"from": "2026-03-31", "to": "2026-03-01"}, 422),
    ({"group_by": "weekday"}, 422),
    ({"format": "docx"}, 422),
    ({"from": "01/03/2026"}, 422),
    ({"area_level": "village"}, 422),
    ({"campaign_id": 999_999}, 404),
    ({"area_id": 0}, 422),
    ({"from": "2000-01-01", "to": "2026-01-01"}, 422),
])
def test_bad_report_requests(client, auth, world, params, status):
    res = client.get("/api/v1/reports/airtime", params={**MARCH, **params}, headers=auth("admin"))
    assert res.status_code == status, res.text
    assert "detail" in res.json()


def test_who_may_read(client, auth, world):
    outside = client.get("/api/v1/reports/airtime", params={**MARCH, "area_id": world.commune_a.id},
                         headers=auth("supervisor_b"))
    assert outside.status_code == 403
    device = device_headers(client, auth("admin"), world.clusters_a[0].id)
    assert client.get("/api/v1/reports/airtime", params=MARCH, headers=device).status_code == 403
    # Without area_id a supervisor gets their own subtree, not the country.
    own = client.get("/api/v1/reports/airtime", params={**MARCH, "group_by": "area"},
                     headers=auth("supervisor_b")).json()
    assert own["area_id"] == world.commune_b.id
    assert {r["key"] for r in own["rows"]} == {str(c.id) for c in world.clusters_b}


def test_quota_report(client, auth, engine, world):
    with session_scope(engine) as s:
        s.add(QuotaRule(name="Mỗi xã ít nhất 01 gương điển hình mỗi tháng", area_id=world.province.id,
                        unit_level="commune", kind="exemplar", min_count=1, period="monthly",
                        starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)))
        s.add(Content(title="Gương anh Nguyễn Văn A", kind="exemplar", valid_from=date(2026, 3, 1),
                      valid_until=date(2026, 3, 31), status="submitted", unit_area_id=world.commune_a.id,
                      first_submitted_at=datetime(2026, 3, 5, 3, 0, tzinfo=UTC)))
    sup = auth("supervisor")
    body = client.get("/api/v1/reports/quotas", params={"on": "2026-03-10"}, headers=sup).json()
    rows = {r["unit_label"]: r for r in body["rows"]}
    assert rows["Phường Cam Đường"]["met"] is True and rows["Phường Cam Đường"]["submitted"] == 1
    assert rows["Xã Gia Phú"]["met"] is False and rows["Xã Gia Phú"]["period_label"] == "Tháng 03/2026"
    csv_text = client.get("/api/v1/reports/quotas", params={"on": "2026-03-10", "format": "csv"},
                          headers=sup).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(exports.QUOTA_CSV_COLUMNS) and "Xã Gia Phú" in csv_text
    pdf = client.get("/api/v1/reports/quotas", params={"on": "2026-03-10", "format": "pdf"}, headers=sup).content
    text = nfc("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert "CHỈ TIÊU TIN, BÀI" in text and "Chưa đạt" in text and "1/2 đạt" in text
    xlsx = client.get("/api/v1/reports/quotas", params={"on": "2026-03-10", "format": "xlsx"}, headers=sup)
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0].max_row > 5
