"""Filler audio: a stored file set on an area that fills what is left of its clusters' slots.

A cluster uses the filler of its nearest area (its own first, then up the tree); the planner plays
whole plays of it after the content of each slot (see `playlists.planner`).
"""

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.areas import Area
from core.db import MAX_ID
from core.errors import NotFound
from core.timeutil import now_utc
from media.store import MediaStore
from playlists.models import AreaFiller
from playlists.slot_times import AudioRef
from playlists.slots import SHA256_PATTERN, AudioPublic, area_for_write, audio_public, resolve_audio


class FillerSet(BaseModel):
    area_id: int = Field(ge=1, le=MAX_ID)
    sha256: str = Field(pattern=SHA256_PATTERN, description="Stored audio (see /media) played to fill slots")


class FillerPublic(BaseModel):
    area_id: int
    area_name: str
    audio: AudioPublic
    inherited: bool = Field(description="Set on an ancestor of the area asked about")


def set_filler(session: Session, data: FillerSet, *, scope: Area | None, store: MediaStore | None) -> AreaFiller:
    """Filler for every cluster below the area (a deeper area's own filler wins)."""
    area = area_for_write(session, data.area_id, scope)
    assert area.id is not None
    ref = resolve_audio(store, data.sha256, "Nhạc đệm")
    row = session.get(AreaFiller, area.id) or AreaFiller(area_id=area.id, sha256=ref.sha256, ext=ref.ext,
                                                         duration_ms=ref.duration_ms)
    row.sha256, row.ext, row.duration_ms, row.updated_at = ref.sha256, ref.ext, ref.duration_ms, now_utc()
    session.add(row)
    session.flush()
    return row


def clear_filler(session: Session, area_id: int, *, scope: Area | None) -> None:
    area_for_write(session, area_id, scope)
    row = session.get(AreaFiller, area_id)
    if row is None:
        raise NotFound("nhạc đệm của địa bàn", area_id)
    session.delete(row)
    session.flush()


def effective_filler(session: Session, area: Area) -> FillerPublic | None:
    query = select(AreaFiller).where(col(AreaFiller.area_id).in_(area.ancestor_ids))
    rows = {r.area_id: r for r in session.exec(query)}
    for area_id in reversed(area.ancestor_ids):
        row = rows.get(area_id)
        if row is not None:
            owner = session.get(Area, area_id)
            ref = AudioRef(row.sha256, row.ext, row.duration_ms)
            audio = audio_public(ref)
            assert audio is not None and owner is not None
            return FillerPublic(area_id=area_id, area_name=owner.name, audio=audio, inherited=area_id != area.id)
    return None
