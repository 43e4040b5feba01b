"""Content quotas from directives and the compliance view (which units are behind)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep, SettingsDep
from campaigns.quotas import compliance, create_rule, delete_rule, get_rule, list_rules, rule_public, update_rule
from campaigns.schemas import MAX_DATE, MIN_DATE, ComplianceReport, QuotaCreate, QuotaPublic, QuotaUpdate
from core.timeutil import local_today

router = APIRouter(tags=["quotas"])


@router.post("/quotas", response_model=QuotaPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a quota rule: units (e.g. communes) below an area must supply N items per period")
def create(session: SessionDep, principal: OperatorUser, body: QuotaCreate) -> QuotaPublic:
    return rule_public(create_rule(session, body, actor=principal))


@router.get("/quotas", response_model=list[QuotaPublic], summary="Quota rules touching the caller's subtree")
def list_(session: SessionDep, principal: Reader,
          directive_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          campaign_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[QuotaPublic]:
    return [rule_public(r) for r in list_rules(session, actor=principal, directive_id=directive_id,
                                               campaign_id=campaign_id)]


@router.get("/quotas/compliance", response_model=ComplianceReport,
            summary="Per unit: items submitted/approved in the period containing `on` (default today), "
                    "and whether the quota (or deadline) is met")
def compliance_view(session: SessionDep, principal: Reader, settings: SettingsDep,
                    on: Annotated[date | None, Query(ge=MIN_DATE, le=MAX_DATE)] = None,
                    rule_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                    area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> ComplianceReport:
    day = on or local_today(settings.tz)
    return compliance(session, actor=principal, on=day, tz=settings.tz, rule_id=rule_id, area_id=area_id)


@router.get("/quotas/{rule_id}", response_model=QuotaPublic, summary="One quota rule")
def get(session: SessionDep, principal: Reader, rule_id: IdPath) -> QuotaPublic:
    return rule_public(get_rule(session, rule_id, actor=principal))


@router.patch("/quotas/{rule_id}", response_model=QuotaPublic, summary="Change a quota rule")
def patch(session: SessionDep, principal: OperatorUser, rule_id: IdPath, body: QuotaUpdate) -> QuotaPublic:
    return rule_public(update_rule(session, get_rule(session, rule_id, actor=principal), body, actor=principal))


@router.delete("/quotas/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a quota rule")
def delete(session: SessionDep, principal: OperatorUser, rule_id: IdPath) -> None:
    delete_rule(session, get_rule(session, rule_id, actor=principal), actor=principal)
