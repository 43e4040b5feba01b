"""Installed voices (added on the server with `loaxa tts voices add`) and the voice of an area."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import IdPath, OperatorUser, Reader, SessionDep, SettingsDep, area_in_scope
from core.areas import area_voice, set_area_voice
from core.errors import Invalid
from tts.config import voices_dir
from tts.voices import VoiceError, list_voices, require_installed

router = APIRouter(tags=["voices"])


class VoiceOut(BaseModel):
    name: str
    engine: str = Field(description="sherpa-onnx (in-process) or piper (a separate program)")
    added_at: str
    test_ms: int = Field(description="Length of the test sentence as the voice read it when it was added")
    licence: str | None
    preview_url: str = Field(description="That reading (WAV), for a signed-in browser")


class AreaVoiceIn(BaseModel):
    voice: str | None = Field(default=None, max_length=40,
                              description="An installed voice's name; null: inherit the parent area's")


class AreaVoiceOut(BaseModel):
    area_id: int
    voice: str | None = Field(description="Chosen on this area (null: inherited)")
    effective: str | None = Field(description="The voice items for this area read with (null: the default)")
    set_on_area_id: int | None = Field(description="Where the effective voice is chosen")


@router.get("/voices", response_model=list[VoiceOut], summary="Installed voices (loaxa tts voices add)")
def voices(settings: SettingsDep, principal: Reader) -> list[VoiceOut]:
    return [VoiceOut(name=v.name, engine=v.engine, added_at=v.added_at, test_ms=v.test_ms, licence=v.licence,
                     preview_url=f"/voices/{v.name}/preview.wav") for v in list_voices(voices_dir(settings))]


def _area_voice(session, area) -> AreaVoiceOut:
    effective, source = area_voice(session, area)
    return AreaVoiceOut(area_id=area.id, voice=area.voice, effective=effective,
                        set_on_area_id=source.id if source else None)


@router.get("/areas/{area_id}/voice", response_model=AreaVoiceOut, summary="The voice of an area")
def get_area_voice(session: SessionDep, principal: Reader, area_id: IdPath) -> AreaVoiceOut:
    return _area_voice(session, area_in_scope(session, principal, area_id))


@router.put("/areas/{area_id}/voice", response_model=AreaVoiceOut,
            summary="Choose the voice of an area and the areas below it (null: inherit)")
def put_area_voice(session: SessionDep, settings: SettingsDep, principal: OperatorUser, area_id: IdPath,
                   body: AreaVoiceIn) -> AreaVoiceOut:
    area = area_in_scope(session, principal, area_id)
    try:
        voice = require_installed(voices_dir(settings), body.voice)
    except VoiceError as exc:
        raise Invalid(str(exc)) from exc
    return _area_voice(session, set_area_voice(session, area, voice))
