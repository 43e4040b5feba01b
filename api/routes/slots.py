from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import MAX_ID, IdPath, OperatorUser, ReaderOrDevice, SessionDep, SettingsDep, area_in_scope
from core.errors import Forbidden
from core.users import Principal, Role
from media.store import MediaStore
from playlists.commemorations import (
    CommemorationCreate,
    CommemorationPublic,
    create_commemoration,
    delete_commemoration,
    list_commemorations,
)
from playlists.fillers import FillerPublic, FillerSet, clear_filler, effective_filler, set_filler
from playlists.models import SlotTemplateRow
from playlists.slots import (
    SlotCreate,
    SlotPublic,
    SlotUpdate,
    create_slot,
    delete_slot,
    effective_slots,
    get_slot,
    list_slots,
    slot_readable,
    to_public,
    update_slot,
)

router = APIRouter(tags=["slots"])


def _store(settings) -> MediaStore:
    return MediaStore(settings.media_dir)


@router.post("/slots", response_model=SlotPublic, status_code=status.HTTP_201_CREATED,
             summary="Create a slot template on an area (inherited by every cluster below it)",
             responses={409: {"description": "Overlaps a slot of some cluster it applies to"}})
def create(session: SessionDep, settings: SettingsDep, principal: OperatorUser, body: SlotCreate) -> SlotPublic:
    row = create_slot(session, body, scope=principal.scope, tz=settings.tz, store=_store(settings),
                      created_by=principal.user_id)
    return to_public(row, area_in_scope(session, principal, row.area_id))


@router.get("/slots", response_model=list[SlotPublic],
            summary="Slots: with area_id, those that apply at that area (its own and inherited ones)")
def list_(session: SessionDep, principal: ReaderOrDevice,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[SlotPublic]:
    if principal.role == Role.device:
        if area_id is not None and area_id != principal.cluster_id:
            raise Forbidden("Thiết bị chỉ xem được khung giờ của cụm loa của mình.")
        area_id = principal.cluster_id
    if area_id is not None:
        area = area_in_scope(session, principal, area_id)
        pairs = effective_slots(session, area)[offset:offset + limit]
        return [to_public(row, owner, asked_area_id=area.id) for row, owner in pairs]
    return [to_public(row, owner) for row, owner in list_slots(session, scope=principal.scope, limit=limit,
                                                               offset=offset)]


@router.get("/slots/commemorations", response_model=list[CommemorationPublic],
            summary="Commemorative days on which extra slots (commemorative_only) run")
def commemorations(session: SessionDep, principal: ReaderOrDevice) -> list[CommemorationPublic]:
    return list_commemorations(session, scope=principal.scope)


@router.post("/slots/commemorations", response_model=CommemorationPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a commemorative day for an area (a province's own anniversary)")
def add_commemoration(session: SessionDep, principal: OperatorUser, body: CommemorationCreate) -> CommemorationPublic:
    row = create_commemoration(session, body, scope=principal.scope)
    return CommemorationPublic(id=row.id, name=row.name, month=row.month, day=row.day, area_id=row.area_id,
                               source="custom")


@router.delete("/slots/commemorations/{commemoration_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a custom commemorative day")
def remove_commemoration(session: SessionDep, principal: OperatorUser, commemoration_id: IdPath) -> Response:
    delete_commemoration(session, commemoration_id, scope=principal.scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/slots/filler", response_model=FillerPublic | None,
            summary="The filler audio that fills what is left of a cluster's slots (nearest area's wins)")
def filler(session: SessionDep, principal: ReaderOrDevice,
           area_id: Annotated[int, Query(ge=1, le=MAX_ID)]) -> FillerPublic | None:
    if principal.role == Role.device and area_id != principal.cluster_id:
        raise Forbidden("Thiết bị chỉ xem được nhạc đệm của cụm loa của mình.")
    return effective_filler(session, area_in_scope(session, principal, area_id))


@router.put("/slots/filler", response_model=FillerPublic,
            summary="Set the filler audio of an area (a stored file, by sha256); clusters below it use it")
def put_filler(session: SessionDep, settings: SettingsDep, principal: OperatorUser, body: FillerSet) -> FillerPublic:
    row = set_filler(session, body, scope=principal.scope, store=_store(settings))
    found = effective_filler(session, area_in_scope(session, principal, row.area_id))
    assert found is not None
    return found


@router.delete("/slots/filler/{area_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an area's filler audio")
def delete_filler(session: SessionDep, principal: OperatorUser, area_id: IdPath) -> Response:
    clear_filler(session, area_id, scope=principal.scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


SLOT_OUTSIDE = "Khung giờ này nằm ngoài phạm vi được giao."
SLOT_NOT_FOR_DEVICE = "Khung giờ này không áp dụng cho cụm loa của thiết bị."
SLOT_WRITE_OUTSIDE = "Bạn chỉ được đặt khung giờ cho địa bàn trong phạm vi được giao."


def _slot(session: Session, principal: Principal, slot_id: int, outside: str) -> SlotTemplateRow:
    """The slot; a caller with a scope gets the same 403 for an id that does not exist as for one outside
    its scope, so ids cannot be probed. Only a caller who sees everything is told an id does not exist."""
    row = session.get(SlotTemplateRow, slot_id)
    if row is None:
        if principal.scope is None:
            return get_slot(session, slot_id)  # 404
        raise Forbidden(outside)
    return row


@router.get("/slots/{slot_id}", response_model=SlotPublic, summary="One slot template")
def get(session: SessionDep, principal: ReaderOrDevice, slot_id: IdPath) -> SlotPublic:
    row = _slot(session, principal, slot_id, SLOT_NOT_FOR_DEVICE if principal.role == Role.device else SLOT_OUTSIDE)
    if principal.role == Role.device:
        assert principal.cluster_id is not None  # a device principal always carries its cluster
        cluster = area_in_scope(session, principal, principal.cluster_id)
        if row.area_id not in cluster.ancestor_ids:
            raise Forbidden(SLOT_NOT_FOR_DEVICE)
    return to_public(row, slot_readable(session, row, principal.scope if principal.role != Role.device else None))


@router.patch("/slots/{slot_id}", response_model=SlotPublic,
              summary="Change a slot template (409 if the change makes it overlap)")
def patch(session: SessionDep, settings: SettingsDep, principal: OperatorUser, slot_id: IdPath,
          body: SlotUpdate) -> SlotPublic:
    row = update_slot(session, _slot(session, principal, slot_id, SLOT_WRITE_OUTSIDE), body,
                      scope=principal.scope, tz=settings.tz, store=_store(settings))
    return to_public(row, area_in_scope(session, principal, row.area_id))


@router.delete("/slots/{slot_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a slot template")
def delete(session: SessionDep, principal: OperatorUser, slot_id: IdPath) -> Response:
    delete_slot(session, _slot(session, principal, slot_id, SLOT_WRITE_OUTSIDE), scope=principal.scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
