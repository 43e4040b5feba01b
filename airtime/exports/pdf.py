"""Airtime and quota reports as A4 PDF in the administrative layout (airtime.exports.layout).

Fonts are the DejaVu TTFs shipped inside matplotlib, embedded in the PDF, so diacritics render on
any machine without a system font. The chart goes in an appendix after the signature.
"""

import io
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib
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

from airtime.exports import layout
from airtime.report_values import ReportMeta, ReportRow, totals
from campaigns.quotas import QuotaRow
from core.formatting import date_text, minutes_text, percent_text

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
# reportlab's paragraph alignments (TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY)
Alignment = Literal[0, 1, 2, 4]
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


def _style(name: str, size: float = 11, font: str = FONT, align: Alignment = TA_LEFT, leading: float | None = None,
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

    title_size = _fit_size(layout.NATIONAL_TITLE, FONT_BOLD, right_w - 2 * pad, 11)
    motto_size = min(title_size + 1, 12)
    right: list[Flowable] = [
        Paragraph(layout.NATIONAL_TITLE, _style("nat", title_size, FONT_BOLD, TA_CENTER)),
        Paragraph(layout.MOTTO, _style("motto", motto_size, FONT_BOLD, TA_CENTER)),
        # The rule under the motto is as long as the motto.
        _Rule(pdfmetrics.stringWidth(layout.MOTTO, FONT_BOLD, motto_size), space_before=1),
        Spacer(1, 10),
        Paragraph(_esc(layout.place_date_line(meta)), _style("date", 11, FONT_ITALIC, TA_CENTER)),
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
    flow.append(Paragraph(_esc(layout.period_line(meta)), period_style))
    filters = layout.filter_line(meta)
    if filters:
        flow.append(Paragraph(_esc(filters), _style("filters", 11, align=TA_CENTER)))
    flow.append(Spacer(1, 5 * mm))
    return flow


def _signature(meta: ReportMeta) -> Flowable:
    center: Alignment = TA_CENTER
    block: list[Flowable] = [
        Paragraph(_esc(meta.signer_title.upper()), _style("signer", 11, FONT_BOLD, center)),
        Paragraph(layout.SIGN_HINT, _style("hint", 10.5, FONT_ITALIC, center)),
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
    heading: list[Flowable] = [
        Paragraph("PHỤ LỤC", _style("appendix", 13, FONT_BOLD, TA_CENTER, spaceAfter=2)),
        Paragraph(_esc((caption or "Biểu đồ kèm theo báo cáo").upper()),
                  _style("caption", 11.5, FONT_BOLD, TA_CENTER, spaceAfter=2)),
        Paragraph(_esc(f"(Kèm theo báo cáo ngày {date_text(layout.report_day(meta))} của {meta.issuing_unit})"),
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


_TABLE_BASE_STYLE: list[tuple[Any, ...]] = [
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
                            subject=layout.period_line(meta), creator="loaxa", lang="vi",
                            initialFontName=FONT, leftMargin=_MARGINS["leftMargin"],
                            rightMargin=_MARGINS["rightMargin"], topMargin=_MARGINS["topMargin"],
                            bottomMargin=_MARGINS["bottomMargin"])
    story: list[Flowable] = [*_heading(meta), table, _signature(meta)]
    if chart_png:
        story += _appendix(meta, chart_png, caption)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def _cell(text: str, bold: bool = False, align: Alignment = TA_LEFT) -> Paragraph:
    return Paragraph(_esc(text), _style("cell", 9.5, FONT_BOLD if bold else FONT, align))


def _header_cells(headers: Sequence[str]) -> list[Paragraph]:
    return [_cell(h, bold=True, align=TA_CENTER) for h in headers]


def to_pdf(rows: Sequence[ReportRow], meta: ReportMeta, chart_png: bytes | None = None,
           chart_caption: str | None = "Biểu đồ thời lượng phát thanh") -> bytes:
    """The airtime report as an A4 administrative report; the header repeats on every page."""
    register_fonts()
    headers = ("STT", meta.group_label, *layout.AIRTIME_HEADERS)
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
    data: list[list[Any]] = [_header_cells(("STT", *layout.QUOTA_HEADERS))]
    for index, r in enumerate(rows, start=1):
        data.append([str(index), _cell(r.unit_label), _cell(r.rule_label), _cell(r.period_label),
                     str(r.required), str(r.submitted), str(r.approved),
                     _cell(layout.MET_TEXT[r.met], bold=not r.met, align=TA_CENTER)])
    required, submitted, approved, met = layout.quota_totals(rows)
    data.append([_cell("Tổng cộng", bold=True, align=TA_CENTER), "", "", "",
                 str(required), str(submitted), str(approved), _cell(met, bold=True, align=TA_CENTER)])
    fixed = [32.0, 0.0, 0.0, 64.0, 40.0, 40.0, 46.0, 64.0]
    rest = _FRAME_WIDTH - sum(fixed)
    widths = [fixed[0], rest * 0.45, rest * 0.55, *fixed[3:]]
    table = LongTable(data, colWidths=widths, repeatRows=1)  # splits in linear time
    table.setStyle(TableStyle([*_TABLE_BASE_STYLE, ("SPAN", (0, -1), (3, -1)),
                               ("ALIGN", (4, 1), (6, -1), "RIGHT")]))
    return _build_pdf(meta, table, chart_png, chart_caption)
