"""Airtime and quota reports (JSON, CSV, XLSX, PDF), their charts, anomalies and silent clusters.

Readers (admin, operator, approver, supervisor) see their own subtree: without `area_id` the
report covers the caller's area; an `area_id` outside it is refused. Devices may not read reports.
"""

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from airtime import documents, reports
from airtime.aggregate import ReportQuery
from airtime.anomalies import MAX_ANOMALIES, Anomaly
from airtime.anomalies import anomalies as find_anomalies
from airtime.relays import SECTION_LABEL as RELAYS_LABEL
from airtime.relays import relay_airtime
from airtime.report_values import TOTAL_KEY, ReportRow, totals
from airtime.silent import silent_clusters
from api.deps import MAX_ID, Reader, SessionDep, SettingsDep, area_in_scope
from campaigns.models import Campaign
from campaigns.quotas import QuotaRow, quota_rows
from core.areas import Area, AreaLevel
from core.errors import NotFound
from core.timeutil import local_now, local_today, now_utc
from core.users import Principal

router = APIRouter(tags=["reports"])

GroupBy = Literal["campaign", "directive", "area", "cluster", "content", "day"]
Format = Literal["json", "csv", "xlsx", "pdf"]
# The airtime report also comes as `csv_vi`: the CSV for people (Vietnamese headers, rounded, dd/mm/yyyy).
AirtimeFormat = Literal["json", "csv", "csv_vi", "xlsx", "pdf"]
FromDate = Annotated[date, Query(alias="from", description="First local date, YYYY-MM-DD")]
ToDate = Annotated[date, Query(alias="to", description="Last local date (inclusive), YYYY-MM-DD")]
AreaId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Report on this area's subtree")]
CampaignId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]

ROW_DOC = (
    "planned_seconds: content items of the published (current) playlists dated in [from, to]; "
    "aired_seconds: duration_ms/1000 of played or interrupted events whose started_at falls on a local "
    "(LOAXA_TIMEZONE) date in [from, to]; target_seconds (campaign rows only): target_minutes_per_week × 60 × "
    "clusters × days / 7 (the campaign's clusters within the report's area, the days of [from, to] inside the "
    "campaign's period); compliance = aired / target. Rows with key 'none' gather what belongs to no "
    "campaign/directive/area of the chosen level. relays (JSON): planned and aired seconds of relays (tiếp sóng: "
    "items and events of kind relay), per relay, counted apart from campaign content (never in rows or totals)."
)


class RowOut(BaseModel):
    key: str
    label: str
    planned_seconds: float
    aired_seconds: float
    target_seconds: float | None
    compliance: float | None


class RelayRowOut(BaseModel):
    relay_id: int
    label: str
    planned_seconds: float
    aired_seconds: float


class RelaysOut(BaseModel):
    """Relays (tiếp sóng), apart from campaign content: never in rows, totals or compliance."""

    label: str
    planned_seconds: float
    aired_seconds: float
    rows: list[RelayRowOut]


class AirtimeOut(BaseModel):
    rows: list[RowOut]
    totals: RowOut
    relays: RelaysOut
    group_by: str
    from_: date = Field(alias="from")
    to: date
    area_id: int | None
    campaign_id: int | None
    generated_at: datetime


class QuotasOut(BaseModel):
    on: date
    rows: list[QuotaRow]


class SilentClusterOut(BaseModel):
    cluster_id: int
    label: str
    last_started_at: datetime | None
    last_received_at: datetime | None
    silent_days: int | None


class SilentOut(BaseModel):
    after_days: int
    clusters: list[SilentClusterOut]


class AnomaliesOut(BaseModel):
    total: int = Field(description="Anomalous events in the period (the list holds at most `limit`).")
    anomalies: list[Anomaly]
    silent_after_days: int
    silent_clusters: list[SilentClusterOut]


def _report_area(session, principal: Principal, area_id: int | None) -> Area | None:
    """The report's area: the one asked for (within the caller's scope), else the caller's scope."""
    if area_id is not None:
        return area_in_scope(session, principal, area_id)
    return principal.scope


def _campaign(session, campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("chiến dịch", campaign_id)
    return campaign


def _row(r: ReportRow) -> RowOut:
    return RowOut(key=r.key, label=r.label, planned_seconds=r.planned_seconds, aired_seconds=r.aired_seconds,
                  target_seconds=r.target_seconds, compliance=r.compliance)


def _download(doc: documents.Document) -> Response:
    return Response(doc.content, media_type=doc.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{doc.filename}"'})


def _local(value: datetime | None, tz) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


@router.get(
    "/reports/airtime", response_model=AirtimeOut,
    responses={200: {"content": {"text/csv": {}, "application/pdf": {},
                                 documents.MEDIA_TYPES["xlsx"]: {}}}},
    summary="Airtime planned, aired and against target, grouped; as JSON, CSV, XLSX or PDF",
    description=ROW_DOC,
)
def airtime(session: SessionDep, settings: SettingsDep, principal: Reader, day_from: FromDate, day_to: ToDate,
            group_by: GroupBy = "campaign", area_id: AreaId = None, campaign_id: CampaignId = None,
            area_level: Annotated[AreaLevel | None, Query(
                description="group_by=area: rows at this level (default: the report area's children)")] = None,
            format: AirtimeFormat = "json",
            chart: Annotated[bool, Query(description="XLSX/PDF: include the chart")] = True,
            issuing_unit: Text = None, signer_name: Text = None) -> Any:
    area = _report_area(session, principal, area_id)
    campaign = _campaign(session, campaign_id)
    q = ReportQuery(day_from, day_to, group_by, area, campaign_id, area_level, tz=settings.tz)
    rows = reports.airtime_rows(session, q)
    if format == "json":
        relayed = relay_airtime(session, q)
        return AirtimeOut.model_validate({
            "rows": [_row(r) for r in rows], "totals": _row(totals(rows)),
            "relays": RelaysOut(label=RELAYS_LABEL, planned_seconds=relayed.planned_seconds,
                                aired_seconds=relayed.aired_seconds,
                                rows=[RelayRowOut(**vars(r)) for r in relayed.rows]),
            "group_by": group_by, "from": day_from,
            "to": day_to, "area_id": area.id if area else None, "campaign_id": campaign_id,
            "generated_at": local_now(settings.tz)})
    meta = documents.report_meta(session, title=documents.TITLE, group_by=group_by, day_from=day_from,
                                 day_to=day_to, area=area, campaign_label=campaign.name if campaign else None,
                                 issuing_unit=issuing_unit, signer_name=signer_name, tz=settings.tz)
    return _download(documents.airtime_document(session, q, rows, format, meta, with_chart=chart))


@router.get("/reports/airtime/chart.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}},
            summary="Chart: weekly airtime per campaign against its target, or airtime per area")
def airtime_chart(session: SessionDep, settings: SettingsDep, principal: Reader, day_from: FromDate, day_to: ToDate,
                  kind: Literal["weekly", "area"] = "weekly", area_id: AreaId = None,
                  campaign_id: CampaignId = None, area_level: AreaLevel | None = None) -> Response:
    area = _report_area(session, principal, area_id)
    _campaign(session, campaign_id)
    q = ReportQuery(day_from, day_to, "area" if kind == "area" else "campaign", area, campaign_id,
                    area_level, tz=settings.tz)
    rows = reports.airtime_rows(session, q) if kind == "area" else []
    rows = [r for r in rows if r.key != TOTAL_KEY]
    return Response(documents.chart_png(session, q, rows, kind), media_type="image/png")


@router.get("/reports/quotas", response_model=QuotasOut,
            responses={200: {"content": {"text/csv": {}, "application/pdf": {},
                                         documents.MEDIA_TYPES["xlsx"]: {}}}},
            summary="Content quota compliance (from the directives' quotas) on a day; JSON, CSV, XLSX or PDF")
def quotas(session: SessionDep, settings: SettingsDep, principal: Reader,
           on: Annotated[date | None, Query(description="The day whose periods are reported (default today)")] = None,
           area_id: AreaId = None, rule_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
           format: Format = "json", issuing_unit: Text = None, signer_name: Text = None) -> Any:
    area = _report_area(session, principal, area_id)
    day = on or local_today(settings.tz)
    rows, first, last = quota_rows(session, actor=principal, on=day, tz=settings.tz,
                                   area_id=area.id if area else None, rule_id=rule_id)
    if format == "json":
        return QuotasOut(on=day, rows=rows)
    meta = documents.report_meta(session, title=documents.QUOTA_TITLE, group_by="quota", day_from=first,
                                 day_to=last, area=area, issuing_unit=issuing_unit, signer_name=signer_name,
                                 tz=settings.tz)
    return _download(documents.quota_document(rows, format, meta))


def _silent(session, settings, area: Area | None) -> list[SilentClusterOut]:
    found = silent_clusters(session, area=area, now=now_utc(), after_days=settings.silent_after_days)
    return [SilentClusterOut(cluster_id=s.cluster_id, label=s.label,
                             last_started_at=_local(s.last_started_at, settings.tz),
                             last_received_at=_local(s.last_received_at, settings.tz), silent_days=s.silent_days)
            for s in found]


@router.get("/reports/anomalies", response_model=AnomaliesOut,
            summary="Events that should not have aired (never approved, before approval, outside validity, "
                    "after withdrawal) and clusters silent for more than settings.silent_after_days days")
def anomalies(session: SessionDep, settings: SettingsDep, principal: Reader, day_from: FromDate, day_to: ToDate,
              area_id: AreaId = None, limit: Annotated[int, Query(ge=1, le=MAX_ANOMALIES)] = 200
              ) -> AnomaliesOut:
    area = _report_area(session, principal, area_id)
    found, total = find_anomalies(session, day_from=day_from, day_to=day_to, area=area, tz=settings.tz,
                                     limit=limit)
    return AnomaliesOut(
        total=total, silent_after_days=settings.silent_after_days, silent_clusters=_silent(session, settings, area),
        anomalies=[replace(a, started_at=a.started_at.astimezone(settings.tz)) for a in found])


@router.get("/reports/silent-clusters", response_model=SilentOut,
            summary="Clusters with no event for more than settings.silent_after_days days")
def silent(session: SessionDep, settings: SettingsDep, principal: Reader, area_id: AreaId = None) -> SilentOut:
    area = _report_area(session, principal, area_id)
    return SilentOut(after_days=settings.silent_after_days, clusters=_silent(session, settings, area))
