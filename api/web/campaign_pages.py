"""Directives ("kế hoạch", "công văn") and the campaigns built on them."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import IdPath, SessionDep
from api.web.area_choices import area_options
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_error,
    form_ids,
    form_value,
    local_today,
    parse_date,
    redirect,
    render,
    trf,
    web_router,
)
from campaigns.campaigns import campaigns_public, create_campaign, get_campaign, list_campaigns
from campaigns.directives import create_directive, directives_public, list_directives
from campaigns.schemas import CampaignCreate, DirectiveCreate
from core.areas import AreaLevel, get_area_names
from core.errors import DomainError
from core.users import Principal, Role

router = web_router()

TARGET_LEVELS = [AreaLevel.province, AreaLevel.district, AreaLevel.commune, AreaLevel.cluster]


def _campaigns_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                    error: str | None = None, values: dict | None = None, q: str | None = None,
                    archived: bool = False) -> HTMLResponse:
    today = local_today(request)
    rows, total = list_campaigns(session, actor=principal, q=q, include_archived=archived, limit=200)
    campaigns = campaigns_public(session, rows, today=today)
    names = get_area_names(session, {a for c in campaigns for a in c.area_ids})
    directives, _ = list_directives(session, actor=principal, limit=200)
    return render(request, "campaigns.html", status_code, campaigns=campaigns, total=total, names=names,
                  directives=directives, areas=area_options(session, principal, TARGET_LEVELS),
                  can_edit=principal.role in (Role.admin, Role.operator), error=error, values=values or {},
                  q=q or "", archived=archived, today=today)


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, session: SessionDep, principal: ReaderPage, q: str | None = None,
                   archived: bool = False) -> HTMLResponse:
    return _campaigns_page(request, session, principal, q=(q or "").strip()[:100] or None, archived=archived)


def _campaign_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: form_value(form, k) for k in ("name", "description", "starts_on", "ends_on",
                                                "target_minutes_per_week", "color", "directive_id",
                                                "d_number", "d_issuer", "d_title", "d_issued_on")}
    values["area_ids"] = form_ids(form, "area_ids")
    return values


@router.post("/campaigns", response_class=HTMLResponse)
def campaigns_create(request: Request, session: SessionDep, principal: OperatorPage, form: FormDep) -> Response:
    v = _campaign_values(form)
    try:
        directive = None
        if v["d_number"] or v["d_title"] or v["d_issuer"]:
            directive = DirectiveCreate.model_validate({
                "number": v["d_number"] or "", "issuer": v["d_issuer"] or "", "title": v["d_title"] or "",
                "issued_on": parse_date(v["d_issued_on"])})
        data = CampaignCreate.model_validate({
            "name": v["name"] or "", "description": v["description"], "starts_on": parse_date(v["starts_on"]),
            "ends_on": parse_date(v["ends_on"]), "area_ids": v["area_ids"],
            "target_minutes_per_week": v["target_minutes_per_week"].replace(",", ".")
            if v["target_minutes_per_week"] else None,
            "color": v["color"], "directive": directive,
            "directive_ids": [int(v["directive_id"])] if v["directive_id"] and v["directive_id"].isdigit() else None})
        campaign = create_campaign(session, data, actor=principal)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _campaigns_page(request, session, principal, status_code=422, error=form_error(exc), values=v)
    flash(request, trf(request, "Đã tạo chiến dịch “{name}”.", name=campaign.name))
    return redirect(f"/campaigns/{campaign.id}")


@router.get("/campaigns/directives", response_class=HTMLResponse)
def directives_page(request: Request, session: SessionDep, principal: ReaderPage,
                    q: str | None = None) -> HTMLResponse:
    return _directives_page(request, session, principal, q=(q or "").strip()[:100] or None)


def _directives_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                     error: str | None = None, values: dict | None = None, q: str | None = None) -> HTMLResponse:
    rows, total = list_directives(session, actor=principal, q=q, limit=300)
    directives = directives_public(session, rows)
    names = get_area_names(session, {a for d in directives for a in d.area_ids})
    return render(request, "directives.html", status_code, directives=directives, total=total, names=names,
                  areas=area_options(session, principal, TARGET_LEVELS[:3]),
                  can_edit=principal.role in (Role.admin, Role.operator), error=error, values=values or {},
                  q=q or "")


@router.post("/campaigns/directives", response_class=HTMLResponse)
def directives_create(request: Request, session: SessionDep, principal: OperatorPage, form: FormDep) -> Response:
    v: dict[str, Any] = {k: form_value(form, k) for k in ("number", "issuer", "title", "issued_on", "starts_on",
                                                          "ends_on")}
    full_text = form.get("full_text")
    v["area_ids"] = form_ids(form, "area_ids")
    try:
        data = DirectiveCreate.model_validate({
            "number": v["number"] or "", "issuer": v["issuer"] or "", "title": v["title"] or "",
            "issued_on": parse_date(v["issued_on"]), "starts_on": parse_date(v["starts_on"]),
            "ends_on": parse_date(v["ends_on"]), "area_ids": v["area_ids"] or None,
            "full_text": full_text if isinstance(full_text, str) and full_text.strip() else None})
        directive = create_directive(session, data, actor=principal)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _directives_page(request, session, principal, status_code=422, error=form_error(exc), values=v)
    flash(request, trf(request, "Đã thêm văn bản {number}.", number=directive.number))
    return redirect("/campaigns/directives")


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, session: SessionDep, principal: ReaderPage, campaign_id: IdPath) -> HTMLResponse:
    from campaigns.contents import contents_summary, list_contents

    today = local_today(request)
    campaign = campaigns_public(session, [get_campaign(session, campaign_id, actor=principal)], today=today)[0]
    rows, total = list_contents(session, actor=principal, campaign_id=campaign_id, today=today, limit=200)
    return render(request, "campaign.html", campaign=campaign, contents=contents_summary(session, rows, today=today),
                  total=total, names=get_area_names(session, set(campaign.area_ids)),
                  can_edit=principal.role in (Role.admin, Role.operator))
