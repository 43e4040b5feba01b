"""Airtime charts as PNG (or SVG) bytes for the web UI and the PDF report.

Each call builds its own `Figure` on a `FigureCanvasAgg`: no pyplot, so no global
figure registry and no GUI backend, and concurrent requests do not share state.
Text uses DejaVu Sans, which matplotlib ships and which covers Vietnamese.
"""

import io
import textwrap
from collections.abc import Sequence
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import is_color_like, to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from airtime.report_values import ReportRow, WeeklySeries
from core.formatting import percent_label, thousands

ImageFormat = Literal["png", "svg"]

FONT_FAMILY = "DejaVu Sans"
DPI = 150
WIDTH_IN = 8.0  # 1200 px at 150 dpi: sharp in a browser; on A4 (16.5 cm) text shrinks only to ~80 %
NO_DATA = "Không có dữ liệu"
WEEKLY_TITLE = "Thời lượng phát thanh theo tuần so với chỉ tiêu"
AREA_TITLE = "Thời lượng phát thanh theo địa bàn"
AXIS_MINUTES = "Phút"
AREA_MAX_ROWS = 50

PLANNED_COLOR = "#B0B7C3"
AIRED_COLOR = "#1F5FA8"
TARGET_COLOR = "#E07B00"
_PALETTE = [to_hex(c) for c in matplotlib.colormaps["tab10"].colors]  # type: ignore[attr-defined]
_PALETTE += [to_hex(c) for c in matplotlib.colormaps["tab20"].colors[1::2]]  # type: ignore[attr-defined]


def _font(size: float = 10, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight=weight)


def _tick(value: float, _pos: int | None = None) -> str:
    """Axis ticks in the Vietnamese style: 12.500 (dot for thousands)."""
    return thousands(value)


def _short(label: str, width: int) -> str:
    return textwrap.shorten(label, width=width, placeholder="…") or label[:width]


def _render(fig: Figure, fmt: ImageFormat, dpi: int) -> bytes:
    FigureCanvasAgg(fig)  # attaches the Agg canvas: no pyplot, no global backend switch
    buf = io.BytesIO()
    # No software/date stamps, so the same data gives the same bytes (cacheable, testable).
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return buf.getvalue()


def _new_figure(height_in: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")


def _style_axes(ax: Axes, title: str) -> None:
    ax.set_title(title, fontproperties=_font(13, "bold"), pad=10)
    ax.tick_params(labelsize=9, labelfontfamily=FONT_FAMILY)
    ax.spines[["top", "right"]].set_visible(False)


def _empty(title: str, fmt: ImageFormat, dpi: int) -> bytes:
    fig = _new_figure(3.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, fontproperties=_font(13, "bold"))
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontproperties=_font(14), color="#555555",
            transform=ax.transAxes)
    return _render(fig, fmt, dpi)


def _series_color(series: WeeklySeries, index: int) -> str:
    if series.color and is_color_like(series.color):
        return series.color
    return _PALETTE[index % len(_PALETTE)]


def _darker(color: str, factor: float = 0.45) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return r * factor, g * factor, b * factor


def week_label(iso_year: int, iso_week: int) -> str:
    return f"Tuần {iso_week}/{iso_year}"


def campaign_weekly_chart(series: Sequence[WeeklySeries], *, title: str = WEEKLY_TITLE,
                          fmt: ImageFormat = "png", dpi: int = DPI) -> bytes:
    """Aired minutes per ISO week as bars (one colour per campaign), the target as a dashed line.

    Weeks are the union of every series' weeks; a week a campaign has no point for draws no bar.
    """
    weeks = sorted({(p.iso_year, p.iso_week) for s in series for p in s.points})
    if not weeks:
        return _empty(title, fmt, dpi)
    column = {week: i for i, week in enumerate(weeks)}
    legend_rows = (len(series) + 1 + 1) // 2
    fig = _new_figure(4.4 + 0.28 * legend_rows)
    ax = fig.add_subplot()
    group = 0.8
    bar_w = group / len(series)
    any_target = False
    for i, s in enumerate(series):
        color = _series_color(s, i)
        offset = (i - (len(series) - 1) / 2) * bar_w
        points = sorted(s.points, key=lambda p: (p.iso_year, p.iso_week))
        xs = [column[(p.iso_year, p.iso_week)] + offset for p in points]
        ax.bar(xs, [p.aired_seconds / 60 for p in points], width=bar_w * 0.92, color=color,
               label=_short(s.label, 45), zorder=2)
        targets = [(x, p.target_seconds / 60) for x, p in zip(xs, points, strict=True)
                   if p.target_seconds is not None]
        if targets:
            any_target = True
            tx, ty = zip(*targets, strict=True)
            # A bar-wide tick at each target reads per campaign even with many campaigns;
            # the dashed line joining them only helps while there are few.
            ax.hlines(ty, [x - bar_w / 2 for x in tx], [x + bar_w / 2 for x in tx],
                      color=_darker(color), linewidth=2.2, zorder=4)
            if len(series) <= 3:
                ax.plot(tx, ty, linestyle="--", linewidth=1.2, color=_darker(color), zorder=3)
    step = max(1, (len(weeks) + 15) // 16)  # at most ~16 labels, however long the period
    ticks = list(range(0, len(weeks), step))
    ax.set_xticks(ticks, [week_label(*weeks[t]) for t in ticks],
                  rotation=45 if len(ticks) > 8 else 0, ha="right" if len(ticks) > 8 else "center")
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.set_ylabel(AXIS_MINUTES, fontproperties=_font(10))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.grid(axis="y", color="#DDDDDD", zorder=0)
    _style_axes(ax, title)
    handles, labels = ax.get_legend_handles_labels()
    if any_target:
        handles.append(Line2D([], [], color="#444444", linewidth=2.2))
        labels.append("Chỉ tiêu (vạch ngang)")
    fig.legend(handles, labels, loc="outside lower center", ncols=min(2, len(labels)), prop=_font(9),
               frameon=False)
    return _render(fig, fmt, dpi)


def area_chart(rows: Sequence[ReportRow], *, title: str = AREA_TITLE, max_rows: int = AREA_MAX_ROWS,
               fmt: ImageFormat = "png", dpi: int = DPI) -> bytes:
    """Horizontal bars per area: planned, aired and (when any row has one) target minutes.

    Rows are drawn top to bottom in the order given (sort them first: worst compliance on
    top is usually what a supervisor wants); only the first `max_rows` are drawn, with a
    note saying how many were left out, so the image stays legible and quick to render.
    The compliance is written after the aired bar.
    """
    if not rows:
        return _empty(title, fmt, dpi)
    total_rows = len(rows)
    rows = rows[:max_rows]
    with_target = any(r.target_seconds is not None for r in rows)
    kinds: list[tuple[str, str, list[float]]] = [
        ("Kế hoạch", PLANNED_COLOR, [r.planned_seconds / 60 for r in rows]),
        ("Đã phát", AIRED_COLOR, [r.aired_seconds / 60 for r in rows]),
    ]
    if with_target:
        kinds.append(("Chỉ tiêu", TARGET_COLOR, [(r.target_seconds or 0) / 60 for r in rows]))
    bar_h = 0.8 / len(kinds)
    fig = _new_figure(2.0 + len(rows) * len(kinds) * 0.13)  # grows with the rows: labels stay legible
    ax = fig.add_subplot()
    for k, (name, color, values) in enumerate(kinds):
        ys = [i + (k - (len(kinds) - 1) / 2) * bar_h for i in range(len(rows))]
        ax.barh(ys, values, height=bar_h * 0.92, color=color, label=name, zorder=2)
        if name == "Đã phát":
            for y, value, r in zip(ys, values, rows, strict=True):
                if r.compliance is not None:
                    ax.annotate(percent_label(r.compliance), (value, y),
                                xytext=(3, 0), textcoords="offset points", va="center",
                                fontproperties=_font(8), color=AIRED_COLOR)
    ax.set_yticks(range(len(rows)), [_short(r.label, 40) for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row at the top
    xlabel = AXIS_MINUTES
    if total_rows > len(rows):
        xlabel += f"\n(Chỉ hiển thị {len(rows)} trên {thousands(total_rows)} dòng đầu tiên)"
    ax.set_xlabel(xlabel, fontproperties=_font(10))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.margins(x=0.08)
    ax.grid(axis="x", color="#DDDDDD", zorder=0)
    _style_axes(ax, title)
    fig.legend(loc="outside lower center", ncols=len(kinds), prop=_font(9), frameon=False)
    return _render(fig, fmt, dpi)
