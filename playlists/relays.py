"""Relays ("tiếp sóng"): an operator schedules a live stream of a higher-level station (the province's
radio, VOV) to play on the clusters below some areas, on some weekdays, at a time, for a duration.

Rules:
- A relay plays on every cluster below any of its areas (any level). An operator creates, changes
  and deletes relays whose areas all lie in their subtree; readers see the relays that apply inside
  their subtree (set on it, below it, or above it).
- Like a slot, a relay belongs to the local day on which it starts (weekdays and the optional
  first/last date are tested on that day); it may run past midnight.
- The stream URL (http or https) is checked on every save (`playlists.stream_check`): a relay whose
  stream does not answer with audio is still saved, with the check's warning stored and returned.
- The planner places relays (`playlists.planner`, `RelayWindow`); `relays_on` gives it a day's relays
  by area. A change to a relay rebuilds the affected clusters' playlists of today and tomorrow when
  they are already published (`playlists.tasks.rebuild_areas`), so devices see it at once.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import Session, col, select

from core.areas import Area, areas_by_id, is_within
from core.db import MAX_ID, replace_rows, saved_id
from core.errors import Forbidden, Invalid, NotFound
from core.timeutil import now_utc
from playlists.models import STREAM_URL_MAX, RelayArea, RelayProgramme
from playlists.planner import RelayWindow
from playlists.schedule_changes import follow_change
from playlists.slot_times import MAX_SLOT_MINUTES, shift_ms
from playlists.slots import HHMM, BoundedDate, Weekdays, check_period, parse_hhmm
from playlists.stream_check import StreamCheck, StreamChecker

MAX_RELAY_AREAS = 200
OUTSIDE = "Bạn chỉ được đặt tiếp sóng cho địa bàn trong phạm vi được giao."


# ---------------------------------------------------------------------------- schemas


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("Địa chỉ luồng phải bắt đầu bằng http:// hoặc https:// và có tên máy chủ.")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("Địa chỉ luồng không được chứa khoảng trắng hay ký tự điều khiển.")
    return value


class RelayCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Thời sự VOV1"])
    stream_url: str = Field(min_length=8, max_length=STREAM_URL_MAX, description="http(s) URL of the live stream",
                            examples=["https://radio.example.vn/vov1.mp3"])
    start_time: str = Field(max_length=5, json_schema_extra={"pattern": HHMM}, description="Local start time HH:MM",
                            examples=["18:00"])
    duration_minutes: int = Field(ge=1, le=MAX_SLOT_MINUTES, examples=[30])
    area_ids: list[int] = Field(min_length=1, max_length=MAX_RELAY_AREAS,
                                description="Areas (any level) whose clusters carry the relay")
    weekdays: Weekdays = Field(default=None, max_length=7,
                                       description="0 = Monday ... 6 = Sunday; default every day")
    starts_on: BoundedDate = None
    ends_on: BoundedDate = None

    @field_validator("stream_url")
    @classmethod
    def _url(cls, value: str) -> str:
        checked = _check_url(value)
        assert checked is not None
        return checked

    @field_validator("start_time")
    @classmethod
    def _start(cls, value: str) -> str:
        parse_hhmm(value)  # the Vietnamese message
        return value

    @field_validator("area_ids")
    @classmethod
    def _areas(cls, value: list[int]) -> list[int]:
        return _check_area_ids(value)

    @model_validator(mode="after")
    def _range(self) -> "RelayCreate":
        check_period(self.starts_on, self.ends_on)
        return self


def _check_area_ids(value: list[int]) -> list[int]:
    bad = sorted({a for a in value if not 1 <= a <= MAX_ID})
    if bad:
        raise ValueError(f"Mã địa bàn không hợp lệ: {bad[:5]}.")
    return sorted(set(value))


class RelayUpdate(BaseModel):
    """Every field optional; `null` clears starts_on/ends_on."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    stream_url: str | None = Field(default=None, min_length=8, max_length=STREAM_URL_MAX)
    start_time: str | None = Field(default=None, max_length=5, json_schema_extra={"pattern": HHMM})
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_SLOT_MINUTES)
    area_ids: list[int] | None = Field(default=None, min_length=1, max_length=MAX_RELAY_AREAS)
    weekdays: Weekdays = Field(default=None, max_length=7)
    starts_on: BoundedDate = None
    ends_on: BoundedDate = None

    @field_validator("stream_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)

    @field_validator("start_time")
    @classmethod
    def _start(cls, value: str | None) -> str | None:
        if value is not None:
            parse_hhmm(value)
        return value

    @field_validator("area_ids")
    @classmethod
    def _areas(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else _check_area_ids(value)


class StreamCheckOut(BaseModel):
    ok: bool | None = Field(description="true: the stream answered with audio; false: it did not "
                                        "(the relay is saved anyway); null: not checked")
    message: str
    checked_at: datetime | None


class RelayAreaOut(BaseModel):
    id: int
    name: str


class RelayPublic(BaseModel):
    id: int
    name: str
    stream_url: str
    start_time: str
    end_time: str
    duration_minutes: int
    crosses_midnight: bool
    weekdays: list[int]
    starts_on: date | None
    ends_on: date | None
    areas: list[RelayAreaOut]
    stream_check: StreamCheckOut


# ---------------------------------------------------------------------------- reading


def weekdays_of(row: RelayProgramme) -> list[int]:
    return [int(ch) for ch in row.weekdays]


def relay_area_ids(session: Session, relay_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = sorted(set(relay_ids))
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        for link in session.exec(select(RelayArea).where(col(RelayArea.relay_id).in_(ids))
                                 .order_by(col(RelayArea.area_id))):
            found[link.relay_id].append(link.area_id)
    return found


def to_public(row: RelayProgramme, areas: list[Area]) -> RelayPublic:
    assert row.id is not None
    start = datetime.combine(date(2024, 1, 1), row.start_time)
    end = start + timedelta(minutes=row.duration_minutes)
    return RelayPublic(
        id=row.id, name=row.name, stream_url=row.stream_url, start_time=f"{row.start_time:%H:%M}",
        end_time=f"{end:%H:%M}", duration_minutes=row.duration_minutes, crosses_midnight=end.date() != start.date(),
        weekdays=weekdays_of(row), starts_on=row.starts_on, ends_on=row.ends_on,
        areas=[RelayAreaOut(id=a.id, name=a.name) for a in areas if a.id is not None],
        stream_check=StreamCheckOut(ok=row.check_ok, message=row.check_message or "", checked_at=row.checked_at))


def publics(session: Session, rows: list[RelayProgramme]) -> list[RelayPublic]:
    links = relay_area_ids(session, [r.id for r in rows if r.id is not None])
    areas = areas_by_id(session, {a for ids in links.values() for a in ids})
    return [to_public(r, [areas[a] for a in links.get(r.id or 0, []) if a in areas]) for r in rows]


def get_relay(session: Session, relay_id: int) -> RelayProgramme:
    row = session.get(RelayProgramme, relay_id)
    if row is None:
        raise NotFound("tiếp sóng", relay_id)
    return row


def relay_areas(session: Session, row: RelayProgramme) -> list[Area]:
    ids = relay_area_ids(session, [row.id or 0]).get(row.id or 0, [])
    found = areas_by_id(session, ids)
    return [found[a] for a in ids if a in found]


def applies_within(areas: Iterable[Area], scope: Area | None) -> bool:
    """A relay concerns `scope` when one of its areas is inside it or above it."""
    return scope is None or any(is_within(a, scope) or is_within(scope, a) for a in areas)


def relay_readable(session: Session, row: RelayProgramme, scope: Area | None) -> list[Area]:
    areas = relay_areas(session, row)
    if not applies_within(areas, scope):
        raise Forbidden("Tiếp sóng này không áp dụng trong phạm vi được giao.")
    return areas


def editable(areas: Iterable[Area], scope: Area | None) -> bool:
    return all(is_within(a, scope) for a in areas)


def list_relays(session: Session, *, scope: Area | None, area: Area | None = None, limit: int = 500,
                offset: int = 0) -> list[RelayProgramme]:
    """Relays that apply inside `scope` (or, with `area`, at that area: on it, above it or below it),
    ordered by start time."""
    where = area or scope
    query = select(RelayProgramme).order_by(col(RelayProgramme.start_time), col(RelayProgramme.id))
    if where is not None:
        linked = (select(RelayArea.relay_id).join(Area, col(Area.id) == RelayArea.area_id)
                  .where(sa.or_(col(Area.path).startswith(where.path), col(Area.id).in_(where.ancestor_ids))))
        query = query.where(col(RelayProgramme.id).in_(linked))
    return list(session.exec(query.offset(offset).limit(limit)))


def runs_on(row: RelayProgramme, day: date) -> bool:
    if row.starts_on is not None and day < row.starts_on:
        return False
    if row.ends_on is not None and day > row.ends_on:
        return False
    return str(day.weekday()) in row.weekdays


def window(row: RelayProgramme, day: date, tz: tzinfo) -> RelayWindow:
    assert row.id is not None
    starts_at = datetime.combine(day, row.start_time, tzinfo=tz)
    return RelayWindow(row.id, row.name, row.stream_url, starts_at, shift_ms(starts_at, row.duration_minutes * 60_000))


def relays_on(session: Session, day: date, tz: tzinfo) -> dict[int, tuple[RelayWindow, ...]]:
    """The relays that start on the local `day`, by the area they are set on (area_id -> windows)."""
    rows = [r for r in session.exec(select(RelayProgramme).order_by(col(RelayProgramme.id))) if runs_on(r, day)]
    links = relay_area_ids(session, [r.id for r in rows if r.id is not None])
    by_area: dict[int, list[RelayWindow]] = defaultdict(list)
    for r in rows:
        w = window(r, day, tz)
        for area_id in links.get(w.relay_id, []):
            by_area[area_id].append(w)
    return {a: tuple(ws) for a, ws in by_area.items()}


# ---------------------------------------------------------------------------- writing


def _areas_for_write(session: Session, area_ids: list[int], scope: Area | None) -> list[Area]:
    found = areas_by_id(session, area_ids)
    missing = sorted(set(area_ids) - set(found))
    if missing:
        raise Invalid(f"Địa bàn mã {missing[0]} không tồn tại.")
    areas = [found[a] for a in sorted(found)]
    if not editable(areas, scope):
        raise Forbidden(OUTSIDE)
    return areas


def _apply_check(row: RelayProgramme, check: StreamCheck) -> None:
    row.check_ok, row.check_message, row.checked_at = check.ok, check.message[:500], now_utc()


def create_relay(session: Session, data: RelayCreate, *, scope: Area | None, checker: StreamChecker,
                 tz: tzinfo, created_by: int | None = None) -> RelayProgramme:
    areas = _areas_for_write(session, data.area_ids, scope)
    name = data.name.strip()
    if not name:
        raise Invalid("Tên chương trình tiếp sóng không được để trống.")
    row = RelayProgramme(name=name, stream_url=data.stream_url, start_time=parse_hhmm(data.start_time),
                         duration_minutes=data.duration_minutes,
                         weekdays="".join(str(d) for d in (data.weekdays or range(7))),
                         starts_on=data.starts_on, ends_on=data.ends_on, created_by=created_by)
    _apply_check(row, checker(row.stream_url))
    session.add(row)
    session.flush()
    assert row.id is not None
    for area in areas:
        session.add(RelayArea(relay_id=row.id, area_id=area.id or 0))
    session.flush()
    follow_change(session, [a.id for a in areas if a.id is not None], tz=tz, created_by=created_by)
    return row


def update_relay(session: Session, row: RelayProgramme, data: RelayUpdate, *, scope: Area | None,
                 checker: StreamChecker, tz: tzinfo, actor_id: int | None = None) -> RelayProgramme:
    before = relay_areas(session, row)
    if not editable(before, scope):
        raise Forbidden(OUTSIDE)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "stream_url", "start_time", "duration_minutes", "area_ids", "weekdays"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    areas = _areas_for_write(session, changes["area_ids"], scope) if "area_ids" in changes else before
    if "name" in changes:
        row.name = changes["name"].strip()
        if not row.name:
            raise Invalid("Tên chương trình tiếp sóng không được để trống.")
    if "stream_url" in changes:
        row.stream_url = changes["stream_url"]
    if "start_time" in changes:
        row.start_time = parse_hhmm(changes["start_time"])
    if "duration_minutes" in changes:
        row.duration_minutes = changes["duration_minutes"]
    if "weekdays" in changes:
        row.weekdays = "".join(str(d) for d in changes["weekdays"])
    for key in ("starts_on", "ends_on"):
        if key in changes:
            setattr(row, key, changes[key])
    check_period(row.starts_on, row.ends_on, Invalid)
    _apply_check(row, checker(row.stream_url))
    row.updated_at = now_utc()
    session.add(row)
    if "area_ids" in changes:
        replace_rows(session, session.exec(select(RelayArea).where(RelayArea.relay_id == row.id)),
                     (RelayArea(relay_id=saved_id(row), area_id=saved_id(area)) for area in areas))
    session.flush()
    follow_change(session, sorted({a.id for a in [*before, *areas] if a.id is not None}), tz=tz,
                  created_by=actor_id)
    return row


def delete_relay(session: Session, row: RelayProgramme, *, scope: Area | None, tz: tzinfo,
                 actor_id: int | None = None) -> None:
    areas = relay_areas(session, row)
    if not editable(areas, scope):
        raise Forbidden(OUTSIDE)
    for link in session.exec(select(RelayArea).where(RelayArea.relay_id == row.id)):
        session.delete(link)
    session.flush()
    session.delete(row)
    session.flush()
    follow_change(session, [a.id for a in areas if a.id is not None], tz=tz, created_by=actor_id)
