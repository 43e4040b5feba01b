"""Content quotas ("mỗi xã ít nhất 01 gương mỗi tháng"): the rules, and the compliance view that says
which units have not supplied their items this month or by the deadline."""

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import IdPath, SessionDep, SettingsDep, area_in_scope
from api.web.area_choices import area_options
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_error,
    form_value,
    local_today,
    parse_date,
    parse_day_param,
    redirect,
    render,
    trf,
    web_router,
)
from campaigns.campaigns import list_campaigns
from campaigns.directives import list_directives
from campaigns.models import KIND_LABELS, QuotaPeriod
from campaigns.quotas import compliance, create_rule, delete_rule, get_rule, list_rules
from campaigns.schemas import QuotaCreate
from core.areas import LEVEL_LABELS, Area, AreaLevel, get_area_names
from core.config import Settings
from core.errors import DomainError
from core.users import Principal, Role

router = web_router()

PERIOD_LABELS = {QuotaPeriod.monthly.value: "Hàng tháng", QuotaPeriod.deadline.value: "Theo hạn chót"}
RULE_AREA_LEVELS = [AreaLevel.province, AreaLevel.district, AreaLevel.commune]
UNIT_LEVELS = [AreaLevel.district, AreaLevel.commune, AreaLevel.cluster]
FIELDS = ("name", "area_id", "unit_level", "kind", "min_count", "max_count", "period", "starts_on", "ends_on",
          "directive_id", "campaign_id", "note")


def _page(request: Request, session: Session, settings: Settings, principal: Principal, *, on: date,
          focus: Area | None = None, status_code: int = 200, error: str | None = None,
          values: dict | None = None) -> HTMLResponse:
    rules = list_rules(session, actor=principal)
    report = compliance(session, actor=principal, on=on, tz=settings.tz, area_id=focus.id if focus else None)
    directives, _ = list_directives(session, actor=principal, limit=300)
    campaigns, _ = list_campaigns(session, actor=principal, limit=300)
    export_qs = f"on={on.isoformat()}" + (f"&area_id={focus.id}" if focus else "")
    return render(request, "quotas.html", status_code, rules=rules, report=report, on=on, focus=focus,
                  names=get_area_names(session, {r.area_id for r in rules}),
                  directive_names={d.id: d.number for d in directives},
                  campaign_names={c.id: c.name for c in campaigns}, directives=directives, campaigns=campaigns,
                  areas=area_options(session, principal, RULE_AREA_LEVELS),
                  unit_levels=[(lvl.value, LEVEL_LABELS[lvl]) for lvl in UNIT_LEVELS],
                  all_levels={lvl.value: LEVEL_LABELS[lvl] for lvl in AreaLevel},
                  kinds=[(k.value, label) for k, label in KIND_LABELS.items()],
                  kind_labels={k.value: label for k, label in KIND_LABELS.items()},
                  periods=list(PERIOD_LABELS.items()), period_labels=PERIOD_LABELS, export_qs=export_qs,
                  can_edit=principal.role in (Role.admin, Role.operator), error=error, values=values or {})


@router.get("/quotas", response_class=HTMLResponse)
def quotas_page(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage,
                on: str | None = None, area_id: int | None = None) -> HTMLResponse:
    day = parse_day_param(on, local_today(request), request)
    return _page(request, session, settings, principal, on=day,
                 focus=area_in_scope(session, principal, area_id) if area_id is not None else None)


def _int(text: str | None) -> int | str | None:
    return int(text) if text and text.isdigit() else text


@router.post("/quotas", response_class=HTMLResponse)
def quotas_create(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                  form: FormDep) -> Response:
    v = {k: form_value(form, k) for k in FIELDS}
    try:
        data = QuotaCreate.model_validate({
            "name": v["name"] or "", "area_id": _int(v["area_id"]), "unit_level": v["unit_level"] or AreaLevel.commune,
            "kind": v["kind"], "min_count": _int(v["min_count"]) if v["min_count"] is not None else 1,
            "max_count": _int(v["max_count"]),
            "period": v["period"] or QuotaPeriod.monthly, "starts_on": parse_date(v["starts_on"]),
            "ends_on": parse_date(v["ends_on"]), "directive_id": _int(v["directive_id"]),
            "campaign_id": _int(v["campaign_id"]), "note": v["note"]})
        rule = create_rule(session, data, actor=principal)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _page(request, session, settings, principal, on=local_today(request), status_code=422,
                     error=form_error(exc), values=v)
    flash(request, trf(request, "Đã thêm chỉ tiêu “{name}”.", name=rule.name))
    return redirect("/quotas")


@router.post("/quotas/{rule_id}/delete")
def quotas_delete(request: Request, session: SessionDep, principal: OperatorPage, rule_id: IdPath):
    rule = get_rule(session, rule_id, actor=principal)
    name = rule.name
    delete_rule(session, rule, actor=principal)
    flash(request, trf(request, "Đã xóa chỉ tiêu “{name}”.", name=name))
    return redirect("/quotas")
