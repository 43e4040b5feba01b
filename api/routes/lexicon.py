from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep, area_in_scope
from core.errors import Forbidden
from core.users import Principal, Role
from tts.lexicon_store import (
    LexiconEntryCreate,
    LexiconEntryPublic,
    LexiconEntryUpdate,
    add_entry,
    entry_public,
    get_entry,
    list_entries,
    update_entry,
)

router = APIRouter(tags=["lexicon"])


def _may_edit(session, principal: Principal, area_id: int | None) -> None:
    if area_id is None:
        if principal.role != Role.admin or principal.scope is not None:
            raise Forbidden("Chỉ quản trị toàn quốc được sửa cách đọc mặc định; hãy chọn một địa bàn.")
        return
    area_in_scope(session, principal, area_id)


@router.get("/lexicon", response_model=list[LexiconEntryPublic],
            summary="Pronunciation overrides on an area and its ancestors (national ones when no area)")
def list_(session: SessionDep, principal: Reader,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[LexiconEntryPublic]:
    chain: list[int | None] = [None]
    if area_id is not None:
        chain += area_in_scope(session, principal, area_id).ancestor_ids
    return [entry_public(e) for e in list_entries(session, area_ids=chain)]


@router.post("/lexicon", response_model=LexiconEntryPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a pronunciation override for an area (and everything below it)")
def create(session: SessionDep, principal: OperatorUser, body: LexiconEntryCreate) -> LexiconEntryPublic:
    _may_edit(session, principal, body.area_id)
    return entry_public(add_entry(session, body, created_by=principal.user_id))


@router.patch("/lexicon/{entry_id}", response_model=LexiconEntryPublic, summary="Change an override's reading")
def patch(session: SessionDep, principal: OperatorUser, entry_id: IdPath,
          body: LexiconEntryUpdate) -> LexiconEntryPublic:
    entry = get_entry(session, entry_id)
    _may_edit(session, principal, entry.area_id)
    return entry_public(update_entry(session, entry, body))


@router.delete("/lexicon/{entry_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an override")
def delete(session: SessionDep, principal: OperatorUser, entry_id: IdPath) -> None:
    entry = get_entry(session, entry_id)
    _may_edit(session, principal, entry.area_id)
    session.delete(entry)

