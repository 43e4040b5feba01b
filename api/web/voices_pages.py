"""Installed voices: the list with a preview of each one's test sentence, and the voice of an area.

Voices are added on the server (`loaxa tts voices add MODEL.onnx`: a model file is not something to upload
through a browser); the page shows them, plays what each said when it was checked, and says where they
are used. An area's voice is chosen on its page and inherited by every area below it (core.areas.area_voice);
a content item may choose its own in the editor.
"""

from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from api.deps import IdPath, SessionDep, SettingsDep, area_in_scope
from api.web.common import FormDep, OperatorPage, ReaderPage, flash, form_value, redirect, render, trf, web_router
from core.areas import Area, area_voice, set_area_voice
from core.config import Settings
from core.errors import Invalid, NotFound
from tts.config import voices_dir
from tts.voices import NAME_RE, TEST_SENTENCE, Voice, VoiceError, get_voice, list_voices, require_installed

router = web_router()


def voice_choices(request: Request) -> list[Voice]:
    """The installed voices, for the pickers of the content editor and the area page."""
    settings: Settings = request.app.state.settings
    return list_voices(voices_dir(settings))


def area_voice_view(session: Session, request: Request, area: Area) -> dict[str, Any]:
    """What the area page's voice box shows: its own choice, what it inherits, and the choices."""
    inherited, source = area_voice(session, session.get(Area, area.parent_id) if area.parent_id else None)
    settings: Settings = request.app.state.settings
    return {"own": area.voice or "", "inherited": inherited, "inherited_from": source.name if source else None,
            "default": settings.tts_voice, "choices": voice_choices(request)}


@router.get("/voices", response_class=HTMLResponse)
def voices_page(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage) -> HTMLResponse:
    voices = list_voices(voices_dir(settings))
    used: dict[str, list[Area]] = {}
    for area in session.exec(select(Area).where(col(Area.voice).is_not(None)).order_by(col(Area.path))):
        if principal.can_see(area) and area.voice:
            used.setdefault(area.voice, []).append(area)
    return render(request, "voices.html", voices=voices, used=used, test_sentence=TEST_SENTENCE,
                  default_voice=settings.tts_voice, default_engine=settings.tts_engine)


@router.get("/voices/{name}/preview.wav")
def voice_preview(settings: SettingsDep, principal: ReaderPage, name: str) -> FileResponse:
    """The test sentence as the voice read it when it was added."""
    voice = get_voice(voices_dir(settings), name) if NAME_RE.fullmatch(name) else None
    if voice is None or not voice.preview_path.is_file():
        raise NotFound("giọng đọc", name)
    return FileResponse(voice.preview_path, media_type="audio/wav")


@router.post("/areas/{area_id}/voice", response_class=HTMLResponse)
def area_voice_save(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                    area_id: IdPath, form: FormDep) -> RedirectResponse:
    area = area_in_scope(session, principal, area_id)
    try:
        voice = require_installed(voices_dir(settings), form_value(form, "voice"))
    except VoiceError as exc:
        raise Invalid(str(exc)) from exc
    set_area_voice(session, area, voice)
    if voice:
        flash(request, trf(request, "Tin của “{name}” và các địa bàn cấp dưới sẽ đọc bằng giọng «{voice}».",
                           name=area.name, voice=voice))
    else:
        flash(request, trf(request, "“{name}” dùng lại giọng đọc của địa bàn cấp trên.", name=area.name))
    return redirect(f"/areas/{area.id}#voice")
