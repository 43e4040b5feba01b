"""The administrative report's fixed words and heading lines, shared by the XLSX and PDF renderers.

The layout is a Vietnamese administrative report's (Nghị định 30/2020/NĐ-CP): issuing unit top left,
national title and motto top right, place and date, title, period, the table, the signature block.
"""

import re
from collections.abc import Sequence
from datetime import date

from airtime.report_values import ReportMeta
from campaigns.quotas import QuotaRow
from core.formatting import date_text

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_HINT = "(Ký, ghi rõ họ tên)"

AIRTIME_HEADERS = ("Kế hoạch (phút)", "Đã phát (phút)", "Chỉ tiêu (phút)", "Tỷ lệ đạt (%)")
QUOTA_HEADERS = ("Đơn vị", "Yêu cầu", "Kỳ", "Phải có", "Đã gửi", "Đã duyệt", "Kết quả")
MET_TEXT = {True: "Đạt", False: "Chưa đạt"}


def report_day(meta: ReportMeta) -> date:
    """The day the report is dated: when it was generated, in the deployment's zone."""
    return meta.generated_at.astimezone(meta.tz).date()


def place_date_line(meta: ReportMeta) -> str:
    """'Lào Cai, ngày 05 tháng 02 năm 2026': a zero before days < 10 and months 1-2 (NĐ 30/2020)."""
    day = report_day(meta)
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{meta.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def period_line(meta: ReportMeta) -> str:
    return f"Từ ngày {date_text(meta.period_from)} đến ngày {date_text(meta.period_to)}"


def filter_line(meta: ReportMeta) -> str | None:
    """'Địa bàn: ...; Chiến dịch: ...' under the period, when the report is narrowed."""
    parts = []
    if meta.area_label:
        parts.append(f"Địa bàn: {meta.area_label}")
    if meta.campaign_label:
        parts.append(f"Chiến dịch: {meta.campaign_label}")
    return "; ".join(parts) or None


def quota_totals(rows: Sequence[QuotaRow]) -> tuple[int, int, int, str]:
    """The quota report's totals line: required, submitted, approved, and 'N/M đạt'."""
    met = sum(1 for r in rows if r.met)
    return (sum(r.required for r in rows), sum(r.submitted for r in rows),
            sum(r.approved for r in rows), f"{met}/{len(rows)} đạt")


def report_filename(meta: ReportMeta, extension: str) -> str:
    """An ASCII-safe download name, e.g. 'bao-cao-campaign_2026-11-01_2026-11-30.pdf'."""
    group = re.sub(r"[^a-z0-9_-]", "", meta.group_by.lower()) or "report"
    return f"bao-cao-{group}_{meta.period_from.isoformat()}_{meta.period_to.isoformat()}.{extension}"
