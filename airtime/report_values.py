"""Plain values the report renderers take: rows and their totals, the heading, the weekly chart's points.

No database, no HTTP: whoever computes an airtime report (SQL, an in-memory count, a test) fills
these dataclasses; `airtime.exports` and `airtime.charts` turn them into files. (The quota report's
rows are `campaigns.quotas.QuotaRow`.)
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

# Column header of the label column, by the API's `group_by` value.
GROUP_LABELS: dict[str, str] = {
    "campaign": "Chiến dịch",
    "directive": "Văn bản chỉ đạo",
    "area": "Địa bàn",
    "cluster": "Cụm loa",
    "content": "Tin, bài",
    "day": "Ngày",
}

TOTAL_KEY = "total"
TOTAL_LABEL = "Tổng cộng"

SIGNER_PREPARER = "NGƯỜI LẬP BIỂU"
SIGNER_HEAD = "THỦ TRƯỞNG ĐƠN VỊ"


def compliance_of(aired_seconds: float, target_seconds: float | None) -> float | None:
    """aired / target; None when there is no target to compare with (or it is zero)."""
    if target_seconds is None or target_seconds <= 0:
        return None
    return aired_seconds / target_seconds


@dataclass(frozen=True)
class ReportRow:
    """One row of `GET /reports/airtime`: the same fields, the same meaning."""

    key: str
    label: str
    planned_seconds: float
    aired_seconds: float
    target_seconds: float | None = None
    compliance: float | None = None

    @classmethod
    def of(
        cls, key: str, label: str, planned_seconds: float, aired_seconds: float,
        target_seconds: float | None = None,
    ) -> "ReportRow":
        """A row with `compliance` computed from aired and target."""
        return cls(key, label, planned_seconds, aired_seconds, target_seconds,
                   compliance_of(aired_seconds, target_seconds))


def totals(rows: Iterable[ReportRow]) -> ReportRow:
    """The totals row: sums of planned and aired over every row.

    The target is the sum of the rows that have one (None if none has), and the
    compliance compares it only with the airtime of those same rows, so a row
    without a target never inflates the ratio.
    """
    planned = aired = aired_with_target = target = 0.0
    any_target = False
    for row in rows:
        planned += row.planned_seconds
        aired += row.aired_seconds
        if row.target_seconds is not None:
            any_target = True
            target += row.target_seconds
            aired_with_target += row.aired_seconds
    if not any_target:
        return ReportRow(TOTAL_KEY, TOTAL_LABEL, planned, aired, None, None)
    return ReportRow(TOTAL_KEY, TOTAL_LABEL, planned, aired, target,
                     compliance_of(aired_with_target, target))


@dataclass(frozen=True)
class ReportMeta:
    """What the administrative layout needs around the table.

    `generated_at` must be timezone-aware; it is shown in `tz`, the deployment's zone (settings.tz).
    """

    title: str
    group_by: str
    period_from: date
    period_to: date
    issuing_unit: str
    superior_unit: str | None = None
    place: str = "Lào Cai"
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    area_label: str | None = None
    campaign_label: str | None = None
    signer_title: str = SIGNER_PREPARER
    signer_name: str | None = None
    tz: tzinfo = field(kw_only=True)

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("generated_at phải có múi giờ (aware datetime)")
        if self.period_to < self.period_from:
            raise ValueError(
                f"Kỳ báo cáo không hợp lệ: {self.period_from:%d/%m/%Y} sau {self.period_to:%d/%m/%Y}"
            )

    @property
    def group_label(self) -> str:
        """Header of the label column; an unknown grouping falls back to a neutral word."""
        return GROUP_LABELS.get(self.group_by, "Nội dung")


@dataclass(frozen=True)
class WeekPoint:
    """A campaign's airtime in one ISO week; target None when the campaign has none."""

    iso_year: int
    iso_week: int
    aired_seconds: float
    target_seconds: float | None = None


@dataclass(frozen=True)
class WeeklySeries:
    """One campaign's weekly points for `charts.campaign_weekly_chart`.

    `color` is any matplotlib colour ("#1f77b4"); None or invalid picks one from a palette.
    """

    key: str
    label: str
    points: Sequence[WeekPoint]
    color: str | None = None
