"""How the machine will read a text: the live spoken-form preview and the pronunciation lexicon editor."""

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
    WebUser,
    flash,
    form_error,
    form_value,
    redirect,
    render,
    trf,
    web_router,
)
from campaigns.models import MAX_BODY_CHARS, MAX_TITLE_CHARS
from campaigns.speech import text_to_read
from core.areas import Area, get_area_names
from core.config import Settings
from core.errors import DomainError, Forbidden
from core.formatting import thousands
from core.users import Principal, Role
from tts.config import normalize_options
from tts.lexicon import DEFAULT_LEXICON, MAX_TERM_CHARS
from tts.lexicon_store import (
    LexiconEntryCreate,
    LexiconEntryUpdate,
    add_entry,
    effective_lexicon,
    get_entry,
    list_entries,
    update_entry,
)
from tts.normalizer import NormalizeError, NormalizeOptions, normalize, unknown_terms

router = web_router()

# The preview reads the title and the body: the content's own limits (campaigns.models), stated the same way.
MAX_PREVIEW_CHARS = MAX_BODY_CHARS + MAX_TITLE_CHARS + 2
MAX_LISTEN_CHARS = MAX_BODY_CHARS  # "nghe thử" reads at most what a content can hold


def spoken_form(session: Session, settings: Settings, text: str, area: Area | None) -> str:
    """The text as the machine will read it in that area (its lexicon overrides applied)."""
    options = NormalizeOptions(zero_tens=settings.tts_zero_tens, thousand=settings.tts_thousand)
    return normalize(text, lexicon=effective_lexicon(session, area), options=options).text


@router.post("/preview/spoken", response_class=HTMLResponse)
def preview_spoken(request: Request, session: SessionDep, settings: SettingsDep, principal: WebUser,
                   form: FormDep) -> HTMLResponse:
    """htmx: the 'Máy sẽ đọc là' box, refreshed while the operator types."""
    text = form.get("body")
    text = text.replace("\r\n", "\n") if isinstance(text, str) else ""
    body_chars = len(text.strip())
    title = form_value(form, "title")
    if title and text.strip():
        text = text_to_read(title, text)
    area_id = form_value(form, "preview_area_id")
    area = area_or_scope(session, principal, int(area_id) if area_id and area_id.isdigit() else None)
    spoken, error, unknown = None, None, []
    if not text.strip():
        error = "Nhập nội dung để xem máy sẽ đọc thế nào."
    elif body_chars > MAX_BODY_CHARS or len(text) > MAX_PREVIEW_CHARS:
        error = (f"Nội dung dài {thousands(body_chars)} ký tự, vượt giới hạn {thousands(MAX_BODY_CHARS)} ký tự: "
                 "hãy rút gọn hoặc tách thành nhiều tin.")
    else:
        try:
            spoken = spoken_form(session, settings, text, area)
            # codes no lexicon reads are named, with a link to add a reading, rather than spelled silently
            unknown = unknown_terms(text, lexicon=effective_lexicon(session, area), options=normalize_options(settings))
        except NormalizeError as exc:
            error = str(exc)
    return render(request, "_spoken.html", spoken=spoken, error=error, unknown=unknown,
                  area_id=area.id if area else None)


@router.post("/preview/audio", response_class=HTMLResponse)
def preview_audio(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                  form: FormDep) -> HTMLResponse:
    """htmx: "Nghe thử" in the editor renders the text as it will air (lead-in, the emergency framing, the
    area's lexicon, the voice chosen in the editor, else the area's, else the deployment's) and plays it in
    the page; the render cache makes a repeat free, and the same words rendered on submission give the
    same file."""
    from core.areas import area_voice
    from media.store import MediaStore
    from tts.config import render_settings, voices_dir
    from tts.pipeline import render as render_audio
    from tts.voices import VoiceError, require_installed

    text = form.get("body")
    text = text if isinstance(text, str) else ""
    title = form_value(form, "title") or ""
    emergency = form_value(form, "level") == "emergency"
    area_id = form_value(form, "preview_area_id")
    area = area_or_scope(session, principal, int(area_id) if area_id and area_id.isdigit() else None)
    audio, error = None, None
    if not text.strip() or not title.strip():
        error = "Nhập tiêu đề và nội dung để nghe thử."
    elif len(text) > MAX_LISTEN_CHARS:
        error = f"Văn bản quá dài để nghe thử (tối đa {MAX_LISTEN_CHARS} ký tự)."
    else:
        try:
            spoken = normalize(text_to_read(title, text, emergency=emergency), lexicon=effective_lexicon(session, area),
                               options=normalize_options(settings))
            voice = require_installed(voices_dir(settings), form_value(form, "voice")) or area_voice(session, area)[0]
            audio = render_audio(spoken, settings=render_settings(settings, voice=voice, alert_tone=emergency),
                                 store=MediaStore(settings.media_dir))
        except (NormalizeError, VoiceError) as exc:
            error = str(exc)
    return render(request, "_preview_audio.html", audio=audio, error=error)


# --- lexicon ------------------------------------------------------------------------------------

def _may_edit(principal: Principal, entry_area_id: int | None, session: Session) -> bool:
    if principal.role not in (Role.admin, Role.operator):
        return False
    if entry_area_id is None:
        return principal.role == Role.admin and principal.scope is None
    area = session.get(Area, entry_area_id)
    return area is not None and principal.can_see(area)


def _lexicon_page(request: Request, session: Session, settings: Settings, principal: Principal,
                  area: Area | None, *, status_code: int = 200, error: str | None = None,
                  values: dict | None = None) -> HTMLResponse:
    chain: list[int | None] = [None] + (area.ancestor_ids if area else [])
    entries = list_entries(session, area_ids=chain)
    names = get_area_names(session, chain)
    rows = [{"entry": e, "area_name": names.get(e.area_id, "Toàn quốc") if e.area_id else "Toàn quốc",
             "default": DEFAULT_LEXICON.get(e.term), "editable": _may_edit(principal, e.area_id, session)}
            for e in entries]
    return render(request, "lexicon.html", status_code, area=area, rows=rows, areas=area_options(session, principal),
                  defaults=sorted(DEFAULT_LEXICON.items(), key=lambda kv: kv[0].lower()),
                  can_add=_may_edit(principal, area.id if area else None, session),
                  error=error, values=values or {})


@router.get("/lexicon", response_class=HTMLResponse)
def lexicon_page(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage,
                 area_id: int | None = None, term: str | None = None) -> HTMLResponse:
    """`term` (from the preview's "không rõ cách đọc" links) fills in the add form: the operator types
    only the reading."""
    values = {"term": term.strip()[:MAX_TERM_CHARS]} if term and term.strip() else None
    return _lexicon_page(request, session, settings, principal, area_or_scope(session, principal, area_id),
                         values=values)


@router.post("/lexicon", response_class=HTMLResponse)
def lexicon_add(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                form: FormDep) -> Response:
    area_text = form_value(form, "area_id")
    area = area_or_scope(session, principal, int(area_text) if area_text and area_text.isdigit() else None)
    values = {"term": form_value(form, "term"), "spoken": form_value(form, "spoken")}
    try:
        if not _may_edit(principal, area.id if area else None, session):
            raise Forbidden("Chỉ quản trị toàn quốc được sửa cách đọc mặc định; hãy chọn một địa bàn.")
        data = LexiconEntryCreate(term=values["term"] or "", spoken=values["spoken"] or "",
                                  area_id=area.id if area else None)
        entry = add_entry(session, data, created_by=principal.user_id)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _lexicon_page(request, session, settings, principal, area, status_code=422,
                             error=form_error(exc), values=values)
    flash(request, trf(request, "Đã thêm cách đọc «{term}» → “{spoken}”.", term=entry.term, spoken=entry.spoken))
    return redirect(f"/lexicon?area_id={area.id}" if area else "/lexicon")


@router.post("/lexicon/{entry_id}", response_class=HTMLResponse)
def lexicon_update(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                   entry_id: IdPath, form: FormDep) -> Response:
    entry = get_entry(session, entry_id)
    if not _may_edit(principal, entry.area_id, session):
        raise Forbidden("Bạn không được sửa mục này.")
    back = form_value(form, "back_area_id")
    area = area_or_scope(session, principal, int(back) if back and back.isdigit() else None)
    try:
        update_entry(session, entry, LexiconEntryUpdate(spoken=form_value(form, "spoken") or ""))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _lexicon_page(request, session, settings, principal, area, status_code=422, error=form_error(exc))
    flash(request, trf(request, "Đã lưu cách đọc «{term}».", term=entry.term))
    return redirect(f"/lexicon?area_id={area.id}" if area else "/lexicon")


@router.post("/lexicon/{entry_id}/delete")
def lexicon_delete(request: Request, session: SessionDep, principal: OperatorPage, entry_id: IdPath,
                   form: FormDep) -> RedirectResponse:
    entry = get_entry(session, entry_id)
    if not _may_edit(principal, entry.area_id, session):
        raise Forbidden("Bạn không được xóa mục này.")
    term = entry.term
    session.delete(entry)
    flash(request, trf(request, "Đã xóa cách đọc riêng của «{term}».", term=term))
    back = form_value(form, "back_area_id")
    return redirect(f"/lexicon?area_id={back}" if back and back.isdigit() else "/lexicon")
