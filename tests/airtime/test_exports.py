"""The report renderers, checked by reading their output back with real parsers."""

import csv
import dataclasses
import io
import unicodedata
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from airtime import charts, exports
from airtime.report_values import (
    GROUP_LABELS,
    ReportMeta,
    ReportRow,
    WeeklySeries,
    WeekPoint,
    totals,
)
from campaigns.quotas import QuotaRow
from core.formatting import minutes_text

LDG = "Lao động giỏi, lao động sáng tạo"
CAM_DUONG = "Phường Cam Đường"
DHTT = "Gương điển hình tiên tiến, người tốt, việc tốt"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def rows() -> list[ReportRow]:
    return [
        ReportRow.of("1", LDG, planned_seconds=36_000, aired_seconds=30_000.5, target_seconds=33_600),
        ReportRow.of("2", DHTT, planned_seconds=18_000, aired_seconds=19_000, target_seconds=16_800),
        ReportRow.of("3", CAM_DUONG, planned_seconds=7_200, aired_seconds=6_800),
    ]


@pytest.fixture
def meta() -> ReportMeta:
    return ReportMeta(
        title="Báo cáo thời lượng phát thanh các chiến dịch tuyên truyền",
        group_by="campaign",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        issuing_unit="Ủy ban nhân dân tỉnh Lào Cai",
        superior_unit=None,
        place="Lào Cai",
        # 18:30 UTC on the 21st is 01:30 on the 22nd in Hà Nội: the report date is local.
        generated_at=datetime(2026, 11, 21, 18, 30, tzinfo=UTC),
        area_label="Tỉnh Lào Cai",
        signer_title="Người lập biểu",
        signer_name="Nguyễn Thị Hằng",
        tz=HANOI,
    )


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pdf_pages_text(data: bytes) -> list[str]:
    return [nfc(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


# ---------------------------------------------------------------- rows


def test_totals_sum_and_compare_only_rows_that_have_a_target(rows: list[ReportRow]) -> None:
    total = totals(rows)
    assert total.planned_seconds == 61_200
    assert total.aired_seconds == 55_800.5
    assert total.target_seconds == 50_400
    # Cam Đường has no target, so its 6,800 s do not count toward the ratio.
    assert total.compliance == pytest.approx((30_000.5 + 19_000) / 50_400)


def test_totals_without_any_target_and_of_nothing() -> None:
    total = totals([ReportRow.of("a", "Xã A", 10, 5), ReportRow.of("b", "Xã B", 20, 15)])
    assert (total.planned_seconds, total.aired_seconds, total.target_seconds, total.compliance) == (
        30, 20, None, None)
    empty = totals([])
    assert (empty.planned_seconds, empty.aired_seconds, empty.compliance) == (0, 0, None)


def test_compliance_of_a_zero_target_is_none_not_a_division_error() -> None:
    assert ReportRow.of("a", "A", 0, 60, target_seconds=0).compliance is None
    assert ReportRow.of("a", "A", 0, 60, target_seconds=120).compliance == 0.5


def test_meta_refuses_naive_time_and_reversed_period(meta: ReportMeta) -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        dataclasses.replace(meta, generated_at=datetime(2026, 11, 22, 8, 0))
    with pytest.raises(ValueError, match="Kỳ báo cáo"):
        dataclasses.replace(meta, period_from=date(2026, 12, 1))


def test_place_date_line_is_local_and_zero_pads_like_the_decree(meta: ReportMeta) -> None:
    assert exports.place_date_line(meta) == "Lào Cai, ngày 22 tháng 11 năm 2026"
    january = dataclasses.replace(meta, generated_at=datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    assert exports.place_date_line(january) == "Lào Cai, ngày 05 tháng 01 năm 2026"
    march = dataclasses.replace(meta, generated_at=datetime(2026, 3, 9, 3, 0, tzinfo=UTC))
    assert exports.place_date_line(march) == "Lào Cai, ngày 09 tháng 3 năm 2026"


def test_place_date_line_is_in_the_deployments_zone(meta: ReportMeta) -> None:
    # 18:30 UTC on the 21st: still the 21st for a deployment running on UTC (LOAXA_TIMEZONE=UTC).
    on_utc = dataclasses.replace(meta, tz=ZoneInfo("UTC"))
    assert exports.place_date_line(on_utc) == "Lào Cai, ngày 21 tháng 11 năm 2026"


# ---------------------------------------------------------------- CSV


def test_csv_has_the_api_columns_and_the_exact_numbers(rows: list[ReportRow], meta: ReportMeta) -> None:
    data = exports.to_csv(rows, meta)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0] == ["key", "label", "planned_seconds", "aired_seconds", "target_seconds", "compliance"]
    assert len(parsed) == 1 + len(rows)  # no totals line: the CSV is the JSON rows
    for line, row in zip(parsed[1:], rows, strict=True):
        assert line[0] == row.key
        assert line[1] == row.label
        assert float(line[2]) == row.planned_seconds
        assert float(line[3]) == row.aired_seconds
        if row.target_seconds is None:
            assert line[4] == line[5] == ""
        else:
            assert float(line[4]) == row.target_seconds
            assert float(line[5]) == row.compliance
    assert [line[1] for line in parsed[1:]] == [LDG, DHTT, CAM_DUONG]


def test_csv_defuses_spreadsheet_formulas() -> None:
    data = exports.to_csv([ReportRow.of("=1", "=HYPERLINK(\"http://x\")", 1, 1)])
    line = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert line[:2] == ["'=1", "'=HYPERLINK(\"http://x\")"]


def test_quota_csv() -> None:
    data = exports.quota_to_csv([
        QuotaRow("Xã Bản Hồ", "Ít nhất 01 bài/xã", "Tháng 11/2026", 1, 2, 1, True),
        QuotaRow("Công an thị xã", "Ít nhất 02 bài", "Tháng 11/2026", 2, 1, 0, False),
    ])
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [
        ["unit_label", "rule_label", "period_label", "required", "submitted", "approved", "met"],
        ["Xã Bản Hồ", "Ít nhất 01 bài/xã", "Tháng 11/2026", "1", "2", "1", "true"],
        ["Công an thị xã", "Ít nhất 02 bài", "Tháng 11/2026", "2", "1", "0", "false"],
    ]


# ---------------------------------------------------------------- XLSX


def _find_row(ws: Any, first_value: object) -> int:
    for row in ws.iter_rows(min_col=1, max_col=2):
        if row[0].value == first_value or row[1].value == first_value:
            return row[0].row
    raise AssertionError(f"{first_value!r} not in sheet")


def test_xlsx_title_block_table_and_totals(rows: list[ReportRow], meta: ReportMeta) -> None:
    wb = load_workbook(io.BytesIO(exports.to_xlsx(rows, meta)))
    ws = wb["Báo cáo"]
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN TỈNH LÀO CAI"  # no superior unit: first line
    texts = {c.value for row in ws.iter_rows(max_row=8) for c in row if isinstance(c.value, str)}
    assert {exports.NATIONAL_TITLE, exports.MOTTO, "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
            "Lào Cai, ngày 22 tháng 11 năm 2026",
            "BÁO CÁO THỜI LƯỢNG PHÁT THANH CÁC CHIẾN DỊCH TUYÊN TRUYỀN",
            "Từ ngày 01/11/2026 đến ngày 30/11/2026"} <= texts

    header = _find_row(ws, "STT")
    assert [c.value for c in ws[header]] == [
        "STT", GROUP_LABELS["campaign"], "Kế hoạch (phút)", "Đã phát (phút)", "Chỉ tiêu (phút)",
        "Tỷ lệ đạt (%)", "Mã"]
    assert ws.freeze_panes == f"A{header + 1}"
    for offset, row in enumerate(rows, start=1):
        values = [c.value for c in ws[header + offset]]
        assert values[0] == offset
        assert values[1] == row.label
        assert values[2] == pytest.approx(row.planned_seconds / 60)
        assert values[3] == pytest.approx(row.aired_seconds / 60)
        assert values[4] == (None if row.target_seconds is None else pytest.approx(row.target_seconds / 60))
        assert values[5] == (None if row.compliance is None else pytest.approx(row.compliance))
        assert values[6] == row.key
    assert ws.cell(header + 1, 3).number_format == "#,##0.0"
    assert ws.cell(header + 1, 6).number_format == "0.0%"

    total_row = _find_row(ws, "Tổng cộng")
    assert total_row == header + len(rows) + 1
    total = totals(rows)
    assert total.target_seconds is not None
    assert [c.value for c in ws[total_row]][2:6] == [
        pytest.approx(total.planned_seconds / 60), pytest.approx(total.aired_seconds / 60),
        pytest.approx(total.target_seconds / 60), pytest.approx(total.compliance)]
    below = {c.value for row in ws.iter_rows(min_row=total_row + 1) for c in row}
    assert {"NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "Nguyễn Thị Hằng"} <= below
    assert wb.sheetnames == ["Báo cáo"]  # no chart given, no chart sheet


def test_xlsx_keeps_formula_like_text_as_text_and_embeds_the_chart(meta: ReportMeta) -> None:
    png = charts.area_chart([ReportRow.of("1", CAM_DUONG, 600, 540)])
    data = exports.to_xlsx([ReportRow.of("=2+2", "=SUM(A1:A9)", 60, 60)], meta, chart_png=png)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Báo cáo"]
    cell = ws.cell(_find_row(ws, "=SUM(A1:A9)"), 2)
    assert cell.data_type == "s"
    assert wb.sheetnames == ["Báo cáo", "Biểu đồ"]
    chart_sheet: Any = wb["Biểu đồ"]  # its images sit in _images, which openpyxl's stub leaves out
    assert len(chart_sheet._images) == 1


def test_quota_xlsx() -> None:
    meta = ReportMeta("Báo cáo chỉ tiêu tin, bài", "content", date(2026, 11, 1), date(2026, 11, 30),
                      "Trung tâm Văn hóa, Thể thao - Truyền thông", superior_unit="UBND thị xã Sa Pa",
                      generated_at=datetime(2026, 11, 22, tzinfo=UTC), tz=HANOI)
    data = exports.quota_to_xlsx([
        QuotaRow("Xã Bản Hồ", "Ít nhất 01 bài/xã", "Tháng 11/2026", 1, 2, 1, True),
        QuotaRow("Công an thị xã", "Ít nhất 02 bài", "Tháng 11/2026", 2, 1, 0, False),
    ], meta)
    ws = load_workbook(io.BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    # The superior unit above the issuing unit, level with the national title and motto.
    assert [ws["A1"].value, ws["A2"].value] == ["UBND THỊ XÃ SA PA", "TRUNG TÂM VĂN HÓA, THỂ THAO - TRUYỀN THÔNG"]
    assert ws["A2"].font.b and not ws["A1"].font.b
    header = _find_row(ws, "STT")
    assert [c.value for c in ws[header + 2]] == [
        2, "Công an thị xã", "Ít nhất 02 bài", "Tháng 11/2026", 2, 1, 0, "Chưa đạt"]
    assert [c.value for c in ws[header + 3]][4:] == [3, 3, 1, "1/2 đạt"]


# ---------------------------------------------------------------- PDF


def test_pdf_has_the_administrative_layout_text(rows: list[ReportRow], meta: ReportMeta) -> None:
    data = exports.to_pdf(rows, meta)
    assert data.startswith(b"%PDF")
    (text,) = pdf_pages_text(data)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "Lào Cai, ngày 22 tháng 11 năm 2026", "BÁO CÁO THỜI LƯỢNG PHÁT THANH",
        "Từ ngày 01/11/2026 đến ngày 30/11/2026", "Địa bàn: Tỉnh Lào Cai",
        LDG, CAM_DUONG, "Tổng cộng", "NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "Nguyễn Thị Hằng",
    ):
        assert expected in text, expected
    # Totals: 61,200 s planned = 1.020,0 min; 55,800.5 s aired = 930,0 min; 97,2 % compliance.
    assert "1.020,0" in text and "930,0" in text and "840,0" in text and "97,2" in text
    # The national title sits above the title, the signature below the totals.
    assert text.index("CỘNG HÒA") < text.index("BÁO CÁO") < text.index("Tổng cộng") < text.index("NGƯỜI LẬP")


def test_pdf_embeds_dejavu_and_uses_no_other_font(rows: list[ReportRow], meta: ReportMeta) -> None:
    reader = pypdf.PdfReader(io.BytesIO(exports.to_pdf(rows, meta)))
    fonts = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]  # a pypdf dictionary object
        for font in resources["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert any("DejaVuSans-Bold" in name for name in fonts)
    assert any(name.endswith("+DejaVuSans") for name in fonts)
    for name, font in fonts.items():
        assert "DejaVuSans" in name, name
        assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"


def test_long_table_paginates_with_the_header_on_every_page(meta: ReportMeta) -> None:
    many = [ReportRow.of(f"k{i}", f"Thôn Nậm Cang {i}", 600 + i, 540 + i, 700) for i in range(300)]
    pages = pdf_pages_text(exports.to_pdf(many, meta))
    assert len(pages) > 1
    for page in pages:
        assert "STT" in page and "Kế hoạch" in page and "Tỷ lệ đạt" in page
    assert "Thôn Nậm Cang 299" in pages[-1] and "Tổng cộng" in pages[-1]
    assert minutes_text(totals(many).planned_seconds) in pages[-1]
    assert "NGƯỜI LẬP BIỂU" in pages[-1]
    assert pages[1].lstrip().startswith("2")  # page numbers from the second page on


def test_pdf_puts_the_chart_in_an_appendix(rows: list[ReportRow], meta: ReportMeta) -> None:
    png = charts.campaign_weekly_chart([
        WeeklySeries("1", LDG, [WeekPoint(2026, 45, 3000, 3600), WeekPoint(2026, 46, 4000, 3600)]),
    ])
    data = exports.to_pdf(rows, meta, chart_png=png)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    appendix = nfc(reader.pages[1].extract_text())
    assert "PHỤ LỤC" in appendix and "(Kèm theo báo cáo ngày 22/11/2026" in appendix
    images = list(reader.pages[1].images)
    assert len(images) == 1


def test_quota_pdf(meta: ReportMeta) -> None:
    quota_meta = dataclasses.replace(
        meta, title="Báo cáo kết quả thực hiện chỉ tiêu tin, bài", superior_unit="UBND thị xã Sa Pa",
        issuing_unit="Trung tâm Văn hóa, Thể thao - Truyền thông", signer_title="Thủ trưởng đơn vị")
    (text,) = pdf_pages_text(exports.quota_to_pdf([
        QuotaRow("Xã Bản Hồ", "Ít nhất 01 bài/xã", "T11/2026", 1, 2, 1, True),
        QuotaRow("Công an thị xã", "Ít nhất 02 bài", "T11/2026", 2, 1, 0, False),
    ], quota_meta))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "UBND THỊ XÃ SA PA",
                     "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU TIN, BÀI", "Xã Bản Hồ", "Công an thị xã",
                     "Chưa đạt", "1/2 đạt", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert expected in text, expected


def test_user_text_with_markup_characters_is_printed_not_parsed(meta: ReportMeta) -> None:
    (text,) = pdf_pages_text(exports.to_pdf([ReportRow.of("1", "Thôn <b>A</b> & B", 60, 60)], meta))
    assert "Thôn <b>A</b> & B" in text


def test_report_filename_is_ascii(meta: ReportMeta) -> None:
    assert exports.report_filename(meta, "pdf") == "bao-cao-campaign_2026-11-01_2026-11-30.pdf"
    weird = dataclasses.replace(meta, group_by="../Địa bàn")
    assert exports.report_filename(weird, "csv").isascii()
    assert "/" not in exports.report_filename(weird, "csv")


def test_an_empty_report_still_renders_every_format(meta: ReportMeta) -> None:
    assert exports.to_csv([], meta).decode("utf-8-sig").splitlines() == [",".join(exports.CSV_COLUMNS)]
    (text,) = pdf_pages_text(exports.to_pdf([], meta))
    assert "Tổng cộng" in text and "0,0" in text
    ws = load_workbook(io.BytesIO(exports.to_xlsx([], meta))).active
    assert _find_row(ws, "Tổng cộng") == _find_row(ws, "STT") + 1
    (quota_text,) = pdf_pages_text(exports.quota_to_pdf([], meta))
    assert "0/0 đạt" in quota_text


def test_a_ratio_just_short_of_the_target_never_reads_100_percent(meta: ReportMeta) -> None:
    """59,998 of 60,000 seconds: the XLSX cell's 0.0% and the PDF show 99,9, not a "100" that was not met."""
    rows = [ReportRow.of("1", "Sắp đạt", 60_000, 59_998, 60_000), ReportRow.of("2", "Đạt", 60_000, 60_000, 60_000)]
    ws = load_workbook(io.BytesIO(exports.to_xlsx(rows, meta)))["Báo cáo"]
    header = _find_row(ws, "STT")
    assert ws.cell(header + 1, 6).value == pytest.approx(0.999) and ws.cell(header + 1, 6).number_format == "0.0%"
    assert ws.cell(header + 2, 6).value == 1.0
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(exports.to_pdf(rows, meta))).pages)
    assert "99,9" in text and "100,0" in text
