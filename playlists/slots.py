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
  that applies to the cluster (see `commemorative_days`). Its overlap check is conservative: it
  must not overlap any slot on any of its weekdays, since a commemoration can fall on any of them.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import Session, col, select

from campaigns.commemorations import COMMEMORATIONS
from core.areas import Area, AreaLevel, is_within
from core.db import MAX_ID
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.timeutil import local_today, now_utc
from media.store import MediaStore, media_url
from playlists.models import AreaFiller, Commemoration, SlotTemplateRow
from playlists.slot_times import MAX_SLOT_MINUTES, AudioRef, SlotTemplate, first_overlap

log = logging.getLogger(__name__)

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_HHMM_RE = re.compile(HHMM)
# Dates outside this range are typing mistakes, not broadcast plans.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
SHA256_PATTERN = r"^[0-9a-f]{64}$"


# ---------------------------------------------------------------------------- schemas


def _parse_hhmm(value: str) -> time:
    if not _HHMM_RE.match(value):
        raise ValueError(f"Giờ bắt đầu phải có dạng HH:MM từ 00:00 đến 23:59, nhận {value!r}.")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _check_weekdays(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("Phải chọn ít nhất một ngày trong tuần.")
    bad = sorted({d for d in value if not 0 <= d <= 6})
    if bad:
        raise ValueError(f"Ngày trong tuần phải từ 0 (thứ Hai) đến 6 (Chủ nhật), nhận {bad}.")
    return sorted(set(value))


def _check_date(value: date | None) -> date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"Ngày phải trong khoảng {MIN_DATE:%d/%m/%Y} - {MAX_DATE:%d/%m/%Y}.")
    return value


class SlotCreate(BaseModel):
    area_id: int = Field(ge=1, le=MAX_ID, description="Area (any level) the slot applies below")
    name: str = Field(min_length=1, max_length=120, examples=["Bản tin sáng"])
    start_time: str = Field(pattern=HHMM, description="Local start time HH:MM (Asia/Ho_Chi_Minh)",
                            examples=["06:00"])
    duration_minutes: int = Field(ge=1, le=MAX_SLOT_MINUTES, examples=[30])
    weekdays: list[int] | None = Field(default=None, max_length=7,
                                       description="0 = Monday ... 6 = Sunday; default every day")
    starts_on: date | None = None
    ends_on: date | None = None
    commemorative_only: bool = Field(default=False, description="Extra slot: runs only on commemorative days")
    intro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN,
                                     description="Stored audio played at the start (see /media)")
    outro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int] | None) -> list[int] | None:
        return _check_weekdays(value)

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, value: date | None) -> date | None:
        return _check_date(value)

    @model_validator(mode="after")
    def _range(self) -> "SlotCreate":
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValueError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
        return self


class SlotUpdate(BaseModel):
    """Every field optional; `null` clears starts_on/ends_on/intro/outro."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    start_time: str | None = Field(default=None, pattern=HHMM)
    duration_minutes: int | None = Field(default=None, ge=1, le=MAX_SLOT_MINUTES)
    weekdays: list[int] | None = Field(default=None, max_length=7)
    starts_on: date | None = None
    ends_on: date | None = None
    commemorative_only: bool | None = None
    intro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)
    outro_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int] | None) -> list[int] | None:
        return _check_weekdays(value)

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, value: date | None) -> date | None:
        return _check_date(value)


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


class CommemorationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    area_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="None: nationwide")

    @model_validator(mode="after")
    def _real_day(self) -> "CommemorationCreate":
        try:
            date(2024, self.month, self.day)  # a leap year: 29/2 is a real day
        except ValueError as exc:
            raise ValueError(f"Ngày {self.day}/{self.month} không tồn tại.") from exc
        return self


class FillerSet(BaseModel):
    area_id: int = Field(ge=1, le=MAX_ID)
    sha256: str = Field(pattern=SHA256_PATTERN, description="Stored audio (see /media) played to fill slots")


class FillerPublic(BaseModel):
    area_id: int
    area_name: str
    audio: AudioPublic
    inherited: bool = Field(description="Set on an ancestor of the area asked about")


class CommemorationPublic(BaseModel):
    id: int | None
    name: str
    month: int
    day: int
    area_id: int | None
    source: str = Field(description="'builtin' (national list) or 'custom'")


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


def _audio_public(ref: AudioRef | None) -> AudioPublic | None:
    if ref is None:
        return None
    return AudioPublic(sha256=ref.sha256, ext=ref.ext, duration_ms=ref.duration_ms, url=media_url(ref.sha256, ref.ext))


def to_public(row: SlotTemplateRow, area: Area, *, asked_area_id: int | None = None) -> SlotPublic:
    template = to_template(row)
    start = datetime.combine(date(2024, 1, 1), row.start_time)
    end = start + timedelta(minutes=row.duration_minutes)
    return SlotPublic(
        id=row.id, area_id=row.area_id, area_name=area.name, name=row.name,
        start_time=row.start_time.strftime("%H:%M"), end_time=end.strftime("%H:%M"),
        duration_minutes=row.duration_minutes, crosses_midnight=end.date() != start.date(),
        weekdays=weekdays_of(row), starts_on=row.starts_on, ends_on=row.ends_on,
        commemorative_only=row.commemorative_only, intro=_audio_public(template.intro),
        outro=_audio_public(template.outro),
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


def _area_for_write(session: Session, area_id: int, scope: Area | None) -> Area:
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
    area = _area_for_write(session, data.area_id, scope)
    row = SlotTemplateRow(
        area_id=area.id, name=data.name.strip(), start_time=_parse_hhmm(data.start_time),
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
    area = _area_for_write(session, row.area_id, scope)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "start_time", "duration_minutes", "weekdays", "commemorative_only"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    if "name" in changes:
        row.name = changes["name"].strip()
        if not row.name:
            raise Invalid("Tên khung giờ không được để trống.")
    if "start_time" in changes:
        row.start_time = _parse_hhmm(changes["start_time"])
    if "duration_minutes" in changes:
        row.duration_minutes = changes["duration_minutes"]
    if "weekdays" in changes:
        row.weekdays = "".join(str(d) for d in changes["weekdays"])
    for key in ("starts_on", "ends_on", "commemorative_only"):
        if key in changes:
            setattr(row, key, changes[key])
    if row.starts_on and row.ends_on and row.starts_on > row.ends_on:
        raise Invalid("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
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
    _area_for_write(session, row.area_id, scope)
    session.delete(row)
    session.flush()


def slot_readable(session: Session, row: SlotTemplateRow, scope: Area | None) -> Area:
    """A slot is readable when it applies inside the caller's subtree (set inside it, or above it)."""
    area = session.get(Area, row.area_id)
    if area is None:
        raise NotFound("khung giờ", row.id)
    if scope is not None and not (is_within(area, scope) or is_within(scope, area)):
        raise Forbidden("Khung giờ này nằm ngoài phạm vi được giao.")
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


# ---------------------------------------------------------------------------- commemorative days


@dataclass(frozen=True)
class CommemorativeDays:
    """(month, day) -> areas where it applies; None in the set means nationwide."""

    days: dict[tuple[int, int], frozenset[int | None]]

    def applies(self, day: date, ancestor_ids: Iterable[int]) -> bool:
        where = self.days.get((day.month, day.day))
        if not where:
            return False
        return None in where or any(a in where for a in ancestor_ids)

    def areas_on(self, day: date) -> frozenset[int | None]:
        return self.days.get((day.month, day.day), frozenset())


def builtin_commemorations() -> list[CommemorationPublic]:
    """The national commemorative days kept by the campaigns package (regional ones are added per area)."""
    return [CommemorationPublic(id=None, name=c.name, month=c.month, day=c.day, area_id=None, source="builtin")
            for c in COMMEMORATIONS if c.region is None]


def commemorative_days(session: Session) -> CommemorativeDays:
    days: dict[tuple[int, int], set[int | None]] = defaultdict(set)
    for c in builtin_commemorations():
        days[(c.month, c.day)].add(None)
    for row in session.exec(select(Commemoration)):
        days[(row.month, row.day)].add(row.area_id)
    return CommemorativeDays({k: frozenset(v) for k, v in days.items()})


def list_commemorations(session: Session, *, scope: Area | None) -> list[CommemorationPublic]:
    found = builtin_commemorations()
    query = select(Commemoration, Area).join(Area, col(Area.id) == Commemoration.area_id, isouter=True)
    for row, area in session.exec(query.order_by(col(Commemoration.month), col(Commemoration.day))):
        if area is not None and scope is not None and not (is_within(area, scope) or is_within(scope, area)):
            continue
        found.append(CommemorationPublic(id=row.id, name=row.name, month=row.month, day=row.day,
                                         area_id=row.area_id, source="custom"))
    return sorted(found, key=lambda c: (c.month, c.day, c.name))


def create_commemoration(session: Session, data: CommemorationCreate, *, scope: Area | None) -> Commemoration:
    if data.area_id is None:
        if scope is not None:
            raise Forbidden("Chỉ quản trị toàn quốc được thêm ngày kỷ niệm áp dụng cả nước.")
    else:
        _area_for_write(session, data.area_id, scope)
    clash = session.exec(select(Commemoration.id).where(
        Commemoration.month == data.month, Commemoration.day == data.day,
        Commemoration.area_id == data.area_id if data.area_id is not None
        else col(Commemoration.area_id).is_(None))).first()
    if clash is not None:
        raise Conflict(f"Ngày {data.day:02d}/{data.month:02d} đã là ngày kỷ niệm của địa bàn này.")
    row = Commemoration(name=data.name.strip(), month=data.month, day=data.day, area_id=data.area_id)
    session.add(row)
    session.flush()
    return row


def delete_commemoration(session: Session, commemoration_id: int, *, scope: Area | None) -> None:
    row = session.get(Commemoration, commemoration_id)
    if row is None:
        raise NotFound("ngày kỷ niệm", commemoration_id)
    if row.area_id is None:
        if scope is not None:
            raise Forbidden("Chỉ quản trị toàn quốc được xóa ngày kỷ niệm áp dụng cả nước.")
    else:
        _area_for_write(session, row.area_id, scope)
    session.delete(row)
    session.flush()


# ---------------------------------------------------------------------------- filler audio


def set_filler(session: Session, data: FillerSet, *, scope: Area | None, store: MediaStore | None) -> AreaFiller:
    """Filler for every cluster below the area (a deeper area's own filler wins)."""
    area = _area_for_write(session, data.area_id, scope)
    ref = resolve_audio(store, data.sha256, "Nhạc đệm")
    row = session.get(AreaFiller, area.id) or AreaFiller(area_id=area.id, sha256=ref.sha256, ext=ref.ext,
                                                         duration_ms=ref.duration_ms)
    row.sha256, row.ext, row.duration_ms, row.updated_at = ref.sha256, ref.ext, ref.duration_ms, now_utc()
    session.add(row)
    session.flush()
    return row


def clear_filler(session: Session, area_id: int, *, scope: Area | None) -> None:
    _area_for_write(session, area_id, scope)
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
            audio = _audio_public(ref)
            assert audio is not None and owner is not None
            return FillerPublic(area_id=area_id, area_name=owner.name, audio=audio, inherited=area_id != area.id)
    return None


# ---------------------------------------------------------------------------- bulk, for the builder


@dataclass(frozen=True)
class AreaSlots:
    """Every slot template in the database, grouped by area, for the day builder."""

    by_area: dict[int, tuple[tuple[SlotTemplate, bool], ...]]  # area_id -> ((template, commemorative_only), ...)
    commemorations: CommemorativeDays
    fillers: dict[int, AudioRef] = field(default_factory=dict)  # area_id -> filler set on it

    def filler_for(self, ancestor_ids: Sequence[int]) -> AudioRef | None:
        """The filler of the nearest area (the cluster itself first, then up the tree)."""
        for area_id in reversed(ancestor_ids):
            if area_id in self.fillers:
                return self.fillers[area_id]
        return None

    def templates_for(self, ancestor_ids: Sequence[int], day: date) -> tuple[SlotTemplate, ...]:
        """The templates of a cluster (given its ancestor-or-self ids) that may run on `day`."""
        found: list[SlotTemplate] = []
        special: bool | None = None
        for area_id in ancestor_ids:
            for template, commemorative_only in self.by_area.get(area_id, ()):
                if commemorative_only:
                    if special is None:
                        special = self.commemorations.applies(day, ancestor_ids)
                    if not special:
                        continue
                found.append(template)
        return tuple(sorted(found, key=lambda t: t.slot_id))


def load_area_slots(session: Session) -> AreaSlots:
    by_area: dict[int, list[tuple[SlotTemplate, bool]]] = defaultdict(list)
    for row in session.exec(select(SlotTemplateRow).order_by(col(SlotTemplateRow.id))):
        by_area[row.area_id].append((to_template(row), row.commemorative_only))
    fillers = {r.area_id: AudioRef(r.sha256, r.ext, r.duration_ms) for r in session.exec(select(AreaFiller))}
    return AreaSlots({k: tuple(v) for k, v in by_area.items()}, commemorative_days(session), fillers)


def is_cluster(area: Area) -> bool:
    return AreaLevel(area.level) == AreaLevel.cluster
