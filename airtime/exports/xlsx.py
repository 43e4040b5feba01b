"""Airtime and quota reports as XLSX: the first sheet is the report as printed, the chart a sheet of its own.

Minutes are numbers with a number format, not text, so a spreadsheet user can compute with them.
"""

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XlsxImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from airtime.exports import layout
from airtime.report_values import ReportMeta, ReportRow, totals
from campaigns.quotas import QuotaRow
from core.formatting import shown_ratio

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_MINUTES_FORMAT = "#,##0.0"
_PERCENT_FORMAT = "0.0%"


def _ratio(ratio: float | None) -> float | None:
    # The exact fraction, for computing with it, unless the cell's 0.0% would round it up to the target:
    # then the fraction as the pages show it (0.99996 reads 99,9%, never a "100%" that was not met).
    if ratio is None or ratio >= 1 or ratio < 0.999:
        return ratio
    return float(shown_ratio(ratio, 1) / 100)


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
    _merged(ws, 1, right_first, ncols, layout.NATIONAL_TITLE, font=Font(size=11, bold=True), alignment=center)
    _merged(ws, 2, right_first, ncols, layout.MOTTO,
            font=Font(size=12, bold=True, underline="single"), alignment=center)
    _merged(ws, 3, right_first, ncols, layout.place_date_line(meta), font=Font(size=11, italic=True),
            alignment=center)
    title = meta.title.upper()
    _merged(ws, 5, 1, ncols, title, font=Font(size=13, bold=True), alignment=center)
    _grow_row(ws, 5, title, all_chars, 13)
    _merged(ws, 6, 1, ncols, layout.period_line(meta), font=Font(size=11, italic=True), alignment=center)
    row = 7
    filters = layout.filter_line(meta)
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
    _merged(ws, row + 1, first, ncols, layout.SIGN_HINT, font=Font(italic=True), alignment=center)
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
    page_setup = ws.sheet_properties.pageSetUpPr
    assert page_setup is not None  # openpyxl makes one with every sheet
    page_setup.fitToPage = True
    wb.properties.title = meta.title
    wb.properties.creator = meta.issuing_unit
    if chart_png:
        # A sheet of its own: an image floating over the table would hide rows.
        chart_ws = wb.create_sheet("Biểu đồ")
        image = XlsxImage(io.BytesIO(chart_png))
        scale = min(1.0, 900 / image.width)
        # openpyxl keeps fractional pixels; its stub says int
        image.width, image.height = image.width * scale, image.height * scale  # type: ignore[assignment]
        chart_ws.add_image(image, "A1")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()



def _xlsx_start(meta: ReportMeta, headers: Sequence[str], widths: Sequence[float]) -> tuple[Workbook, Worksheet, int]:
    """A workbook with the heading and the table's header written; returns it, its sheet, the header row."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = "Báo cáo"
    header_row = _xlsx_title_block(ws, meta, widths)
    _xlsx_header(ws, header_row, headers)
    return wb, ws, header_row


def to_xlsx(rows: Sequence[ReportRow], meta: ReportMeta, chart_png: bytes | None = None) -> bytes:
    """A workbook whose first sheet is the report as printed; minutes as numbers, not text.

    Columns: STT, label, planned/aired/target minutes, compliance (a fraction shown as %),
    and the row key last, so a spreadsheet user can still match rows to the API.
    """
    headers = ("STT", meta.group_label, *layout.AIRTIME_HEADERS, "Mã")
    widths = (6, 48, 14, 14, 14, 12, 16)
    wb, ws, header_row = _xlsx_start(meta, headers, widths)

    def write(row: int, stt: int | None, r: ReportRow, bold: bool) -> None:
        font = Font(bold=bold)
        fill = _TOTAL_FILL if bold else PatternFill()
        values: list[tuple[Any, str | None]] = [
            (stt, None), (r.label, None),
            (_minutes(r.planned_seconds), _MINUTES_FORMAT), (_minutes(r.aired_seconds), _MINUTES_FORMAT),
            (_minutes(r.target_seconds), _MINUTES_FORMAT), (_ratio(r.compliance), _PERCENT_FORMAT),
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
    _xlsx_signature(ws, row + 2, meta, len(headers))
    return _xlsx_finish(wb, ws, meta, widths, chart_png)


def quota_to_xlsx(rows: Sequence[QuotaRow], meta: ReportMeta, chart_png: bytes | None = None) -> bytes:
    """The content quota report: one line per unit, rule and period, and a totals line."""
    headers = ("STT", *layout.QUOTA_HEADERS)
    widths = (6, 30, 36, 14, 10, 10, 10, 14)
    wb, ws, header_row = _xlsx_start(meta, headers, widths)
    row = header_row + 1
    for index, r in enumerate(rows, start=1):
        values = (index, r.unit_label, r.rule_label, r.period_label, r.required, r.submitted,
                  r.approved, layout.MET_TEXT[r.met])
        for col, value in enumerate(values, start=1):
            _put(ws, f"{get_column_letter(col)}{row}", value, border=_BOX,
                 alignment=Alignment(vertical="top", wrap_text=col in (2, 3)))
        row += 1
    total = layout.quota_totals(rows)
    for col, value in enumerate((None, "Tổng cộng", None, None, *total), start=1):
        _put(ws, f"{get_column_letter(col)}{row}", value, font=Font(bold=True), border=_BOX,
             fill=_TOTAL_FILL)
    _xlsx_signature(ws, row + 2, meta, len(headers))
    return _xlsx_finish(wb, ws, meta, widths, chart_png)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60
