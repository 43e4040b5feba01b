import datetime as dt
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep, SettingsDep, area_in_scope
from core.timeutil import local_today
from playlists.forecast import forecast_campaign, parse_week
from playlists.queries import list_builds
from playlists.service import check_build_day
from playlists.tasks import submit_build

router = APIRouter(tags=["playlists"])


class BuildRequest(BaseModel):
    date: dt.date = Field(description="Local day to build (YYYY-MM-DD)")
    area_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                description="Build every cluster below this area (default: the caller's area)")
    background: bool = Field(default=False, description="Run as a background task and answer 202 with task_id")


class BuildOut(BaseModel):
    playlists: int = Field(description="Clusters whose playlist for the day is published (written or unchanged)")
    written: int | None = None
    unchanged: int | None = None
    date: dt.date
    build_id: int | None = None
    task_id: int | None = Field(default=None, description="Set when the build runs in the background")
    status: str = "published"


class BuildPublic(BaseModel):
    id: int
    day: date
    area_id: int | None
    reason: str
    status: str
    clusters: int
    written: int
    unchanged: int
    items: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None


@router.post("/playlists/build", response_model=BuildOut,
             responses={202: {"model": BuildOut, "description": "Queued as a background task"},
                        409: {"description": "Another build is running"}},
             summary="Build and publish the day's playlist of every cluster below an area")
def build(response: Response, session: SessionDep, settings: SettingsDep, principal: OperatorUser,
          body: BuildRequest) -> BuildOut:
    area_id = body.area_id
    if area_id is None and principal.scope is not None:
        area_id = principal.scope.id
    area = area_in_scope(session, principal, area_id) if area_id is not None else None
    done = submit_build(session, day=body.date, today=local_today(settings.tz), tz=settings.tz,
                        area=area, actor=principal, background=body.background)
    result = done.result
    if result is None:
        response.status_code = status.HTTP_202_ACCEPTED
        return BuildOut(playlists=done.clusters, date=body.date, task_id=done.task.id if done.task else None,
                        status="queued")
    return BuildOut(playlists=result.clusters, written=result.written, unchanged=result.unchanged, date=body.date,
                    build_id=result.build_id)


@router.get("/playlists/builds", response_model=list[BuildPublic], summary="Recent builds (newest first)")
def builds(session: SessionDep, principal: Reader,
           day: Annotated[date | None, Query(alias="date")] = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[BuildPublic]:
    return [BuildPublic(**row.model_dump()) for row in list_builds(session, scope=principal.scope, day=day,
                                                                    limit=limit)]


@router.get("/campaigns/{campaign_id}/forecast",
            summary="Weekly forecast: planned minutes per cluster against the campaign's target, with a "
                    "capacity-shortfall warning (nothing is published)")
def forecast(session: SessionDep, settings: SettingsDep, principal: Reader, campaign_id: IdPath,
             week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$",
                                               description="ISO week, e.g. 2026-W24")] = None,
             week_start: Annotated[date | None, Query(description="Any day of the week (its Monday is used)")] = None,
             limit: Annotated[int, Query(ge=1, le=20_000)] = 1000) -> dict:
    today = local_today(settings.tz)
    monday = parse_week(week, week_start, today)
    check_build_day(monday, today)
    return forecast_campaign(session, campaign_id=campaign_id, week_start=monday, tz=settings.tz,
                             scope=principal.scope, limit=limit).as_dict()
