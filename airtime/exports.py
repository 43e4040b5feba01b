"""Airtime and quota reports as CSV, XLSX and PDF: pure functions from rows to bytes.

The PDF follows the layout of a Vietnamese administrative report (Nghị định
30/2020/NĐ-CP): issuing unit top left, national title and motto top right, place
and date, title, period, the table, and the signature block. Fonts are the DejaVu
TTFs shipped inside matplotlib, embedded in the PDF, so diacritics render on any
machine without a system font.
"""

import csv
import io
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XlsxImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from airtime.report_rows import QuotaRow, ReportMeta, ReportRow, totals
from core.formatting import date_text, minutes_text, percent_text

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_HINT = "(Ký, ghi rõ họ tên)"

# The API's field names, in the API's order: `format=csv` must match the JSON rows.
CSV_COLUMNS = ("key", "label", "planned_seconds", "aired_seconds", "target_seconds", "compliance")
QUOTA_CSV_COLUMNS = ("unit_label", "rule_label", "period_label", "required", "submitted", "approved", "met")

AIRTIME_HEADERS = ("Kế hoạch (phút)", "Đã phát (phút)", "Chỉ tiêu (phút)", "Tỷ lệ đạt (%)")
QUOTA_HEADERS = ("Đơn vị", "Yêu cầu", "Kỳ", "Phải có", "Đã gửi", "Đã duyệt", "Kết quả")
MET_TEXT = {True: "Đạt", False: "Chưa đạt"}

# Spreadsheet programs run a cell starting with these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- heading lines

def place_date_line(meta: ReportMeta) -> str:
    """'Lào Cai, ngày 05 tháng 02 năm 2026': a zero before days < 10 and months 1-2 (NĐ 30/2020)."""
    day = meta.generated_at.astimezone(meta.tz).date()
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{meta.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def period_line(meta: ReportMeta) -> str:
    return f"Từ ngày {date_text(meta.period_from)} đến ngày {date_text(meta.period_to)}"


def _filter_line(meta: ReportMeta) -> str | None:
    parts = []
    if meta.area_label:
        parts.append(f"Địa bàn: {meta.area_label}")
    if meta.campaign_label:
        parts.append(f"Chiến dịch: {meta.campaign_label}")
    return "; ".join(parts) or None


def _safe_text(text: str) -> str:
    """Neutralise a leading formula character the way OWASP advises (a leading quote)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------- CSV

def _csv_number(value: float | None) -> str:
    # repr() round-trips a float exactly; None stays an empty cell like JSON null.
    return "" if value is None else repr(float(value))


def csv_bytes(header: Sequence[str], lines: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(lines)
    # The BOM makes Excel read UTF-8; without it Vietnamese shows as mojibake.
    return buf.getvalue().encode("utf-8-sig")


def to_csv(rows: Sequence[ReportRow], meta: ReportMeta | None = None) -> bytes:
    """The rows exactly as the JSON API has them, one line each, no totals line.

    Text cells that start with = + - @ get a leading quote so a spreadsheet does not run them.
    """
    return csv_bytes(CSV_COLUMNS, [
        [_safe_text(r.key), _safe_text(r.label), _csv_number(r.planned_seconds),
         _csv_number(r.aired_seconds), _csv_number(r.target_seconds), _csv_number(r.compliance)]
        for r in rows
    ])


def quota_to_csv(rows: Sequence[QuotaRow], meta: ReportMeta | None = None) -> bytes:
    return csv_bytes(QUOTA_CSV_COLUMNS, [
        [_safe_text(r.unit_label), _safe_text(r.rule_label), _safe_text(r.period_label),
         str(r.required), str(r.submitted), str(r.approved), "true" if r.met else "false"]
        for r in rows
    ])


# ---------------------------------------------------------------- XLSX

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_MINUTES_FORMAT = "#,##0.0"
_PERCENT_FORMAT = "0.0%"


def _put(ws: Worksheet, cell_ref: str, value: Any, **style: Any) -> None:
    cell = ws[cell_ref]
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    else:
        cell.value = value
    for name, val in style.items():
        setattr(cell, name, val)


def _merged(ws: Worksheet, row: int, first: int, last: int, value: str, **style: Any) -> None:
    ref = f"{get_column_letter(first)}{row}"
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    _put(ws, ref, value, **style)


def _grow_row(ws: Worksheet, row: int, text: str, width_chars: float, size: float) -> None:
    """Merged cells never grow in Excel: give the row the height its wrapped text needs."""
    # Bold caps run ~1.3 default-width characters each at 11 pt; err on the tall side.
    per_line = max(1.0, width_chars * 11 / (size * 1.3))
    lines = max(1, -(-len(text) // int(per_line)))
    current = ws.row_dimensions[row].height or 15
    ws.row_dimensions[row].height = max(current, lines * size * 1.45)


def _xlsx_title_block(ws: Worksheet, meta: ReportMeta, widths: Sequence[float]) -> int:
    """Writes the administrative heading; returns the next free row."""
    ncols = len(widths)
    left_last = max(2, ncols // 2 - 1)
    right_first = left_last + 1
    left_chars, all_chars = sum(widths[:left_last]), sum(widths)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # Without a superior unit the issuing unit goes up to the national title's line.
    units = [(meta.superior_unit.upper(), False)] if meta.superior_unit else []
    units.append((meta.issuing_unit.upper(), True))
    for row, (text, bold) in enumerate(units, start=1):
        _merged(ws, row, 1, left_last, text, font=Font(size=11, bold=bold), alignment=center)
        _grow_row(ws, row, text, left_chars, 11)
    _merged(ws, 1, right_first, ncols, NATIONAL_TITLE, font=Font(size=11, bold=True), alignment=center)
    _merged(ws, 2, right_first, ncols, MOTTO,
            font=Font(size=12, bold=True, underline="single"), alignment=center)
    _merged(ws, 3, right_first, ncols, place_date_line(meta), font=Font(size=11, italic=True),
            alignment=center)
    title = meta.title.upper()
    _merged(ws, 5, 1, ncols, title, font=Font(size=13, bold=True), alignment=center)
    _grow_row(ws, 5, title, all_chars, 13)
    _merged(ws, 6, 1, ncols, period_line(meta), font=Font(size=11, italic=True), alignment=center)
    row = 7
    filters = _filter_line(meta)
    if filters:
        _merged(ws, row, 1, ncols, filters, font=Font(size=11), alignment=center)
        _grow_row(ws, row, filters, all_chars, 11)
        row += 1
    return row + 1


def _xlsx_header(ws: Worksheet, row: int, headers: Sequence[str]) -> None:
    for col, text in enumerate(headers, start=1):
        _put(ws, f"{get_column_letter(col)}{row}", text, font=Font(bold=True), fill=_HEADER_FILL,
             border=_BOX, alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.row_dimensions[row].height = 32
    ws.freeze_panes = f"A{row + 1}"
    ws.print_title_rows = f"{row}:{row}"  # the header repeats on every printed page


def _xlsx_signature(ws: Worksheet, row: int, meta: ReportMeta, ncols: int) -> None:
    first = max(2, ncols // 2)
    center = Alignment(horizontal="center")
    _merged(ws, row, first, ncols, meta.signer_title.upper(), font=Font(bold=True), alignment=center)
    _merged(ws, row + 1, first, ncols, SIGN_HINT, font=Font(italic=True), alignment=center)
    if meta.signer_name:
        _merged(ws, row + 5, first, ncols, meta.signer_name, font=Font(bold=True), alignment=center)


def _xlsx_finish(wb: Workbook, ws: Worksheet, meta: ReportMeta, widths: Sequence[float],
                 chart_png: bytes | None) -> bytes:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.title = meta.title
    wb.properties.creator = meta.issuing_unit
    if chart_png:
        # A sheet of its own: an image floating over the table would hide rows.
        chart_ws = wb.create_sheet("Biểu đồ")
        image = XlsxImage(io.BytesIO(chart_png))
        scale = min(1.0, 900 / image.width)
        image.width, image.height = image.width * scale, image.height * scale
        chart_ws.add_image(image, "A1")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_xlsx(rows: Sequence[ReportRow], meta: ReportMeta, chart_png: bytes | None = None) -> bytes:
    """A workbook whose first sheet is the report as printed; minutes as numbers, not text.

    Columns: STT, label, planned/aired/target minutes, compliance (a fraction shown as %),
    and the row key last, so a spreadsheet user can still match rows to the API.
    """
    headers = ("STT", meta.group_label, *AIRTIME_HEADERS, "Mã")
    widths = (6, 48, 14, 14, 14, 12, 16)
    ncols = len(headers)
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    header_row = _xlsx_title_block(ws, meta, widths)
    _xlsx_header(ws, header_row, headers)

    def write(row: int, stt: int | None, r: ReportRow, bold: bool) -> None:
        font = Font(bold=bold)
        fill = _TOTAL_FILL if bold else PatternFill()
        values: list[tuple[Any, str | None]] = [
            (stt, None), (r.label, None),
            (_minutes(r.planned_seconds), _MINUTES_FORMAT), (_minutes(r.aired_seconds), _MINUTES_FORMAT),
            (_minutes(r.target_seconds), _MINUTES_FORMAT), (r.compliance, _PERCENT_FORMAT),
            (None if bold else r.key, None),
        ]
        for col, (value, fmt) in enumerate(values, start=1):
            ref = f"{get_column_letter(col)}{row}"
            _put(ws, ref, value, font=font, border=_BOX, fill=fill,
                 alignment=Alignment(vertical="top", wrap_text=col == 2,
                                     horizontal="center" if col == 1 else None))
            if fmt:
                ws[ref].number_format = fmt

    row = header_row + 1
    for index, r in enumerate(rows, start=1):
        write(row, index, r, bold=False)
        row += 1
    write(row, None, totals(rows), bold=True)
    _xlsx_signature(ws, row + 2, meta, ncols)
    return _xlsx_finish(wb, ws, meta, widths, chart_png)


def quota_to_xlsx(rows: Sequence[QuotaRow], meta: ReportMeta, chart_png: bytes | None = None) -> bytes:
    headers = ("STT", *QUOTA_HEADERS)
    widths = (6, 30, 36, 14, 10, 10, 10, 14)
    ncols = len(headers)
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    header_row = _xlsx_title_block(ws, meta, widths)
    _xlsx_header(ws, header_row, headers)
    row = header_row + 1
    for index, r in enumerate(rows, start=1):
        values = (index, r.unit_label, r.rule_label, r.period_label, r.required, r.submitted,
                  r.approved, MET_TEXT[r.met])
        for col, value in enumerate(values, start=1):
            _put(ws, f"{get_column_letter(col)}{row}", value, border=_BOX,
                 alignment=Alignment(vertical="top", wrap_text=col in (2, 3)))
        row += 1
    total = _quota_totals(rows)
    for col, value in enumerate((None, "Tổng cộng", None, None, *total), start=1):
        _put(ws, f"{get_column_letter(col)}{row}", value, font=Font(bold=True), border=_BOX,
             fill=_TOTAL_FILL)
    _xlsx_signature(ws, row + 2, meta, ncols)
    return _xlsx_finish(wb, ws, meta, widths, chart_png)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _quota_totals(rows: Sequence[QuotaRow]) -> tuple[int, int, int, str]:
    met = sum(1 for r in rows if r.met)
    return (sum(r.required for r in rows), sum(r.submitted for r in rows),
            sum(r.approved for r in rows), f"{met}/{len(rows)} đạt")


# ---------------------------------------------------------------- PDF

FONT = "LoaxaDejaVuSans"
FONT_BOLD = "LoaxaDejaVuSans-Bold"
FONT_ITALIC = "LoaxaDejaVuSans-Oblique"
FONT_BOLD_ITALIC = "LoaxaDejaVuSans-BoldOblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}
_font_lock = threading.Lock()
_fonts_ready = False

# NĐ 30/2020 margins: top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
_MARGINS = {"leftMargin": 30 * mm, "rightMargin": 15 * mm, "topMargin": 20 * mm, "bottomMargin": 20 * mm}
_FRAME_WIDTH = A4[0] - _MARGINS["leftMargin"] - _MARGINS["rightMargin"]
_FRAME_HEIGHT = A4[1] - _MARGINS["topMargin"] - _MARGINS["bottomMargin"]


def font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def register_fonts() -> None:
    """Registers DejaVu Sans (from matplotlib) with reportlab once per process."""
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(font_dir() / filename)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                      boldItalic=FONT_BOLD_ITALIC)
        _fonts_ready = True


def _style(name: str, size: float = 11, font: str = FONT, align: int = TA_LEFT, leading: float | None = None,
           **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.25,
                          alignment=align, **extra)


def _esc(text: str) -> str:
    """Paragraph text is mini-HTML: escape user text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Rule(Flowable):
    """A short centred horizontal line, like the rules under the unit name and the motto."""

    def __init__(self, width: float, thickness: float = 0.7, space_before: float = 1.5) -> None:
        super().__init__()
        self.rule_width = width
        self.thickness = thickness
        self.space_before = space_before
        self._avail = width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self._avail = availWidth
        return availWidth, self.space_before + self.thickness

    def draw(self) -> None:
        x0 = (self._avail - self.rule_width) / 2
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x0, self.thickness / 2, x0 + self.rule_width, self.thickness / 2)


def _fit_size(text: str, font: str, width: float, preferred: float) -> float:
    """The largest size up to `preferred` at which `text` fits on one line of `width`."""
    return min(preferred, width / pdfmetrics.stringWidth(text, font, 1))


def _unit_paragraph(text: str, font: str, width: float) -> Paragraph:
    """A unit name on one line when a size down to 9 pt fits; otherwise it wraps at 10.5 pt."""
    size = _fit_size(text, font, width, 10.5)
    return Paragraph(_esc(text), _style("unit", size if size >= 9 else 10.5, font, TA_CENTER))


def _heading(meta: ReportMeta) -> list[Flowable]:
    left_w, right_w = _FRAME_WIDTH * 0.43, _FRAME_WIDTH * 0.57
    pad = 3
    left: list[Flowable] = []
    if meta.superior_unit:
        left.append(_unit_paragraph(meta.superior_unit.upper(), FONT, left_w - 2 * pad))
    unit = meta.issuing_unit.upper()
    unit_para = _unit_paragraph(unit, FONT_BOLD, left_w - 2 * pad)
    left.append(unit_para)
    unit_width = min(pdfmetrics.stringWidth(unit, FONT_BOLD, unit_para.style.fontSize), left_w - 2 * pad)
    # The rule under the unit name is a third to a half of the line (NĐ 30/2020).
    left.append(_Rule(unit_width * 0.4, space_before=3))

    title_size = _fit_size(NATIONAL_TITLE, FONT_BOLD, right_w - 2 * pad, 11)
    motto_size = min(title_size + 1, 12)
    right: list[Flowable] = [
        Paragraph(NATIONAL_TITLE, _style("nat", title_size, FONT_BOLD, TA_CENTER)),
        Paragraph(MOTTO, _style("motto", motto_size, FONT_BOLD, TA_CENTER)),
        # The rule under the motto is as long as the motto.
        _Rule(pdfmetrics.stringWidth(MOTTO, FONT_BOLD, motto_size), space_before=1),
        Spacer(1, 10),
        Paragraph(_esc(place_date_line(meta)), _style("date", 11, FONT_ITALIC, TA_CENTER)),
    ]
    table = Table([[left, right]], colWidths=[left_w, right_w])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # else reportlab references Helvetica, unembedded
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
    ]))
    flow: list[Flowable] = [table, Spacer(1, 8 * mm)]
    flow.append(Paragraph(_esc(meta.title.upper()), _style("title", 13, FONT_BOLD, TA_CENTER, spaceAfter=3)))
    period_style = _style("period", 11, FONT_ITALIC, TA_CENTER, spaceAfter=2)
    flow.append(Paragraph(_esc(period_line(meta)), period_style))
    filters = _filter_line(meta)
    if filters:
        flow.append(Paragraph(_esc(filters), _style("filters", 11, align=TA_CENTER)))
    flow.append(Spacer(1, 5 * mm))
    return flow


def _signature(meta: ReportMeta) -> Flowable:
    center = TA_CENTER
    block: list[Flowable] = [
        Paragraph(_esc(meta.signer_title.upper()), _style("signer", 11, FONT_BOLD, center)),
        Paragraph(SIGN_HINT, _style("hint", 10.5, FONT_ITALIC, center)),
        Spacer(1, 22 * mm),
    ]
    if meta.signer_name:
        block.append(Paragraph(_esc(meta.signer_name), _style("name", 11, FONT_BOLD, center)))
    table = Table([["", block]], colWidths=[_FRAME_WIDTH * 0.45, _FRAME_WIDTH * 0.55])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return KeepTogether([Spacer(1, 8 * mm), table])


def _appendix(meta: ReportMeta, chart_png: bytes, caption: str | None) -> list[Flowable]:
    """The chart as an appendix ("Phụ lục") on its own page after the signature.

    Administrative reports end with the signature; figures go in an appendix that names
    the report it belongs to. It also keeps a tall chart from pushing the signature
    alone onto a page of its own.
    """
    local_day = meta.generated_at.astimezone(meta.tz).date()
    heading: list[Flowable] = [
        Paragraph("PHỤ LỤC", _style("appendix", 13, FONT_BOLD, TA_CENTER, spaceAfter=2)),
        Paragraph(_esc((caption or "Biểu đồ kèm theo báo cáo").upper()),
                  _style("caption", 11.5, FONT_BOLD, TA_CENTER, spaceAfter=2)),
        Paragraph(_esc(f"(Kèm theo báo cáo ngày {date_text(local_day)} của {meta.issuing_unit})"),
                  _style("attached", 10.5, FONT_ITALIC, TA_CENTER)),
        Spacer(1, 6 * mm),
    ]
    px_w, px_h = ImageReader(io.BytesIO(chart_png)).getSize()
    width = _FRAME_WIDTH
    height = width * px_h / px_w
    max_height = _FRAME_HEIGHT - 35 * mm  # what the appendix heading leaves of the page
    if height > max_height:  # a tall area chart: shrink it to one page
        width, height = width * max_height / height, max_height
    return [PageBreak(), *heading, Image(io.BytesIO(chart_png), width=width, height=height)]


_TABLE_BASE_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 9.5),
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
    ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
    ("VALIGN", (0, 1), (-1, -1), "TOP"),
    ("ALIGN", (0, 1), (0, -1), "CENTER"),
    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F4F4F4")),
    ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
    ("SPAN", (0, -1), (1, -1)),
]


def _page_number(canvas: Canvas, doc: BaseDocTemplate) -> None:
    # NĐ 30/2020: page numbers centred in the top margin, none on the first page.
    if doc.page > 1:
        canvas.saveState()
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(doc.page))
        canvas.restoreState()


def _build_pdf(meta: ReportMeta, table: Table, chart_png: bytes | None, caption: str | None) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=meta.title, author=meta.issuing_unit,
                            subject=period_line(meta), creator="loaxa", lang="vi",
                            initialFontName=FONT, **_MARGINS)
    story: list[Flowable] = [*_heading(meta), table, _signature(meta)]
    if chart_png:
        story += _appendix(meta, chart_png, caption)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def _cell(text: str, bold: bool = False, align: int = TA_LEFT) -> Paragraph:
    return Paragraph(_esc(text), _style("cell", 9.5, FONT_BOLD if bold else FONT, align))


def _header_cells(headers: Sequence[str]) -> list[Paragraph]:
    return [_cell(h, bold=True, align=TA_CENTER) for h in headers]


def to_pdf(rows: Sequence[ReportRow], meta: ReportMeta, chart_png: bytes | None = None,
           chart_caption: str | None = "Biểu đồ thời lượng phát thanh") -> bytes:
    """The airtime report as an A4 administrative report; the header repeats on every page."""
    register_fonts()
    headers = ("STT", meta.group_label, *AIRTIME_HEADERS)
    data: list[list[Any]] = [_header_cells(headers)]
    for index, r in enumerate(rows, start=1):
        data.append([str(index), _cell(r.label), *_number_cells(r)])
    total = totals(rows)
    data.append([_cell(total.label, bold=True, align=TA_CENTER), "", *_number_cells(total)])
    number_w = 64.0
    stt_w = 32.0
    widths = [stt_w, _FRAME_WIDTH - stt_w - 4 * number_w, *([number_w] * 4)]
    table = LongTable(data, colWidths=widths, repeatRows=1)  # splits in linear time
    table.setStyle(TableStyle([*_TABLE_BASE_STYLE, ("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
    return _build_pdf(meta, table, chart_png, chart_caption)


def _number_cells(r: ReportRow) -> list[str]:
    return [minutes_text(r.planned_seconds), minutes_text(r.aired_seconds),
            minutes_text(r.target_seconds), percent_text(r.compliance)]


def quota_to_pdf(rows: Sequence[QuotaRow], meta: ReportMeta, chart_png: bytes | None = None,
                 chart_caption: str | None = None) -> bytes:
    """The content quota report in the same layout: one line per unit, rule and period."""
    register_fonts()
    data: list[list[Any]] = [_header_cells(("STT", *QUOTA_HEADERS))]
    for index, r in enumerate(rows, start=1):
        data.append([str(index), _cell(r.unit_label), _cell(r.rule_label), _cell(r.period_label),
                     str(r.required), str(r.submitted), str(r.approved),
                     _cell(MET_TEXT[r.met], bold=not r.met, align=TA_CENTER)])
    required, submitted, approved, met = _quota_totals(rows)
    data.append([_cell("Tổng cộng", bold=True, align=TA_CENTER), "", "", "",
                 str(required), str(submitted), str(approved), _cell(met, bold=True, align=TA_CENTER)])
    fixed = [32.0, 0.0, 0.0, 64.0, 40.0, 40.0, 46.0, 64.0]
    rest = _FRAME_WIDTH - sum(fixed)
    widths = [fixed[0], rest * 0.45, rest * 0.55, *fixed[3:]]
    table = LongTable(data, colWidths=widths, repeatRows=1)  # splits in linear time
    table.setStyle(TableStyle([*_TABLE_BASE_STYLE, ("SPAN", (0, -1), (3, -1)),
                               ("ALIGN", (4, 1), (6, -1), "RIGHT")]))
    return _build_pdf(meta, table, chart_png, chart_caption)


def report_filename(meta: ReportMeta, extension: str) -> str:
    """An ASCII-safe download name, e.g. 'bao-cao-campaign_2026-11-01_2026-11-30.pdf'."""
    group = re.sub(r"[^a-z0-9_-]", "", meta.group_by.lower()) or "report"
    return f"bao-cao-{group}_{meta.period_from.isoformat()}_{meta.period_to.isoformat()}.{extension}"
