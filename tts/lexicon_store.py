"""Per-area pronunciation overrides kept in the database, laid over the default lexicon.

An entry on an area applies to everything below it; the nearest area wins (a commune's reading of
"TT" beats the province's, which beats the national default in lexicon_vi.toml).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, select

from core.areas import Area
from core.db import MAX_ID, UTCDateTime, saved_id
from core.errors import Conflict, Invalid, NotFound
from core.timeutil import now_utc
from tts.lexicon import DEFAULT_LEXICON, MAX_SPOKEN_CHARS, MAX_TERM_CHARS, merged, validate_entry


class LexiconEntryBase(SQLModel):
    term: str = Field(min_length=1, max_length=MAX_TERM_CHARS)
    spoken: str = Field(min_length=1, max_length=MAX_SPOKEN_CHARS)
    area_id: int | None = Field(default=None, foreign_key="area.id", ge=1, le=MAX_ID)


class LexiconEntry(LexiconEntryBase, table=True):
    __tablename__ = "lexicon_entry"
    __table_args__ = (sa.UniqueConstraint("area_id", "term", name="uq_lexicon_area_term"),)

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class LexiconEntryCreate(LexiconEntryBase):
    pass


class LexiconEntryUpdate(SQLModel):
    spoken: str = Field(min_length=1, max_length=MAX_SPOKEN_CHARS)


class LexiconEntryPublic(LexiconEntryBase):
    id: int
    default_spoken: str | None
    updated_at: datetime


def entry_public(entry: LexiconEntry) -> LexiconEntryPublic:
    return LexiconEntryPublic(id=saved_id(entry), term=entry.term, spoken=entry.spoken, area_id=entry.area_id,
                              default_spoken=DEFAULT_LEXICON.get(entry.term), updated_at=entry.updated_at)


def _check(term: str, spoken: str) -> None:
    try:
        validate_entry(term, spoken)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


def add_entry(session: Session, data: LexiconEntryCreate, *, created_by: int | None) -> LexiconEntry:
    _check(data.term, data.spoken)
    clash = select(LexiconEntry).where(LexiconEntry.term == data.term)
    clash = clash.where(col(LexiconEntry.area_id).is_(None) if data.area_id is None
                        else LexiconEntry.area_id == data.area_id)
    if session.exec(clash).first() is not None:
        raise Conflict(f"Địa bàn này đã có cách đọc riêng cho «{data.term}»: hãy sửa mục đó.")
    entry = LexiconEntry(term=data.term, spoken=data.spoken.strip(), area_id=data.area_id, created_by=created_by)
    session.add(entry)
    session.flush()
    return entry


def update_entry(session: Session, entry: LexiconEntry, data: LexiconEntryUpdate) -> LexiconEntry:
    _check(entry.term, data.spoken)
    entry.spoken, entry.updated_at = data.spoken.strip(), now_utc()
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, entry_id: int) -> LexiconEntry:
    entry = session.get(LexiconEntry, entry_id)
    if entry is None:
        raise NotFound("mục từ điển phát âm", entry_id)
    return entry


def list_entries(session: Session, *, area_ids: list[int | None]) -> list[LexiconEntry]:
    """Entries defined on exactly these areas (None: national)."""
    ids = [a for a in area_ids if a is not None]
    condition: ColumnElement[bool] = col(LexiconEntry.area_id).in_(ids)
    if None in area_ids:
        condition = sa.or_(condition, col(LexiconEntry.area_id).is_(None))
    return list(session.exec(select(LexiconEntry).where(condition).order_by(col(LexiconEntry.term))))


def overrides_for(session: Session, area: Area | None) -> dict[str, str]:
    """National overrides, then each ancestor's from the top down: the nearest area wins."""
    chain: list[int | None] = [None] + (area.ancestor_ids if area else [])
    depth = {area_id: i for i, area_id in enumerate(chain)}
    entries = sorted(list_entries(session, area_ids=chain), key=lambda e: depth[e.area_id])
    return {entry.term: entry.spoken for entry in entries}


def effective_lexicon(session: Session, area: Area | None) -> dict[str, str]:
    return merged(overrides_for(session, area))
