"""Commemorative days on which the extra slots of `commemorative_only` templates run.

The national days come from `campaigns.commemorations` (built in, read-only); an area may add its
own (a province's anniversary), which applies to every cluster below it. Operators manage custom
days within their scope; only a nationwide admin adds or removes a nationwide one.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session, col, select

from campaigns.commemorations import COMMEMORATIONS
from core.areas import Area, is_within
from core.db import MAX_ID
from core.errors import Conflict, Forbidden, NotFound
from playlists.models import Commemoration
from playlists.slots import area_for_write


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


class CommemorationPublic(BaseModel):
    id: int | None
    name: str
    month: int
    day: int
    area_id: int | None
    source: str = Field(description="'builtin' (national list) or 'custom'")


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
        area_for_write(session, data.area_id, scope)
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
        area_for_write(session, row.area_id, scope)
    session.delete(row)
    session.flush()
