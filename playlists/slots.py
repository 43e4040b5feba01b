"""Slot templates: recurring broadcast slots set on any area and inherited by every cluster below it.

Rules:
- A template on an area applies to every cluster in that area's subtree; a cluster may have its
  own templates too. A cluster's *effective* slots are those on it and on its ancestors.
- No cluster may ever have two overlapping slots. The check is made when a template is created or
  changed, against every template on the area's ancestors (they apply to the same clusters) and
  on its descendants (they apply to some of its clusters), whether or not clusters exist yet:
  areas never move in the tree, so a later cluster cannot create an overlap the check missed.
  Overlap is tested on real instances, day before/same day/day after, so slots crossing midnight
  are caught (`playlists.slot_times.first_overlap`).
- An extra slot for commemorative days (`commemorative_only`) runs only on a commemorative day
  that applies to the cluster (see `playlists.commemorations`). Its overlap check is conservative:
  it must not overlap any slot on any of its weekdays, since a commemoration can fall on any of them.

The form checks (`parse_hhmm`, `Weekdays`, `BoundedDate`, `check_period`) serve `playlists.relays` too; the helpers
for writing on an area in scope and for stored audio (`area_for_write`, `resolve_audio`,
`audio_public`) serve `playlists.commemorations` and `playlists.fillers` too; the builder reads all
templates at once through `playlists.inputs.load_area_slots`.
"""

import logging
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, Field, model_validator
from sqlmodel import Session, col, select

from core.areas import Area, is_within
from core.db import MAX_ID, saved_id
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.timeutil import local_today, now_utc
from media.store import MediaStore, media_url
from playlists.models import SlotTemplateRow
from playlists.slot_times import MAX_SLOT_MINUTES, AudioRef, SlotTemplate, first_overlap

log = logging.getLogger(__name__)

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_HHMM_RE = re.compile(HHMM)
# Dates outside this range are typing mistakes, not broadcast plans.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
SHA256_PATTERN = r"^[0-9a-f]{64}$"


# ---------------------------------------------------------------------------- schemas


def parse_hhmm(value: str) -> time:
    if not _HHMM_RE.match(value):
        raise ValueError(f"Giờ bắt đầu phải có dạng HH:MM từ 00:00 đến 23:59, nhận {value!r}.")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def check_weekdays(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("Phải chọn ít nhất một ngày trong tuần.")
    bad = sorted({d for d in value if not 0 <= d <= 6})
    if bad:
        raise ValueError(f"Ngày trong tuần phải từ 0 (thứ Hai) đến 6 (Chủ nhật), nhận {bad}.")
    return sorted(set(value))


def check_date(value: date | None) -> date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"Ngày phải trong khoảng {MIN_DATE:%d/%m/%Y} - {MAX_DATE:%d/%m/%Y}.")
    return value


# Request fields with their checks attached (pydantic runs them after the type and length checks).
Weekdays = Annotated[list[int] | None, AfterValidator(check_weekdays)]
BoundedDate = Annotated[date | None, AfterValidator(check_date)]


def check_period(starts_on: date | None, ends_on: date | None, error: type[Exception] = ValueError) -> None:
    """A slot's or relay's dates (either may be open): the start on or before the end. ValueError in a
    request shape (pydantic reports it as a 422), Invalid for a stored row once an update is applied."""
    if starts_on is not None and ends_on is not None and starts_on > ends_on:
        raise error("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")


class SlotCreate(BaseModel):
    area_id: int = Field(ge=1, le=MAX_ID, description="Area (any level) the slot applies below")
    name: str = Field(min_length=1, max_length=120, examples=["Bản tin sáng"])
    start_time: str = Field(pattern=HHMM, description="Local start time HH:MM (Asia/Ho_Chi_Minh)",
                            examples=["06:00"])
    duration_minutes: int = Field(ge=1, le=MAX_SLOT_MINUTES, examples=[30])
    weekdays: Weekdays = Field(default=None, max_length=7,
                                       description="0 = Monday ... 6 = Sunday; default every day")
    starts_on: BoundedDate = None
    ends_on: BoundedDate = None
    commemorative_only: bool = Field(default=False, description="Extra slot: runs only on commemorative days")
    intro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN,
                                     description="Stored audio played at the start (see /media)")
    outro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)

    @model_validator(mode="after")
    def _range(self) -> "SlotCreate":
        check_period(self.starts_on, self.ends_on)
        return self


class SlotUpdate(BaseModel):
    """Every field optional; `null` clears starts_on/ends_on/intro/outro."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    start_time: str | None = Field(default=None, pattern=HHMM)
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_SLOT_MINUTES)
    weekdays: Weekdays = Field(default=None, max_length=7)
    starts_on: BoundedDate = None
    ends_on: BoundedDate = None
    commemorative_only: bool | None = None
    intro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)
    outro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)


class AudioPublic(BaseModel):
    sha256: str
    ext: str
    duration_ms: int
    url: str


class SlotPublic(BaseModel):
    id: int
    area_id: int
    area_name: str
    name: str
    start_time: str
    end_time: str
    duration_minutes: int
    crosses_midnight: bool
    weekdays: list[int]
    starts_on: date | None
    ends_on: date | None
    commemorative_only: bool
    intro: AudioPublic | None
    outro: AudioPublic | None
    inherited: bool = Field(description="Set on an ancestor of the area asked about")


# ---------------------------------------------------------------------------- conversions


def weekdays_of(row: SlotTemplateRow) -> list[int]:
    return [int(ch) for ch in row.weekdays]


def _audio(sha: str | None, ext: str | None, ms: int | None) -> AudioRef | None:
    if sha is None or ext is None or not ms:
        return None
    return AudioRef(sha, ext, ms)


def to_template(row: SlotTemplateRow) -> SlotTemplate:
    assert row.id is not None
    return SlotTemplate(
        slot_id=row.id, name=row.name, start_time=row.start_time, duration_minutes=row.duration_minutes,
        weekdays=frozenset(weekdays_of(row)), starts_on=row.starts_on, ends_on=row.ends_on,
        intro=_audio(row.intro_sha256, row.intro_ext, row.intro_duration_ms),
        outro=_audio(row.outro_sha256, row.outro_ext, row.outro_duration_ms),
    )


def audio_public(ref: AudioRef | None) -> AudioPublic | None:
    if ref is None:
        return None
    return AudioPublic(sha256=ref.sha256, ext=ref.ext, duration_ms=ref.duration_ms, url=media_url(ref.sha256, ref.ext))


def to_public(row: SlotTemplateRow, area: Area, *, asked_area_id: int | None = None) -> SlotPublic:
    template = to_template(row)
    start = datetime.combine(date(2024, 1, 1), row.start_time)
    end = start + timedelta(minutes=row.duration_minutes)
    return SlotPublic(
        id=saved_id(row), area_id=row.area_id, area_name=area.name, name=row.name,
        start_time=row.start_time.strftime("%H:%M"), end_time=end.strftime("%H:%M"),
        duration_minutes=row.duration_minutes, crosses_midnight=end.date() != start.date(),
        weekdays=weekdays_of(row), starts_on=row.starts_on, ends_on=row.ends_on,
        commemorative_only=row.commemorative_only, intro=audio_public(template.intro),
        outro=audio_public(template.outro),
        inherited=asked_area_id is not None and row.area_id != asked_area_id,
    )


# ---------------------------------------------------------------------------- audio references


def _probe_duration_ms(path: Path) -> int:
    from media.ffmpeg import MediaError, run_ffprobe

    try:
        out = run_ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", str(path)])
        return round(float(out.strip()) * 1000)
    except (MediaError, ValueError) as exc:
        raise Invalid(f"Không đọc được thời lượng tệp âm thanh {path.name}: {exc}") from exc


def resolve_audio(store: MediaStore | None, sha256: str, what: str) -> AudioRef:
    """A stored file by hash, with its extension and duration; 422 if it is not in the store."""
    path = store.find(sha256) if store is not None else None
    if path is None:
        raise Invalid(f"{what}: không có tệp âm thanh {sha256[:12]}… trong kho.")
    ms = _probe_duration_ms(path)
    if ms <= 0:
        raise Invalid(f"{what}: tệp âm thanh {sha256[:12]}… có thời lượng 0.")
    return AudioRef(sha256, path.suffix.lstrip("."), ms)


# ---------------------------------------------------------------------------- service


def get_slot(session: Session, slot_id: int) -> SlotTemplateRow:
    row = session.get(SlotTemplateRow, slot_id)
    if row is None:
        raise NotFound("khung giờ", slot_id)
    return row


def area_for_write(session: Session, area_id: int, scope: Area | None) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise Invalid(f"Địa bàn mã {area_id} không tồn tại.")
    if not is_within(area, scope):
        raise Forbidden("Bạn chỉ được đặt khung giờ cho địa bàn trong phạm vi được giao.")
    return area


def _fmt(t: time, minutes: int) -> str:
    end = datetime.combine(date(2024, 1, 1), t) + timedelta(minutes=minutes)
    return f"{t:%H:%M}-{end:%H:%M}"


def check_no_overlap(session: Session, row: SlotTemplateRow, area: Area, tz: tzinfo) -> None:
    """409 if `row` would overlap a slot that applies to any cluster `row` applies to."""
    related = session.exec(
        select(SlotTemplateRow, Area)
        .join(Area, col(Area.id) == SlotTemplateRow.area_id)
        .where(sa.or_(col(Area.id).in_(area.ancestor_ids), col(Area.path).startswith(area.path)))
        .order_by(col(SlotTemplateRow.id))
    )
    mine = _check_template(row)
    for other, other_area in related:
        if other.id == row.id:
            continue
        theirs = to_template(other)
        when = first_overlap(mine, theirs, tz)
        if when is not None:
            # Name a day people recognise: the first clash from today on, if there is one.
            today = local_today(tz)
            when = first_overlap(_from(mine, today), _from(theirs, today), tz) or when
            raise Conflict(
                f"Khung giờ '{row.name}' ({_fmt(row.start_time, row.duration_minutes)}) chồng lên khung giờ "
                f"'{other.name}' ({_fmt(other.start_time, other.duration_minutes)}) của {other_area.name}, "
                f"ví dụ ngày {when:%d/%m/%Y}. Mỗi cụm loa chỉ phát một khung giờ tại một thời điểm."
            )


def _from(template: SlotTemplate, day: date) -> SlotTemplate:
    """`template` restricted to days from `day` on (unchanged if it ends before)."""
    if template.ends_on is not None and template.ends_on < day:
        return template
    return replace(template, starts_on=max(template.starts_on or day, day))


def _check_template(row: SlotTemplateRow) -> SlotTemplate:
    # Reuses the pure model's checks; an unsaved row gets a placeholder id.
    saved_id = row.id
    row.id = row.id or 0
    try:
        return to_template(row)
    finally:
        row.id = saved_id


def create_slot(session: Session, data: SlotCreate, *, scope: Area | None, tz: tzinfo,
                store: MediaStore | None = None, created_by: int | None = None) -> SlotTemplateRow:
    area = area_for_write(session, data.area_id, scope)
    row = SlotTemplateRow(
        area_id=saved_id(area), name=data.name.strip(), start_time=parse_hhmm(data.start_time),
        duration_minutes=data.duration_minutes,
        weekdays="".join(str(d) for d in (data.weekdays or range(7))),
        starts_on=data.starts_on, ends_on=data.ends_on, commemorative_only=data.commemorative_only,
        created_by=created_by,
    )
    if not row.name:
        raise Invalid("Tên khung giờ không được để trống.")
    _set_audio(row, "intro", data.intro_sha256, store)
    _set_audio(row, "outro", data.outro_sha256, store)
    check_no_overlap(session, row, area, tz)
    session.add(row)
    session.flush()
    return row


def _set_audio(row: SlotTemplateRow, which: str, sha256: str | None, store: MediaStore | None) -> None:
    if sha256 is None:
        setattr(row, f"{which}_sha256", None)
        setattr(row, f"{which}_ext", None)
        setattr(row, f"{which}_duration_ms", None)
        return
    label = "Nhạc hiệu mở đầu" if which == "intro" else "Nhạc hiệu kết thúc"
    ref = resolve_audio(store, sha256, label)
    if ref.duration_ms > row.duration_minutes * 60_000:
        raise Invalid(f"{label} dài hơn cả khung giờ.")
    setattr(row, f"{which}_sha256", ref.sha256)
    setattr(row, f"{which}_ext", ref.ext)
    setattr(row, f"{which}_duration_ms", ref.duration_ms)


def update_slot(session: Session, row: SlotTemplateRow, data: SlotUpdate, *, scope: Area | None, tz: tzinfo,
                store: MediaStore | None = None) -> SlotTemplateRow:
    area = area_for_write(session, row.area_id, scope)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "start_time", "duration_minutes", "weekdays", "commemorative_only"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    if "name" in changes:
        row.name = changes["name"].strip()
        if not row.name:
            raise Invalid("Tên khung giờ không được để trống.")
    if "start_time" in changes:
        row.start_time = parse_hhmm(changes["start_time"])
    if "duration_minutes" in changes:
        row.duration_minutes = changes["duration_minutes"]
    if "weekdays" in changes:
        row.weekdays = "".join(str(d) for d in changes["weekdays"])
    for key in ("starts_on", "ends_on", "commemorative_only"):
        if key in changes:
            setattr(row, key, changes[key])
    check_period(row.starts_on, row.ends_on, Invalid)
    for which in ("intro", "outro"):
        key = f"{which}_sha256"
        if key in changes:
            _set_audio(row, which, changes[key], store)
    for which in ("intro", "outro"):
        ms = getattr(row, f"{which}_duration_ms")
        if ms and ms > row.duration_minutes * 60_000:
            raise Invalid("Nhạc hiệu dài hơn cả khung giờ.")
    row.updated_at = now_utc()
    check_no_overlap(session, row, area, tz)
    session.add(row)
    session.flush()
    return row


def delete_slot(session: Session, row: SlotTemplateRow, *, scope: Area | None) -> None:
    area_for_write(session, row.area_id, scope)
    session.delete(row)
    session.flush()


def slot_readable(session: Session, row: SlotTemplateRow, scope: Area | None) -> Area:
    """A slot is readable when it applies inside the caller's subtree (set inside it, or above it)."""
    area = session.get(Area, row.area_id)
    if area is None:
        raise NotFound("khung giờ", row.id)
    if scope is not None and not (is_within(area, scope) or is_within(scope, area)):
        raise Forbidden("Khung giờ này nằm ngoài phạm vi được giao.")  # api/routes/slots.py SLOT_OUTSIDE
    return area


def effective_slots(session: Session, area: Area) -> list[tuple[SlotTemplateRow, Area]]:
    """Slots that apply at `area`: those on it and on its ancestors, ordered by start time."""
    rows = session.exec(
        select(SlotTemplateRow, Area).join(Area, col(Area.id) == SlotTemplateRow.area_id)
        .where(col(Area.id).in_(area.ancestor_ids))
    )
    return sorted(rows, key=lambda pair: (pair[0].start_time, pair[0].id))


def list_slots(session: Session, *, scope: Area | None, limit: int = 1000,
               offset: int = 0) -> list[tuple[SlotTemplateRow, Area]]:
    """Every slot that applies inside the caller's subtree (on it, below it, or above it)."""
    query = select(SlotTemplateRow, Area).join(Area, col(Area.id) == SlotTemplateRow.area_id)
    if scope is not None:
        query = query.where(sa.or_(col(Area.path).startswith(scope.path), col(Area.id).in_(scope.ancestor_ids)))
    query = query.order_by(col(Area.path), col(SlotTemplateRow.start_time), col(SlotTemplateRow.id))
    return list(session.exec(query.offset(offset).limit(limit)))
