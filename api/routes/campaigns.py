"""Campaigns: a movement to propagate, for a period, in some areas, with a weekly airtime target."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep, SettingsDep
from campaigns import commemorations
from campaigns.campaigns import (
    campaigns_public,
    create_campaign,
    get_campaign,
    list_campaigns,
    update_campaign,
)
from campaigns.schemas import MAX_DATE, MIN_DATE, CampaignCreate, CampaignPublic, CampaignUpdate, ObservancePublic
from core.timeutil import local_today

router = APIRouter(tags=["campaigns"])


@router.post("/campaigns", response_model=CampaignPublic, status_code=status.HTTP_201_CREATED,
             summary="Create a campaign (optionally with the directive behind it)")
def create(session: SessionDep, principal: OperatorUser, settings: SettingsDep,
           body: CampaignCreate) -> CampaignPublic:
    campaign = create_campaign(session, body, actor=principal)
    return campaigns_public(session, [campaign], today=local_today(settings.tz))[0]


@router.get("/campaigns", response_model=list[CampaignPublic],
            summary="Campaigns touching the caller's subtree; X-Total-Count header")
def list_(session: SessionDep, principal: Reader, settings: SettingsDep, response: Response,
          q: Annotated[str | None, Query(max_length=100)] = None,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          directive_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          active_on: Annotated[date | None, Query(ge=MIN_DATE, le=MAX_DATE,
                                                 description="Only campaigns running on this date")] = None,
          include_archived: bool = False,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[CampaignPublic]:
    rows, total = list_campaigns(session, actor=principal, q=q, area_id=area_id, directive_id=directive_id,
                                 active_on=active_on, include_archived=include_archived, limit=limit,
                                 offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return campaigns_public(session, rows, today=local_today(settings.tz))


@router.get("/campaigns/commemorations", response_model=list[ObservancePublic],
            summary="Commemorative days (for campaigns to build toward) and statutory days off of a year")
def commemorative_days(principal: Reader, settings: SettingsDep,
                       year: Annotated[int | None, Query(ge=1945, le=2100)] = None,
                       holidays: bool = True) -> list[ObservancePublic]:
    days = commemorations.observances(year or local_today(settings.tz).year, include_holidays=holidays)
    return [ObservancePublic.of(o) for o in days]


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic, summary="One campaign")
def get(session: SessionDep, principal: Reader, settings: SettingsDep, campaign_id: IdPath) -> CampaignPublic:
    campaign = get_campaign(session, campaign_id, actor=principal)
    return campaigns_public(session, [campaign], today=local_today(settings.tz))[0]


@router.patch("/campaigns/{campaign_id}", response_model=CampaignPublic,
              summary="Change a campaign (period, areas, target, colour, directives; archived=true ends it)")
def patch(session: SessionDep, principal: OperatorUser, settings: SettingsDep, campaign_id: IdPath,
          body: CampaignUpdate) -> CampaignPublic:
    campaign = update_campaign(session, get_campaign(session, campaign_id, actor=principal), body, actor=principal)
    return campaigns_public(session, [campaign], today=local_today(settings.tz))[0]
