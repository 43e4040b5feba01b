"""Reports as documents: the administrative heading (issuing unit, place, date) and the file in each format.

`airtime.exports` renders rows to CSV, XLSX or PDF; this module fills in what surrounds them (the
People's Committee of the report's area, its province as the place, the chart) and names the file.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from airtime import charts, exports
from airtime.aggregate import ReportQuery
from airtime.report_values import ReportMeta, ReportRow
from airtime.series import weekly_series
from campaigns.quotas import QuotaRow
from core.areas import Area, AreaLevel, areas_by_id
from core.errors import Invalid

FORMATS = ("json", "csv", "xlsx", "pdf")
# The airtime report also comes as the CSV for people (Vietnamese headers, rounded, dd/mm/yyyy).
AIRTIME_FORMATS = ("json", "csv", "csv_vi", "xlsx", "pdf")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "png": "image/png",
}
TITLE = "Báo cáo thời lượng phát thanh trên hệ thống truyền thanh cơ sở"
QUOTA_TITLE = "Báo cáo tình hình thực hiện chỉ tiêu tin, bài"
NATIONAL_UNIT = "Hệ thống thông tin cơ sở"
NATIONAL_PLACE = "Hà Nội"
_PROVINCE_PREFIXES = ("Tỉnh ", "Thành phố ", "TP. ")


def _issuing_area(session: Session, area: Area) -> Area:
    """The unit that issues a report on `area`: the area itself, or a cluster's commune."""
    if area.level == AreaLevel.cluster and area.parent_id:
        return session.get(Area, area.parent_id) or area
    return area


def report_place(session: Session, area: Area | None) -> str:
    """Where a report on `area` is dated: its province's name without "Tỉnh" ("Lào Cai"); Hà Nội nationally."""
    if area is None:
        return NATIONAL_PLACE
    unit = _issuing_area(session, area)
    chain = areas_by_id(session, unit.ancestor_ids)
    province = next((chain[i] for i in unit.ancestor_ids if i in chain and chain[i].level == AreaLevel.province),
                    unit)
    place = province.name
    for prefix in _PROVINCE_PREFIXES:
        if place.startswith(prefix):
            place = place[len(prefix):]
    return place


def issuing_unit_for(session: Session, area: Area | None) -> tuple[str, str]:
    """(issuing unit, place) for the report heading: the People's Committee of the report's area."""
    if area is None:
        return NATIONAL_UNIT, NATIONAL_PLACE
    unit = _issuing_area(session, area)
    name = unit.name[:1].lower() + unit.name[1:]
    return f"Ủy ban nhân dân {name}", report_place(session, area)


def report_meta(session: Session, *, title: str, group_by: str, day_from: date, day_to: date, area: Area | None,
                tz: ZoneInfo, campaign_label: str | None = None, issuing_unit: str | None = None,
                signer_name: str | None = None) -> ReportMeta:
    """The heading of a report generated now, dated in `tz` (settings.tz)."""
    unit, place = issuing_unit_for(session, area)
    return ReportMeta(title=title, group_by=group_by, period_from=day_from, period_to=day_to,
                      issuing_unit=issuing_unit or unit, place=place, area_label=area.name if area else None,
                      campaign_label=campaign_label, signer_name=signer_name, tz=tz)


def chart_png(session: Session, q: ReportQuery, rows: list[ReportRow], kind: str | None = None) -> bytes:
    """The report's chart: weekly airtime per campaign against its target, or per area (rows given)."""
    kind = kind or ("area" if q.group_by in ("area", "cluster") else "weekly")
    if kind == "weekly":
        return charts.campaign_weekly_chart(weekly_series(session, q))
    # Worst first: the least aired against plan at the top, as a supervisor reads it.
    ordered = sorted(rows, key=lambda r: (r.aired_seconds / r.planned_seconds if r.planned_seconds else 2.0,
                                          r.label))
    title = charts.AREA_TITLE if q.group_by == "area" else "Thời lượng phát thanh theo cụm loa"
    return charts.area_chart(ordered, title=title)


@dataclass(frozen=True)
class Document:
    """A report file ready to download."""

    content: bytes
    media_type: str
    filename: str


def airtime_document(session: Session, q: ReportQuery, rows: list[ReportRow], fmt: str, meta: ReportMeta,
                     with_chart: bool = True) -> Document:
    """The rows as CSV, XLSX or PDF (the latter two with the chart, in a sheet or an appendix)."""
    if fmt == "csv":
        return Document(exports.to_csv(rows, meta), MEDIA_TYPES["csv"], exports.report_filename(meta, "csv"))
    if fmt == "csv_vi":  # the CSV for people: Vietnamese headers, rounded numbers, dd/mm/yyyy
        return Document(exports.to_csv_vi(rows, meta), MEDIA_TYPES["csv"], exports.report_filename(meta, "vi.csv"))
    png = chart_png(session, q, rows) if with_chart else None
    if fmt == "xlsx":
        return Document(exports.to_xlsx(rows, meta, png), MEDIA_TYPES["xlsx"], exports.report_filename(meta, "xlsx"))
    if fmt == "pdf":
        caption = ("Thời lượng phát thanh theo tuần so với chỉ tiêu" if q.group_by not in ("area", "cluster")
                   else "Thời lượng phát thanh theo địa bàn")
        return Document(exports.to_pdf(rows, meta, png, chart_caption=caption), MEDIA_TYPES["pdf"],
                        exports.report_filename(meta, "pdf"))
    raise Invalid(f"Định dạng {fmt!r} không hỗ trợ; chọn một trong: {', '.join(AIRTIME_FORMATS)}.")


def quota_document(rows: list[QuotaRow], fmt: str, meta: ReportMeta) -> Document:
    """The quota report's rows as CSV, XLSX or PDF."""
    if fmt == "csv":
        return Document(exports.quota_to_csv(rows, meta), MEDIA_TYPES["csv"], exports.report_filename(meta, "csv"))
    if fmt == "xlsx":
        return Document(exports.quota_to_xlsx(rows, meta), MEDIA_TYPES["xlsx"], exports.report_filename(meta, "xlsx"))
    if fmt == "pdf":
        return Document(exports.quota_to_pdf(rows, meta), MEDIA_TYPES["pdf"], exports.report_filename(meta, "pdf"))
    raise Invalid(f"Định dạng {fmt!r} không hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")
