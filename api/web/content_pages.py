"""Content ("tin, bài"): the list with filters, the editor with the live spoken-form preview, the audio
(player, upload of a recording, render progress), the workflow buttons, history, and the approval queue."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import IdPath, SessionDep, SettingsDep
from api.web.area_choices import area_options
from api.web.common import (
    ApproverPage,
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
    roles,
    status_for,
    tr,
    web_router,
)
from api.web.voices_pages import voice_choices
from campaigns import contents as workflow
from campaigns import emergencies
from campaigns.campaigns import get_campaigns, list_campaigns
from campaigns.models import KIND_LABELS, STATUS_LABELS, Campaign, ContentStatus
from campaigns.recordings import upload_limits_vi, upload_recording
from campaigns.render import SYSTEM_USERNAME
from campaigns.schemas import ContentCreate, ContentUpdate, RejectBody
from core import formatting
from core.areas import AreaLevel, get_area_names
from core.config import Settings
from core.errors import DomainError, Invalid
from core.levels import CONTENT_LEVEL_LABELS
from core.users import Principal, Role, get_user_names
from playlists.inputs import load_area_slots
from playlists.reach import Reach, content_reach
from tts.config import voices_dir

router = web_router()

EnderPage = Annotated[Principal, roles(Role.operator, Role.approver)]

PAGE_SIZE = 50
EVENT_LABELS = {
    "created": "Soạn mới", "updated": "Sửa", "edited": "Sửa", "revised": "Sửa (bản mới)", "submitted": "Gửi duyệt",
    "withdrawn": "Rút lại", "approved": "Duyệt", "rejected": "Từ chối", "archived": "Lưu trữ",
    "render_queued": "Tạo âm thanh", "rendered": "Đã có âm thanh", "render_done": "Đã có âm thanh",
    "render_failed": "Lỗi tạo âm thanh",
    "audio_uploaded": "Tải bản ghi âm", "priority_order": "Sắp xếp thứ tự tin ưu tiên",
    "ended": "Kết thúc ngay",
}
# An action recorded by a newer version than this page knows reads as a plain "change", never a code name.
OTHER_EVENT_LABEL = "Thay đổi khác"

# What a normal item is valid for when the form's "đến ngày" is left blank (an emergency: today only).
DEFAULT_VALID_DAYS = 30
STATUS_FILTERS = [(s.value, STATUS_LABELS[s]) for s in ContentStatus] + [("expired", "Hết hiệu lực")]


def _campaign_choices(session: Session, principal: Principal) -> list[Campaign]:
    rows, _ = list_campaigns(session, actor=principal, limit=300)
    return rows


# --- list ------------------------------------------------------------------------------------------

@router.get("/contents", response_class=HTMLResponse)
def contents_page(request: Request, session: SessionDep, principal: ReaderPage, status: str | None = None,
                  campaign_id: int | None = None, level: str | None = None, q: str | None = None,
                  mine: bool = False, page: int = 1) -> HTMLResponse:
    today = local_today(request)
    status = status if status in dict(STATUS_FILTERS) else None
    level = level if level in CONTENT_LEVEL_LABELS else None
    page = max(1, min(page, 10_000))
    q = (q or "").strip()[:100] or None
    rows, total = workflow.list_contents(session, actor=principal, status=status, campaign_id=campaign_id,
                                        level=level, q=q, mine=mine, today=today, limit=PAGE_SIZE,
                                        offset=(page - 1) * PAGE_SIZE)
    items = workflow.contents_summary(session, rows, today=today)
    return render(request, "contents.html", items=items, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                  campaigns=_campaign_choices(session, principal),
                  campaign_index=get_campaigns(session, (i.campaign_id for i in items)),
                  filters={"status": status, "campaign_id": campaign_id, "level": level, "q": q or "", "mine": mine},
                  statuses=STATUS_FILTERS, levels=list(CONTENT_LEVEL_LABELS.items()),
                  can_write=principal.role in (Role.admin, Role.operator))


# --- editor ----------------------------------------------------------------------------------------

def _editor(request: Request, session: Session, principal: Principal, *, values: dict, content=None,
            status_code: int = 200, error: str | None = None) -> HTMLResponse:
    return render(request, "content_edit.html", status_code, values=values, content=content, error=error,
                  campaigns=_campaign_choices(session, principal), voices=voice_choices(request),
                  areas=area_options(session, principal, [AreaLevel.province, AreaLevel.district,
                                                          AreaLevel.commune, AreaLevel.cluster]),
                  levels=list(CONTENT_LEVEL_LABELS.items()), kinds=list(KIND_LABELS.items()))


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: form_value(form, k) for k in ("title", "campaign_id", "level", "kind",
                                                                "valid_from", "valid_until", "ends_at", "voice")}
    body = form.get("body")
    # A browser sends a textarea's line breaks as CRLF; the box and its counter see one character each.
    values["body"] = body.replace("\r\n", "\n") if isinstance(body, str) else ""
    values["area_ids"] = form_ids(form, "area_ids")
    return values


def _fields(values: dict, today, *, new: bool = False) -> dict:
    """The form as service fields. Left blank, "đến ngày" means today only for an emergency (the service's
    default) and DEFAULT_VALID_DAYS for other items; the end of an emergency defaults to 23:59 of that day."""
    campaign = values["campaign_id"]
    level = values["level"] or "normal"
    valid_from = parse_date(values["valid_from"])
    valid_until = parse_date(values["valid_until"])
    if new and valid_until is None and level != "emergency":
        valid_until = (valid_from if isinstance(valid_from, date) else today) + timedelta(days=DEFAULT_VALID_DAYS)
    fields = {"title": values["title"] or "", "body": values["body"],
              "campaign_id": int(campaign) if campaign and campaign.isdigit() else None,
              "level": level, "kind": values["kind"] or "news",
              "valid_from": valid_from, "valid_until": valid_until,
              "area_ids": values["area_ids"] or None, "voice": values.get("voice") or None}
    if values.get("ends_at"):
        fields["ends_at"] = parse_local_datetime(values["ends_at"])
    return fields


def parse_local_datetime(text: str) -> datetime | str:
    """A datetime-local field (2026-12-03T17:30) or "17:30 03/12/2026"; anything else goes on to be refused."""
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%H:%M %d/%m/%Y", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return text


@router.get("/contents/new", response_class=HTMLResponse)
def content_new(request: Request, session: SessionDep, principal: OperatorPage,
                campaign_id: int | None = None, level: str | None = None) -> HTMLResponse:
    today = local_today(request)
    # "Đến ngày" and the end are left blank: an emergency is then valid today only, until 23:59; no area
    # is ticked (an emergency must name its areas).
    values: dict[str, Any] = {
        "title": "", "body": "", "campaign_id": str(campaign_id) if campaign_id else None,
        "level": level if level in CONTENT_LEVEL_LABELS else "normal", "kind": "news",
        "valid_from": formatting.date_text(today), "valid_until": "", "ends_at": "", "area_ids": [], "new": True}
    return _editor(request, session, principal, values=values)


@router.post("/contents", response_class=HTMLResponse)
def content_create(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   form: FormDep) -> Response:
    values = _form_values(form)
    try:
        content = workflow.create_content(session, ContentCreate(**_fields(values, local_today(request), new=True)),
                                          actor=principal, tz=settings.tz, voices=voices_dir(settings))
        if form.get("action") == "submit":
            workflow.submit_content(session, content, actor=principal, settings=settings)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _editor(request, session, principal, values=values, status_code=422, error=form_error(exc))
    flash(request, tr(request, "Đã gửi tin để duyệt.") if form.get("action") == "submit"
          else tr(request, "Đã lưu bản nháp."))
    return redirect(f"/contents/{content.id}")


def _content_page(request: Request, session: Session, settings: Settings, principal: Principal, content_id: int, *,
                  status_code: int = 200, error: str | None = None, values: dict | None = None) -> HTMLResponse:
    today = local_today(request)
    content = workflow.get_content(session, content_id, actor=principal)
    view = workflow.content_public(session, content, today=today)
    events = workflow.history(session, content)
    users = get_user_names(session, [*(e.user_id for e in events), view.created_by])
    campaign = session.get(Campaign, view.campaign_id) if view.campaign_id else None
    writer = principal.role in (Role.admin, Role.operator)
    decider = principal.role in (Role.admin, Role.approver)
    editable = writer and view.status != ContentStatus.archived
    if values is None:
        values = {"title": view.title, "body": view.body, "campaign_id": str(view.campaign_id or ""),
                  "level": view.level, "kind": view.kind, "valid_from": formatting.date_text(view.valid_from),
                  "valid_until": formatting.date_text(view.valid_until),
                  "ends_at": view.ends_at.astimezone(settings.tz).strftime("%Y-%m-%dT%H:%M") if view.ends_at else "",
                  "area_ids": view.area_ids, "voice": view.voice or ""}
    reach = None
    if view.status in (ContentStatus.draft, ContentStatus.submitted, ContentStatus.rejected):  # before approval
        reach = reach_view(content_reach(session, content, tz=settings.tz), settings.tz)
    return render(request, "content.html", status_code, c=view, events=events, users=users, campaign=campaign,
                  names=get_area_names(session, set(view.area_ids)), editable=editable, writer=writer,
                  decider=decider and principal.user_id not in {view.created_by},
                  error=error, values=values, event_labels=EVENT_LABELS, other_event=OTHER_EVENT_LABEL,
                  system_username=SYSTEM_USERNAME,
                  campaigns=_campaign_choices(session, principal) if editable else [],
                  areas=area_options(session, principal, [AreaLevel.province, AreaLevel.district,
                                                          AreaLevel.commune, AreaLevel.cluster]) if editable else [],
                  levels=list(CONTENT_LEVEL_LABELS.items()), kinds=list(KIND_LABELS.items()),
                  upload_limits=upload_limits_vi(), reach=reach, ender=writer or decider,
                  voices=voice_choices(request) if editable else [],
                  ends_text=_local_text(view.ends_at, settings.tz), ended_text=_local_text(view.ended_at, settings.tz))


@router.get("/contents/{content_id}", response_class=HTMLResponse)
def content_page(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage,
                 content_id: IdPath) -> HTMLResponse:
    return _content_page(request, session, settings, principal, content_id)


@router.post("/contents/{content_id}", response_class=HTMLResponse)
def content_update(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   content_id: IdPath, form: FormDep) -> Response:
    values = _form_values(form)
    try:
        content = workflow.get_content(session, content_id, actor=principal)
        fields = _fields(values, local_today(request))
        if fields["area_ids"] is None:
            fields.pop("area_ids")
        workflow.update_content(session, content, ContentUpdate(**fields), actor=principal, tz=settings.tz,
                                voices=voices_dir(settings))
        if form.get("action") == "submit":
            workflow.submit_content(session, content, actor=principal, settings=settings)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _content_page(request, session, settings, principal, content_id, status_code=422,
                             error=form_error(exc), values=values)
    flash(request, tr(request, "Đã gửi tin để duyệt.") if form.get("action") == "submit" else tr(request, "Đã lưu."))
    return redirect(f"/contents/{content_id}")


# --- workflow --------------------------------------------------------------------------------------

def _transition(request: Request, session: Session, settings: Settings, principal: Principal, content_id: int,
                action, done: str, back: str | None = None) -> Response:
    """Runs a workflow step; `done` is the flash message, already translated (`tr(request, "...")`)."""
    try:
        content = workflow.get_content(session, content_id, actor=principal)
        action(content)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _content_page(request, session, settings, principal, content_id,
                             status_code=status_for(exc) if isinstance(exc, DomainError) else 422,
                             error=form_error(exc))
    flash(request, done)
    return redirect(back or f"/contents/{content_id}")


@router.post("/contents/{content_id}/submit", response_class=HTMLResponse)
def content_submit(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   content_id: IdPath) -> Response:
    return _transition(request, session, settings, principal, content_id,
                       lambda c: workflow.submit_content(session, c, actor=principal, settings=settings),
                       tr(request, "Đã gửi tin để duyệt."))


@router.post("/contents/{content_id}/withdraw", response_class=HTMLResponse)
def content_withdraw(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                     content_id: IdPath) -> Response:
    return _transition(request, session, settings, principal, content_id,
                       lambda c: workflow.withdraw_content(session, c, actor=principal),
                       tr(request, "Đã rút lại, tin về bản nháp."))


@router.post("/contents/{content_id}/archive", response_class=HTMLResponse)
def content_archive(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                    content_id: IdPath) -> Response:
    return _transition(request, session, settings, principal, content_id,
                       lambda c: workflow.archive_content(session, c, actor=principal),
                       tr(request, "Đã lưu trữ tin, tin ngừng phát."))


@router.post("/contents/{content_id}/render", response_class=HTMLResponse)
def content_render(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   content_id: IdPath) -> Response:
    return _transition(request, session, settings, principal, content_id,
                       lambda c: workflow.retry_render(session, c, actor=principal, settings=settings),
                       tr(request, "Đang tạo lại âm thanh."))


@router.post("/contents/{content_id}/approve", response_class=HTMLResponse)
def content_approve(request: Request, session: SessionDep, settings: SettingsDep, principal: ApproverPage,
                    content_id: IdPath, form: FormDep) -> Response:
    back = "/approvals" if form_value(form, "back") == "approvals" else None
    return _transition(request, session, settings, principal, content_id,
                       lambda c: workflow.approve_content(session, c, actor=principal, settings=settings,
                                                          heard_sha256=form_value(form, "audio_sha256")),
                       tr(request, "Đã duyệt tin; đúng âm thanh bạn đã nghe sẽ được phát."), back)


@router.post("/contents/{content_id}/end", response_class=HTMLResponse)
def content_end(request: Request, session: SessionDep, settings: SettingsDep, principal: EnderPage,
                content_id: IdPath, form: FormDep) -> Response:
    def end(content) -> None:
        areas = workflow.revision_areas(session, content.airing_revision_id) if content.airing_revision_id else []
        emergencies.end_emergency(session, content, actor=principal, areas=areas, reason=form_value(form, "reason"))

    return _transition(request, session, settings, principal, content_id, end,
                       tr(request, "Đã kết thúc tin khẩn cấp: tin ngừng phát ở mọi cụm loa."))


@router.post("/contents/{content_id}/reject", response_class=HTMLResponse)
def content_reject(request: Request, session: SessionDep, settings: SettingsDep, principal: ApproverPage,
                   content_id: IdPath, form: FormDep) -> Response:
    back = "/approvals" if form_value(form, "back") == "approvals" else None

    def reject(content) -> None:
        body = RejectBody(reason=form_value(form, "reason") or "")
        workflow.reject_content(session, content, actor=principal, reason=body.reason)

    return _transition(request, session, settings, principal, content_id, reject,
                       tr(request, "Đã từ chối tin."), back)


@router.post("/contents/{content_id}/audio", response_class=HTMLResponse)
def content_upload(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   content_id: IdPath, form: FormDep) -> Response:
    upload = form.get("file")

    def attach(content) -> None:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise Invalid("Chưa chọn tệp ghi âm.")
        upload_recording(session, content, upload.file, upload.filename, actor=principal, settings=settings)

    return _transition(request, session, settings, principal, content_id, attach,
                       tr(request, "Đã tải bản ghi âm lên."))


@router.get("/contents/{content_id}/audio-box", response_class=HTMLResponse)
def content_audio_box(request: Request, session: SessionDep, principal: ReaderPage,
                      content_id: IdPath) -> HTMLResponse:
    """htmx: the audio player, or the render progress that polls until the audio is ready."""
    content = workflow.get_content(session, content_id, actor=principal)
    view = workflow.content_public(session, content, today=local_today(request))
    return render(request, "_audio.html", c=view, writer=principal.role in (Role.admin, Role.operator))


@router.get("/contents/{content_id}/approval-box", response_class=HTMLResponse)
def content_approval_box(request: Request, session: SessionDep, principal: ApproverPage, content_id: IdPath,
                         mine: bool = False) -> HTMLResponse:
    """htmx: in the approval queue, the audio to hear and the button that approves exactly it."""
    content = workflow.get_content(session, content_id, actor=principal)
    view = workflow.content_public(session, content, today=local_today(request))
    return render(request, "_approval_box.html", c=view, mine=mine or view.created_by == principal.user_id)


# --- approval queue --------------------------------------------------------------------------------

@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, session: SessionDep, settings: SettingsDep,
                   principal: ApproverPage) -> HTMLResponse:
    today = local_today(request)
    rows, total = workflow.list_contents(session, actor=principal, status=ContentStatus.submitted, today=today,
                                        limit=100)
    items = [workflow.content_public(session, c, today=today) for c in rows]
    # The approver sees what approving reaches (communes, clusters, first and last play) before deciding.
    slots = load_area_slots(session)
    reaches = {c.id: reach_view(content_reach(session, c, tz=settings.tz, slots=slots), settings.tz) for c in rows}
    return render(request, "approvals.html", items=items, total=total, reaches=reaches,
                  names=get_area_names(session, {a for i in items for a in i.area_ids}),
                  campaign_index=get_campaigns(session, (i.campaign_id for i in items)),
                  own={i.id for i in items if i.created_by == principal.user_id})


def _local_text(value: datetime | None, tz) -> str | None:
    return formatting.local_datetime_text(value, tz) if value is not None else None


def reach_view(reach: Reach, tz) -> dict:
    """The reach as the pages show it (dd/mm/yyyy HH:MM, local time)."""
    return {"communes": reach.communes, "clusters": reach.clusters, "emergency": reach.level == "emergency",
            "first": _local_text(reach.first_play_at, tz), "last": _local_text(reach.last_play_at, tz),
            "ends": _local_text(reach.ends_at, tz), "slot_plays": reach.slot_plays, "note": reach.note,
            "areas": reach.area_names}
