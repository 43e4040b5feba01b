"""Relays ("tiếp sóng"): the live streams of higher-level stations an area's clusters carry; add, edit, delete,
with the stream check's result shown on every save."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import IdPath, SessionDep, SettingsDep
from api.web.area_choices import area_options, area_or_scope
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_error,
    form_ids,
    form_value,
    parse_date,
    redirect,
    render,
    status_for,
    trf,
    web_router,
)
from api.web.slots_pages import WEEKDAY_NAMES
from core import formatting
from core.areas import Area
from core.errors import DomainError, Forbidden
from core.users import Principal, Role
from playlists.relays import (
    RelayCreate,
    RelayProgramme,
    RelayUpdate,
    create_relay,
    delete_relay,
    editable,
    get_relay,
    list_relays,
    publics,
    relay_readable,
    update_relay,
)
from playlists.stream_check import stream_checker

router = web_router()


def _checker(request: Request):
    settings = request.app.state.settings
    return stream_checker(settings.stream_check, settings.stream_check_timeout_s)


def _page(request: Request, session: Session, principal: Principal, area: Area | None, *, status_code: int = 200,
          error: str | None = None, values: dict | None = None) -> HTMLResponse:
    rows = list_relays(session, scope=principal.scope, area=area)
    writer = principal.role in (Role.admin, Role.operator)
    relays = [{"relay": pub, "editable": writer and editable([_area(session, a.id) for a in pub.areas],
                                                             principal.scope)}
              for pub in publics(session, rows)]
    return render(request, "relays.html", status_code, area=area, relays=relays, weekday_names=WEEKDAY_NAMES,
                  areas=area_options(session, principal), can_add=writer, error=error,
                  values=values or {"weekdays": list(range(7))})


def _area(session: Session, area_id: int) -> Area:
    found = session.get(Area, area_id)
    assert found is not None
    return found


def _values(form) -> dict[str, Any]:
    fields = ("name", "stream_url", "start_time", "duration_minutes", "starts_on", "ends_on", "area_id")
    values: dict[str, Any] = {k: form_value(form, k) for k in fields}
    values["weekdays"] = [d for d in form_ids(form, "weekdays") if 0 <= d <= 6]
    return values


def _code(exc: Exception) -> int:
    return status_for(exc) if isinstance(exc, DomainError) else 422


def _flash_check(request: Request, row: RelayProgramme, added: bool) -> None:
    """Added or saved, and what the stream check found (its words are the service's, like an error's)."""
    name, check, time = row.name, row.check_message or "", f"{row.start_time:%H:%M}"
    if row.check_ok is False and added:
        flash(request, trf(request, "Đã thêm tiếp sóng “{name}”, nhưng CẢNH BÁO: {check} Thiết bị sẽ phát nhạc "
                                    "đệm nếu luồng không phát được.", name=name, check=check), "warn")
    elif row.check_ok is False:
        flash(request, trf(request, "Đã lưu tiếp sóng “{name}”, nhưng CẢNH BÁO: {check} Thiết bị sẽ phát nhạc "
                                    "đệm nếu luồng không phát được.", name=name, check=check), "warn")
    elif added:
        flash(request, trf(request, "Đã thêm tiếp sóng “{name}” lúc {time}. {check}", name=name, time=time,
                           check=check))
    else:
        flash(request, trf(request, "Đã lưu tiếp sóng “{name}” lúc {time}. {check}", name=name, time=time,
                           check=check))


@router.get("/relays", response_class=HTMLResponse)
def relays_page(request: Request, session: SessionDep, principal: ReaderPage,
                area_id: int | None = None) -> HTMLResponse:
    if principal.role == Role.approver:
        raise Forbidden("Vai trò của bạn không được dùng trang này.")
    return _page(request, session, principal, area_or_scope(session, principal, area_id))


@router.post("/relays", response_class=HTMLResponse)
def relays_create(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                  form: FormDep) -> Response:
    v = _values(form)
    area_id = int(v["area_id"]) if v["area_id"] and v["area_id"].isdigit() else None
    area = area_or_scope(session, principal, area_id)
    try:
        data = RelayCreate.model_validate({
            "name": v["name"] or "", "stream_url": v["stream_url"] or "", "start_time": v["start_time"] or "",
            "duration_minutes": v["duration_minutes"] or 0, "area_ids": [area.id] if area else [],
            "weekdays": v["weekdays"] or None, "starts_on": parse_date(v["starts_on"]),
            "ends_on": parse_date(v["ends_on"])})
        row = create_relay(session, data, scope=principal.scope, checker=_checker(request), tz=settings.tz,
                           created_by=principal.user_id)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _page(request, session, principal, area, status_code=_code(exc), error=form_error(exc), values=v)
    _flash_check(request, row, added=True)
    return redirect(f"/relays?area_id={area.id}" if area else "/relays")


@router.get("/relays/{relay_id}/edit", response_class=HTMLResponse)
def relay_edit_page(request: Request, session: SessionDep, principal: OperatorPage, relay_id: IdPath) -> HTMLResponse:
    row = get_relay(session, relay_id)
    areas = relay_readable(session, row, principal.scope)
    values = {"name": row.name, "stream_url": row.stream_url, "start_time": f"{row.start_time:%H:%M}",
              "duration_minutes": row.duration_minutes, "weekdays": [int(d) for d in row.weekdays],
              "starts_on": formatting.date_text(row.starts_on) if row.starts_on else "",
              "ends_on": formatting.date_text(row.ends_on) if row.ends_on else ""}
    return render(request, "relay_edit.html", relay=publics(session, [row])[0], areas=areas, values=values,
                  weekday_names=WEEKDAY_NAMES, error=None)


@router.post("/relays/{relay_id}", response_class=HTMLResponse)
def relay_update(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                 relay_id: IdPath, form: FormDep) -> Response:
    row = get_relay(session, relay_id)
    areas = relay_readable(session, row, principal.scope)
    v = _values(form)
    try:
        data = RelayUpdate.model_validate({
            "name": v["name"] or "", "stream_url": v["stream_url"] or "", "start_time": v["start_time"] or "",
            "duration_minutes": v["duration_minutes"] or 0, "weekdays": v["weekdays"] or list(range(7)),
            "starts_on": parse_date(v["starts_on"]), "ends_on": parse_date(v["ends_on"])})
        update_relay(session, row, data, scope=principal.scope, checker=_checker(request), tz=settings.tz,
                     actor_id=principal.user_id)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        row = get_relay(session, relay_id)
        return render(request, "relay_edit.html", _code(exc), relay=publics(session, [row])[0], areas=areas,
                      values=v, weekday_names=WEEKDAY_NAMES, error=form_error(exc))
    _flash_check(request, row, added=False)
    return redirect(f"/relays?area_id={areas[0].id}" if areas else "/relays")


@router.post("/relays/{relay_id}/delete")
def relay_delete(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                 relay_id: IdPath) -> RedirectResponse:
    row = get_relay(session, relay_id)
    areas = relay_readable(session, row, principal.scope)
    name = row.name
    delete_relay(session, row, scope=principal.scope, tz=settings.tz, actor_id=principal.user_id)
    flash(request, trf(request, "Đã xóa tiếp sóng “{name}”.", name=name))
    return redirect(f"/relays?area_id={areas[0].id}" if areas else "/relays")
