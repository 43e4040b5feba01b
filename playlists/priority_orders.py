"""Priority clashes (Thông tư 39/2020/TT-BTTTT): when priority items of a higher level (district, province,
nation) and the commune's own priority items fall in the same slot, the commune's operator decides their
order.

- `priority_clashes` finds, in a published playlist, the slots where both kinds meet, and says which
  order is in force: the planner's default (earliest end of validity first, then the older item) or
  an operator's.
- `set_priority_order` stores an operator's order for one slot on one day, for a commune (all its
  clusters) or one cluster (which then wins over its commune's). The planner applies it on the next
  build (`playlists.planner`, `priority_order`), and the day is rebuilt at once when it is already
  published. Rows are never changed: each order is a new row, the newest one is in force, an empty
  list withdraws the area's order (a cluster then follows its commune's, else the default). Every
  change is also written to the content items' audit trail (`campaigns.models.ContentEvent`, action
  `priority_order`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from campaigns.models import MAX_REASON_CHARS, Content, ContentArea, ContentEvent
from core.areas import Area, AreaLevel, areas_by_id, is_within
from core.db import MAX_ID
from core.errors import Forbidden, Invalid, NotFound
from core.timeutil import now_utc
from core.users import Principal
from playlists.formats import PlaylistView
from playlists.models import PriorityOrder, SlotTemplateRow
from playlists.schedule_changes import follow_change

MAX_ORDERED = 100
ACTION = "priority_order"
DEFAULT_NOTE = ("Tin ưu tiên của cấp trên và của xã trùng khung giờ này. Đang phát theo thứ tự mặc định "
                "(tin hết hạn sớm hơn phát trước); cán bộ xã có thể sắp xếp lại.")
OPERATOR_NOTE = "Tin ưu tiên của cấp trên và của xã trùng khung giờ này. Đang phát theo thứ tự do {who} sắp xếp."
ORIGIN_LABELS = {"own": "Của xã", "higher": "Của cấp trên"}


class PriorityOrderSet(BaseModel):
    area_id: int = Field(ge=1, le=MAX_ID, description="A commune (all its clusters) or one cluster")
    slot_id: int = Field(ge=1, le=MAX_ID, description="The slot template")
    date: date
    content_ids: list[int] = Field(max_length=MAX_ORDERED, description="Priority items in the order they should "
                                                                        "play; [] puts the default order back")


class PriorityOrderPublic(BaseModel):
    area_id: int
    slot_id: int
    date: date
    content_ids: list[int]
    is_default: bool
    set_by: int | None
    set_at: datetime | None


@dataclass(frozen=True)
class ClashItem:
    content_id: int
    title: str
    origin: Literal["own", "higher"]
    origin_label: str


@dataclass(frozen=True)
class SlotClash:
    slot_index: int
    slot_id: int
    slot_name: str
    items: list[ClashItem]  # in the order they are planned
    ordered_by: Literal["default", "operator"]
    order_area_id: int | None  # whose order is in force (a commune or the cluster), None for the default
    note: str


# ---------------------------------------------------------------------------- reading


def _newest(session: Session, day: date, area_ids: Iterable[int] | None = None) -> dict[tuple[int, int], PriorityOrder]:
    query = select(PriorityOrder).where(PriorityOrder.day == day)
    if area_ids is not None:
        query = query.where(col(PriorityOrder.area_id).in_(sorted(set(area_ids))))
    newest: dict[tuple[int, int], PriorityOrder] = {}
    for row in session.exec(query.order_by(col(PriorityOrder.id))):
        newest[(row.area_id, row.slot_id)] = row
    return newest


def orders_on(session: Session, day: date) -> dict[int, dict[int, tuple[int, ...]]]:
    """The operators' orders in force on `day`: area_id -> slot_id -> content ids (default orders left out)."""
    found: dict[int, dict[int, tuple[int, ...]]] = defaultdict(dict)
    for (area_id, slot_id), row in _newest(session, day).items():
        if row.content_ids:
            found[area_id][slot_id] = tuple(int(c) for c in row.content_ids)
    return dict(found)


def order_for(orders: dict[int, dict[int, tuple[int, ...]]], ancestor_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """A cluster's orders by slot: the nearest area's wins (the cluster's own over its commune's)."""
    merged: dict[int, tuple[int, ...]] = {}
    for area_id in ancestor_ids:
        merged.update(orders.get(area_id, {}))
    return merged


def _origins(session: Session, revision_ids: Iterable[int], commune: Area) -> dict[int, str]:
    """Per revision: "own" when it targets the commune or something inside it, else "higher"."""
    targets: dict[int, list[int]] = defaultdict(list)
    ids = sorted(set(revision_ids))
    if ids:
        for link in session.exec(select(ContentArea).where(col(ContentArea.revision_id).in_(ids))):
            targets[link.revision_id].append(link.area_id)
    areas = areas_by_id(session, {a for v in targets.values() for a in v})
    return {rid: "own" if any(a in areas and is_within(areas[a], commune) for a in targets.get(rid, [])) else "higher"
            for rid in ids}


def priority_clashes(session: Session, view: PlaylistView, cluster: Area) -> list[SlotClash]:
    """The slots of a published playlist where higher-level and the commune's own priority items meet."""
    commune = session.get(Area, cluster.parent_id) if cluster.parent_id else None
    if commune is None:
        return []
    priority = [it for it in view.items if it.kind == "content" and it.level == "priority"]
    origins = _origins(session, [it.revision_id for it in priority if it.revision_id is not None], commune)
    newest = _newest(session, view.playlist.day, [cluster.id or 0, commune.id or 0])
    usernames = _usernames(session, {r.created_by for r in newest.values() if r.created_by is not None})
    clashes: list[SlotClash] = []
    for s in view.slots:
        slot_id = s.get("slot_id")
        items = [ClashItem(it.content_id or 0, it.title, "own" if origins.get(it.revision_id or 0) == "own"
                           else "higher", "")
                 for it in priority if it.slot_index == s["index"]]
        items = [ClashItem(i.content_id, i.title, i.origin, ORIGIN_LABELS[i.origin]) for i in items]
        if not slot_id or slot_id < 0 or {i.origin for i in items} != {"own", "higher"}:
            continue
        row = next((r for r in (newest.get((cluster.id or 0, slot_id)), newest.get((commune.id or 0, slot_id)))
                    if r is not None and r.content_ids), None)
        if row is None:
            clashes.append(SlotClash(s["index"], slot_id, s["name"], items, "default", None, DEFAULT_NOTE))
        else:
            who = usernames.get(row.created_by or 0, "cán bộ xã")
            clashes.append(SlotClash(s["index"], slot_id, s["name"], items, "operator", row.area_id,
                                     OPERATOR_NOTE.format(who=who)))
    return clashes


def _usernames(session: Session, user_ids: set[int]) -> dict[int, str]:
    from core.users import User

    if not user_ids:
        return {}
    return {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(sorted(user_ids))))
            if u.id is not None}


def current_order(session: Session, *, area_id: int, slot_id: int, day: date) -> PriorityOrderPublic:
    row = _newest(session, day, [area_id]).get((area_id, slot_id))
    return PriorityOrderPublic(area_id=area_id, slot_id=slot_id, date=day,
                               content_ids=list(row.content_ids) if row else [],
                               is_default=not (row and row.content_ids), set_by=row.created_by if row else None,
                               set_at=row.created_at if row else None)


def order_history(session: Session, *, area_id: int, slot_id: int, day: date) -> list[PriorityOrder]:
    """Every order set for (area, slot, day), oldest first."""
    return list(session.exec(select(PriorityOrder).where(
        PriorityOrder.area_id == area_id, PriorityOrder.slot_id == slot_id, PriorityOrder.day == day)
        .order_by(col(PriorityOrder.id))))


# ---------------------------------------------------------------------------- writing


def set_priority_order(session: Session, data: PriorityOrderSet, *, actor: Principal, today: date,
                       tz: tzinfo) -> PriorityOrderPublic:
    """Store an operator's order of a slot's priority items on a day, for a commune or a cluster."""
    area = session.get(Area, data.area_id)
    if area is None:
        raise NotFound("địa bàn", data.area_id)
    if area.level not in (AreaLevel.commune, AreaLevel.cluster):
        raise Invalid("Thứ tự tin ưu tiên chỉ đặt cho một xã/phường hoặc một cụm loa.")
    if not is_within(area, actor.scope):
        raise Forbidden("Bạn chỉ được sắp xếp tin ưu tiên cho địa bàn trong phạm vi được giao.")
    slot = session.get(SlotTemplateRow, data.slot_id)
    if slot is None:
        raise NotFound("khung giờ", data.slot_id)
    slot_area = session.get(Area, slot.area_id)
    if slot_area is None or not (slot.area_id in area.ancestor_ids or is_within(slot_area, area)):
        raise Invalid(f"Khung giờ '{slot.name}' không áp dụng cho {area.name}.")
    if data.date < today:
        raise Invalid(f"Ngày {data.date:%d/%m/%Y} đã qua: không sắp xếp lại được.")
    if data.date > today + timedelta(days=366):
        raise Invalid(f"Ngày {data.date:%d/%m/%Y} cách hôm nay quá 366 ngày.")
    if len(set(data.content_ids)) != len(data.content_ids):
        raise Invalid("Mỗi tin chỉ được xuất hiện một lần trong thứ tự.")
    contents = {c.id: c for c in session.exec(select(Content).where(col(Content.id).in_(data.content_ids)))}
    for content_id in data.content_ids:
        content = contents.get(content_id)
        if content is None:
            raise Invalid(f"Tin mã {content_id} không tồn tại.")
        if content.level != "priority":
            raise Invalid(f"Tin mã {content_id} không phải tin ưu tiên: chỉ sắp xếp được tin ưu tiên.")
    previous = current_order(session, area_id=area.id or 0, slot_id=slot.id or 0, day=data.date).content_ids
    at = now_utc()
    row = PriorityOrder(area_id=area.id or 0, slot_id=slot.id or 0, day=data.date, content_ids=list(data.content_ids),
                        created_by=actor.user_id, created_at=at)
    session.add(row)
    where = f"khung giờ '{slot.name}' ngày {data.date:%d/%m/%Y} tại {area.name}"
    for content_id in sorted(set(previous) - set(data.content_ids)):
        _audit(session, content_id, actor, at, f"Trở về thứ tự mặc định: {where}.")
    for position, content_id in enumerate(data.content_ids, start=1):
        _audit(session, content_id, actor, at,
               f"Thứ tự tin ưu tiên {where}: vị trí {position}/{len(data.content_ids)}.")
    session.flush()
    follow_change(session, [area.id or 0], tz=tz, created_by=actor.user_id, days=[data.date])
    return current_order(session, area_id=area.id or 0, slot_id=slot.id or 0, day=data.date)


def _audit(session: Session, content_id: int, actor: Principal, at: datetime, reason: str) -> None:
    session.add(ContentEvent(content_id=content_id, at=at, user_id=actor.user_id, username=actor.username,
                             action=ACTION, reason=reason[:MAX_REASON_CHARS]))
