"""Charts: real PNG/SVG output from matplotlib, decoded and inspected."""

import io
import re
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import matplotlib.image
import numpy as np

from airtime import charts
from airtime.report_values import ReportRow, WeeklySeries, WeekPoint

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CAMPAIGNS = [
    "Lao động giỏi, lao động sáng tạo", "Gương điển hình tiên tiến, người tốt, việc tốt",
    "Phòng chống thiên tai", "An toàn giao thông", "Xây dựng nông thôn mới", "Phòng cháy chữa cháy rừng",
    "Chuyển đổi số", "Bầu cử đại biểu Quốc hội", "Tiêm chủng mở rộng",
    "Kỷ niệm ngày Bác Hồ ra Lời kêu gọi thi đua ái quốc 11/6",
]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def decode(data: bytes) -> np.ndarray:
    return matplotlib.image.imread(io.BytesIO(data), format="png")


def svg_texts(data: bytes) -> list[str]:
    # matplotlib writes each text as paths preceded by a comment holding the string.
    return re.findall(r"<!-- (.*?) -->", data.decode("utf-8"))


def weekly(n: int, weeks: range = range(44, 49), color: str | None = None) -> list[WeeklySeries]:
    return [
        WeeklySeries(str(i), CAMPAIGNS[i], [WeekPoint(2026, w, 60 * (300 + 40 * i + w), 60 * 400) for w in weeks],
                     color=color)
        for i in range(n)
    ]


def has_color(image: np.ndarray, hex_color: str) -> bool:
    rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return bool(np.any(np.all(np.abs(image[..., :3] - rgb) < 1.5 / 255, axis=-1)))


def test_weekly_chart_is_a_readable_png_with_week_labels() -> None:
    data = charts.campaign_weekly_chart(weekly(2))
    width, height = png_size(data)
    assert width == charts.WIDTH_IN * charts.DPI and 600 <= height <= 1200
    assert decode(data).shape[:2] == (height, width)
    assert len(data) > 20_000
    texts = svg_texts(charts.campaign_weekly_chart(weekly(2), fmt="svg"))
    assert {"Tuần 44/2026", "Tuần 48/2026", "Phút", CAMPAIGNS[0], "Chỉ tiêu (vạch ngang)"} <= set(texts)


def test_weekly_chart_uses_the_campaign_colour_and_survives_a_bad_one() -> None:
    assert has_color(decode(charts.campaign_weekly_chart(weekly(1, color="#c0392b"))), "#c0392b")
    fallback = decode(charts.campaign_weekly_chart(weekly(1, color="not a colour")))
    assert has_color(fallback, charts._PALETTE[0])


def test_weekly_chart_with_ten_campaigns_and_a_year_boundary() -> None:
    series = weekly(10)
    series[0] = WeeklySeries("x", CAMPAIGNS[0], [WeekPoint(2027, 1, 6000), WeekPoint(2026, 52, 3000, None)])
    data = charts.campaign_weekly_chart(series)
    assert png_size(data)[1] > png_size(charts.campaign_weekly_chart(weekly(1)))[1]  # taller legend
    texts = svg_texts(charts.campaign_weekly_chart(series, fmt="svg"))
    assert texts.index("Tuần 48/2026") < texts.index("Tuần 52/2026") < texts.index("Tuần 1/2027")


def test_a_year_of_weeks_keeps_the_axis_legible() -> None:
    texts = svg_texts(charts.campaign_weekly_chart(weekly(3, weeks=range(1, 53)), fmt="svg"))
    assert 10 <= sum(t.startswith("Tuần ") for t in texts) <= 16


def test_area_chart_bars_and_compliance_labels() -> None:
    rows = [ReportRow.of("1", "Phường Cam Đường", 36_000, 30_000, 33_600),
            ReportRow.of("2", "Xã Bản Hồ", 18_000, 9_000)]
    data = charts.area_chart(rows)
    assert decode(data).shape[1] == charts.WIDTH_IN * charts.DPI
    assert has_color(decode(data), charts.AIRED_COLOR) and has_color(decode(data), charts.TARGET_COLOR)
    texts = svg_texts(charts.area_chart(rows, fmt="svg"))
    assert {"Phường Cam Đường", "Xã Bản Hồ", "Kế hoạch", "Đã phát", "Chỉ tiêu", "89,3%"} <= set(texts)


def test_area_chart_without_targets_draws_no_target_bars() -> None:
    data = charts.area_chart([ReportRow.of("1", "Xã Tả Van", 600, 300)])
    assert not has_color(decode(data), charts.TARGET_COLOR)
    assert "Chỉ tiêu" not in svg_texts(charts.area_chart([ReportRow.of("1", "Xã Tả Van", 600, 300)], fmt="svg"))


def test_area_chart_grows_with_rows_but_draws_at_most_max_rows() -> None:
    def areas(n: int) -> list[ReportRow]:
        return [ReportRow.of(str(i), f"Xã {i}", 60, 60) for i in range(n)]

    few = png_size(charts.area_chart(areas(3)))[1]
    many = png_size(charts.area_chart(areas(40)))[1]
    assert few < many
    capped = charts.area_chart(areas(2000), max_rows=40)
    assert png_size(capped)[1] == many
    texts = svg_texts(charts.area_chart(areas(2000), max_rows=40, fmt="svg"))
    assert "Xã 39" in texts and "Xã 40" not in texts
    assert any("Chỉ hiển thị 40 trên 2.000 dòng đầu tiên" in t for t in texts)


def test_empty_input_says_there_is_no_data() -> None:
    for render in (charts.campaign_weekly_chart, charts.area_chart):
        data = render([])
        png_size(data)
        assert "Không có dữ liệu" in svg_texts(render([], fmt="svg"))
    # Series with no points are empty too.
    assert "Không có dữ liệu" in svg_texts(charts.campaign_weekly_chart([WeeklySeries("1", "A", [])], fmt="svg"))


def test_same_data_same_bytes_even_from_concurrent_threads() -> None:
    series = weekly(4)
    rows = [ReportRow.of(str(i), f"Xã Mường Hum {i}", 600 * i, 500 * i, 700 * i) for i in range(1, 8)]
    expected = (charts.campaign_weekly_chart(series), charts.area_chart(rows))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: (charts.campaign_weekly_chart(series), charts.area_chart(rows)),
                                range(8)))
    assert all(r == expected for r in results)
    assert b"Software" not in expected[0][:200]


def test_charts_do_not_load_pyplot() -> None:
    code = ("import sys, airtime.charts as c; c.area_chart([]); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
