from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import MAX_ID, OperatorUser, Reader, SessionDep, SettingsDep, area_in_scope
from core.config import Settings
from core.errors import Invalid
from tts.config import normalize_options, render_settings
from tts.engines import ENGINE_NAMES, list_engines
from tts.lexicon_store import effective_lexicon
from tts.normalizer import NormalizeError, normalize

router = APIRouter(prefix="/tts", tags=["tts"])

PREVIEW_MAX_CHARS = 3000


class NormalizeIn(BaseModel):
    text: str = Field(max_length=100_000, description="Văn bản cần đọc")
    area_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Dùng từ điển phát âm của địa bàn này")


class SentenceOut(BaseModel):
    text: str
    pause_ms: int


class NormalizeOut(BaseModel):
    spoken_text: str
    sentences: list[SentenceOut]


class EngineOut(BaseModel):
    name: str
    available: bool
    reason: str


class AudioOut(BaseModel):
    url: str
    duration_ms: int
    sha256: str
    engine: str
    spoken_text: str


def _spoken(session, principal, settings: Settings, body: NormalizeIn):
    area = area_in_scope(session, principal, body.area_id) if body.area_id else principal.scope
    try:
        return normalize(body.text, lexicon=effective_lexicon(session, area), options=normalize_options(settings))
    except NormalizeError as exc:
        raise Invalid(str(exc)) from exc


@router.post("/normalize", response_model=NormalizeOut,
             summary="What the machine will say: the spoken form of a text (máy sẽ đọc là)")
def normalize_route(session: SessionDep, principal: Reader, settings: SettingsDep, body: NormalizeIn) -> NormalizeOut:
    spoken = _spoken(session, principal, settings, body)
    return NormalizeOut(spoken_text=spoken.text,
                        sentences=[SentenceOut(text=s.text, pause_ms=s.pause_ms) for s in spoken.sentences])


@router.get("/engines", response_model=list[EngineOut], summary="Speech engines and whether they can run here")
def engines(principal: Reader) -> list[EngineOut]:
    return [EngineOut(name=e.name, available=e.available, reason=e.reason) for e in list_engines()]


@router.post("/preview", response_model=AudioOut,
             summary=f"Render a short text (≤ {PREVIEW_MAX_CHARS} characters) to hear how it will sound")
def preview(session: SessionDep, principal: OperatorUser, settings: SettingsDep, body: NormalizeIn,
            engine: Annotated[str | None, Query(max_length=32)] = None) -> AudioOut:
    from media.loudness import LoudnessError
    from media.store import MediaStore
    from tts.pipeline import render

    if len(body.text) > PREVIEW_MAX_CHARS:
        raise Invalid(f"Nghe thử tối đa {PREVIEW_MAX_CHARS} ký tự; văn bản dài hơn được đọc khi duyệt.")
    if engine is not None and engine not in ENGINE_NAMES:
        raise Invalid(f"Không có giọng đọc '{engine}'. Các giọng có: {', '.join(ENGINE_NAMES)}.")
    spoken = _spoken(session, principal, settings, body)
    try:
        result = render(spoken, settings=render_settings(settings, engine=engine),
                        store=MediaStore(settings.media_dir))
    except LoudnessError as exc:  # punctuation or symbols only: the voice says nothing
        raise Invalid(f"Văn bản không có chữ nào đọc thành tiếng ({exc}): hãy nhập nội dung cần phát.") from exc
    return AudioOut(url=f"/media/{result.sha256}.{result.ext}", duration_ms=result.duration_ms, sha256=result.sha256,
                    engine=result.engine_used, spoken_text=spoken.text)

