"""Broadcast slots: a week calendar per area or cluster, add/edit/delete with the services' conflict messages."""

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import IdPath, SessionDep, SettingsDep, area_in_scope
from api.web.area_choices import area_options, area_or_scope
from api.web.common import (
    MAX_PAGE_DAY,
    MIN_PAGE_DAY,
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_error,
    form_ids,
    form_value,
    local_today,
    parse_date,
    parse_day_param,
    redirect,
    render,
    trf,
    web_router,
)
from core import formatting
from core.areas import Area, is_within
from core.errors import DomainError, Forbidden, Invalid
from core.timeutil import iso_week_start
from core.users import Principal, Role
from media.store import MediaStore
from playlists.signature_tune import DEFAULT_TUNE, area_slots, default_tune_hash, set_area_tune, set_slot_tune
from playlists.slots import (
    SlotCreate,
    SlotUpdate,
    create_slot,
    delete_slot,
    effective_slots,
    get_slot,
    list_slots,
    slot_readable,
    update_slot,
    weekdays_of,
)

router = web_router()

WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
PX_PER_HOUR = 36


def _slots_for(session: Session, principal: Principal, area: Area | None) -> list[tuple]:
    """(slot, set-on area, inherited?) for the slots that apply at the area (or all, country-wide)."""
    if area is None:
        return [(row, at, False) for row, at in list_slots(session, scope=None, limit=500)]
    applying = effective_slots(session, area)
    # Below the chosen area too, so a commune operator sees the clusters' own slots.
    below = [(row, at) for row, at in list_slots(session, scope=area, limit=500)
             if at.id != area.id and is_within(at, area)]
    return [(row, at, at.id != area.id) for row, at in applying] + [(row, at, False) for row, at in below]


def _week_blocks(slots: list[tuple], week: date) -> tuple[list[dict], int, int]:
    """Positioned blocks of the calendar, and the hour range it shows."""
    blocks, first, last = [], 5, 21
    for row, _at, _inherited in slots:
        start_min = row.start_time.hour * 60 + row.start_time.minute
        first = min(first, start_min // 60)
        last = max(last, min(24, -(-(start_min + row.duration_minutes) // 60)))
    for row, at, inherited in slots:
        start_min = row.start_time.hour * 60 + row.start_time.minute
        for weekday in weekdays_of(row):
            day = week + timedelta(days=weekday)
            if (row.starts_on and day < row.starts_on) or (row.ends_on and day > row.ends_on):
                continue
            minutes = min(row.duration_minutes, 24 * 60 - start_min)
            blocks.append({"weekday": weekday, "name": row.name, "area": at.name, "inherited": inherited,
                           "commemorative": row.commemorative_only,
                           "top": (start_min - first * 60) * PX_PER_HOUR / 60,
                           "height": max(14, minutes * PX_PER_HOUR / 60),
                           "label": f"{row.start_time:%H:%M} · {row.duration_minutes}′"})
    return blocks, first, last


def _page(request: Request, session: Session, principal: Principal, area: Area | None, week: date, *,
          status_code: int = 200, error: str | None = None, values: dict | None = None) -> HTMLResponse:
    slots = _slots_for(session, principal, area)
    blocks, first, last = _week_blocks(slots, week)
    writer = principal.role in (Role.admin, Role.operator)
    rows = [{"slot": row, "area": at, "inherited": inherited, "days": weekdays_of(row),
             "editable": writer and is_within(at, principal.scope)} for row, at, inherited in slots]
    return render(request, "slots.html", status_code, area=area, week=week, days=[week + timedelta(days=i)
                                                                                    for i in range(7)],
                  weekday_names=WEEKDAY_NAMES, blocks=blocks, first=first, last=last, px=PX_PER_HOUR,
                  rows=rows, areas=area_options(session, principal), can_add=writer,
                  error=error,
                  values=values or {"weekdays": list(range(7)), "default_tune": _area_uses_tune(session, area)},
                  today=local_today(request), default_tune=default_tune_hash())


def _area_uses_tune(session: Session, area: Area | None) -> bool:
    """A new slot starts with the default tune when every slot already set on the area has it at both ends."""
    own = [row for row in area_slots(session, area) if row.area_id == area.id] if area else []
    sha = default_tune_hash()
    return bool(own) and all(row.intro_sha256 == sha and row.outro_sha256 == sha for row in own)


@router.get("/slots", response_class=HTMLResponse)
def slots_page(request: Request, session: SessionDep, principal: ReaderPage, area_id: int | None = None,
               week: str | None = None) -> HTMLResponse:
    if principal.role == Role.approver:
        raise Forbidden("Vai trò của bạn không được dùng trang này.")
    start = iso_week_start(parse_day_param(week, local_today(request), request))
    return _page(request, session, principal, area_or_scope(session, principal, area_id), start)


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: form_value(form, k) for k in ("name", "start_time", "duration_minutes", "starts_on",
                                                                "ends_on", "area_id", "week")}
    values["weekdays"] = [d for d in form_ids(form, "weekdays") if 0 <= d <= 6]
    values["commemorative_only"] = form.get("commemorative_only") == "true"
    values["default_tune"] = form.get("default_tune") == "true"
    return values


def _week_of(values: dict, request: Request) -> date:
    return iso_week_start(parse_day_param(values.get("week"), local_today(request)))


@router.post("/slots", response_class=HTMLResponse)
def slots_create(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                 form: FormDep) -> Response:
    v = _values(form)
    area_id = int(v["area_id"]) if v["area_id"] and v["area_id"].isdigit() else None
    area = area_or_scope(session, principal, area_id)
    try:
        check_new_slot_dates(v, local_today(request))
        data = SlotCreate.model_validate({
            "area_id": area.id if area else 0, "name": v["name"] or "", "start_time": v["start_time"] or "",
            "duration_minutes": v["duration_minutes"] or 0, "weekdays": v["weekdays"] or None,
            "starts_on": parse_date(v["starts_on"]), "ends_on": parse_date(v["ends_on"]),
            "commemorative_only": v["commemorative_only"]})
        slot = create_slot(session, data, scope=principal.scope, tz=settings.tz,
                           store=MediaStore(settings.media_dir), created_by=principal.user_id)
        if v["default_tune"]:
            set_slot_tune(session, slot, "both", True, scope=principal.scope, tz=settings.tz,
                          store=MediaStore(settings.media_dir))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _page(request, session, principal, area, _week_of(v, request), status_code=_code(exc),
                     error=form_error(exc), values=v)
    flash(request, trf(request, "Đã thêm khung giờ “{name}” lúc {time}.", name=slot.name,
                        time=f"{slot.start_time:%H:%M}"))
    return redirect(f"/slots?area_id={slot.area_id}")


def _day_field(text: str | None, label: str) -> date | None:
    """A date field of the slot form: blank, or a real day (31/02 and 20266 are said, not guessed)."""
    if not text:
        return None
    parsed = parse_date(text)
    if not isinstance(parsed, date) or not MIN_PAGE_DAY <= parsed <= MAX_PAGE_DAY:
        raise Invalid(f"{label} “{text[:40]}” không phải một ngày có thật: nhập theo dạng dd/mm/yyyy, "
                      "ví dụ 01/01/2027.")
    return parsed


def check_new_slot_dates(values: dict, today: date) -> None:
    """A new slot's dates: real days, and none in the past. Playlists of past days are never built again, so a
    past start would only pretend the slot ran then (it applies from today whatever it says), and a past end
    makes a slot that never runs: refused with the reason, instead of "Đã thêm khung giờ"."""
    starts_on = _day_field(values.get("starts_on"), "Ngày bắt đầu")
    ends_on = _day_field(values.get("ends_on"), "Ngày kết thúc")
    if ends_on is not None and ends_on < today:
        raise Invalid(f"Ngày kết thúc {ends_on:%d/%m/%Y} đã qua: khung giờ này sẽ không bao giờ được phát. "
                      f"Chọn một ngày từ hôm nay ({today:%d/%m/%Y}), hoặc để trống nếu dùng lâu dài.")
    if starts_on is not None and starts_on < today:
        raise Invalid(f"Ngày bắt đầu {starts_on:%d/%m/%Y} đã qua: danh sách phát những ngày đã qua không được lập "
                      f"lại, nên khung giờ mới chỉ áp dụng từ hôm nay ({today:%d/%m/%Y}). Để trống ngày bắt đầu "
                      "để áp dụng ngay, hoặc chọn một ngày từ hôm nay.")


def _code(exc: Exception) -> int:
    from api.web.common import status_for

    return status_for(exc) if isinstance(exc, DomainError) else 422


@router.get("/slots/{slot_id}/edit", response_class=HTMLResponse)
def slot_edit_page(request: Request, session: SessionDep, principal: OperatorPage, slot_id: IdPath) -> HTMLResponse:
    row = get_slot(session, slot_id)
    area = slot_readable(session, row, principal.scope)
    values = {"name": row.name, "start_time": f"{row.start_time:%H:%M}", "duration_minutes": row.duration_minutes,
              "weekdays": weekdays_of(row), "starts_on": formatting.date_text(row.starts_on) if row.starts_on else "",
              "ends_on": formatting.date_text(row.ends_on) if row.ends_on else "",
              "commemorative_only": row.commemorative_only}
    return render(request, "slot_edit.html", slot=row, area=area, values=values, weekday_names=WEEKDAY_NAMES,
                  error=None, default_tune=default_tune_hash())


@router.post("/slots/{slot_id}", response_class=HTMLResponse)
def slot_update(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                slot_id: IdPath, form: FormDep) -> Response:
    row = get_slot(session, slot_id)
    area = slot_readable(session, row, principal.scope)
    v = _values(form)
    try:
        data = SlotUpdate.model_validate({
            "name": v["name"] or "", "start_time": v["start_time"] or "",
            "duration_minutes": v["duration_minutes"] or 0, "weekdays": v["weekdays"] or list(range(7)),
            "starts_on": parse_date(v["starts_on"]), "ends_on": parse_date(v["ends_on"]),
            "commemorative_only": v["commemorative_only"]})
        update_slot(session, row, data, scope=principal.scope, tz=settings.tz, store=MediaStore(settings.media_dir))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return render(request, "slot_edit.html", _code(exc), slot=get_slot(session, slot_id), area=area, values=v,
                      weekday_names=WEEKDAY_NAMES, error=form_error(exc), default_tune=default_tune_hash())
    flash(request, trf(request, "Đã lưu khung giờ “{name}”.", name=row.name))
    return redirect(f"/slots?area_id={area.id}")


@router.post("/slots/{slot_id}/delete")
def slot_delete(request: Request, session: SessionDep, principal: OperatorPage, slot_id: IdPath) -> RedirectResponse:
    row = get_slot(session, slot_id)
    area_id, name = row.area_id, row.name
    delete_slot(session, row, scope=principal.scope)
    flash(request, trf(request, "Đã xóa khung giờ “{name}”.", name=name))
    return redirect(f"/slots?area_id={area_id}")


# ---------------------------------------------------------------------------- signature tune


def _use_default(form: FormData) -> bool:
    action = form_value(form, "action")
    if action not in ("default", "none"):
        raise Invalid("Chọn «dùng nhạc hiệu mặc định» hoặc «bỏ nhạc hiệu».")
    return action == "default"


@router.get("/slots/default-tune.mp3")
def default_tune_file(principal: ReaderPage) -> FileResponse:
    """The shipped tune itself, to listen before choosing it (it enters the media store when chosen)."""
    return FileResponse(DEFAULT_TUNE, media_type="audio/mpeg")


@router.post("/slots/areas/{area_id}/tune")
def area_tune(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
              area_id: IdPath, form: FormDep) -> RedirectResponse:
    """The default tune at the start and end of every slot set on the area and below it (or none)."""
    area = area_in_scope(session, principal, area_id)
    use = _use_default(form)
    count = set_area_tune(session, area, use, scope=principal.scope, tz=settings.tz,
                          store=MediaStore(settings.media_dir))
    if use:
        flash(request, trf(request, "Đã đặt nhạc hiệu mặc định ở đầu và cuối {count} khung giờ của {area}.",
                           count=count, area=area.name))
    else:
        flash(request, trf(request, "Đã bỏ nhạc hiệu ở {count} khung giờ của {area}.", count=count, area=area.name))
    return redirect(f"/slots?area_id={area.id}")


@router.post("/slots/{slot_id}/tune")
def slot_tune(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
              slot_id: IdPath, form: FormDep) -> RedirectResponse:
    """The default tune at the start or end of one slot (or none there)."""
    row = get_slot(session, slot_id)
    slot_readable(session, row, principal.scope)
    use = _use_default(form)
    set_slot_tune(session, row, form_value(form, "which") or "", use, scope=principal.scope, tz=settings.tz,
                  store=MediaStore(settings.media_dir))
    flash(request, trf(request, "Đã lưu nhạc hiệu của khung giờ “{name}”.", name=row.name))
    return redirect(f"/slots/{slot_id}/edit")
