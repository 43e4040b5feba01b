"""Relays ("tiếp sóng"): scheduled live streams of a higher-level station; and operators' priority orders."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep, SettingsDep, area_in_scope
from core.config import Settings
from core.timeutil import local_today
from playlists.priority_orders import PriorityOrderPublic, PriorityOrderSet, current_order, set_priority_order
from playlists.relays import (
    RelayCreate,
    RelayPublic,
    RelayUpdate,
    create_relay,
    delete_relay,
    get_relay,
    list_relays,
    publics,
    relay_readable,
    update_relay,
)
from playlists.stream_check import StreamChecker, stream_checker

router = APIRouter(tags=["relays"])


def _checker(settings: Settings) -> StreamChecker:
    return stream_checker(settings.stream_check, settings.stream_check_timeout_s)


def _one(session, row) -> RelayPublic:
    return publics(session, [row])[0]


@router.post("/relays", response_model=RelayPublic, status_code=status.HTTP_201_CREATED,
             summary="Schedule a relay (a live stream) on areas in your subtree; the stream URL is checked "
                     "(stream_check.ok false: saved anyway, with the warning)")
def create(session: SessionDep, settings: SettingsDep, principal: OperatorUser, body: RelayCreate) -> RelayPublic:
    row = create_relay(session, body, scope=principal.scope, checker=_checker(settings), tz=settings.tz,
                       created_by=principal.user_id)
    return _one(session, row)


@router.get("/relays", response_model=list[RelayPublic],
            summary="Relays that apply inside your subtree (with area_id: at that area, on it, above or below it)")
def list_(session: SessionDep, principal: Reader,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 500,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[RelayPublic]:
    area = area_in_scope(session, principal, area_id) if area_id is not None else None
    return publics(session, list_relays(session, scope=principal.scope, area=area, limit=limit, offset=offset))


@router.get("/relays/{relay_id}", response_model=RelayPublic, summary="One relay")
def get(session: SessionDep, principal: Reader, relay_id: IdPath) -> RelayPublic:
    row = get_relay(session, relay_id)
    relay_readable(session, row, principal.scope)
    return _one(session, row)


@router.patch("/relays/{relay_id}", response_model=RelayPublic,
              summary="Change a relay (all its areas must be in your subtree); the stream URL is checked again")
def patch(session: SessionDep, settings: SettingsDep, principal: OperatorUser, relay_id: IdPath,
          body: RelayUpdate) -> RelayPublic:
    row = update_relay(session, get_relay(session, relay_id), body, scope=principal.scope,
                       checker=_checker(settings), tz=settings.tz, actor_id=principal.user_id)
    return _one(session, row)


@router.delete("/relays/{relay_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a relay")
def delete(session: SessionDep, settings: SettingsDep, principal: OperatorUser, relay_id: IdPath) -> Response:
    delete_relay(session, get_relay(session, relay_id), scope=principal.scope, tz=settings.tz,
                 actor_id=principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/priority-orders", response_model=PriorityOrderPublic,
            summary="Order a slot's priority items for a day, for a commune or a cluster (Thông tư 39/2020); "
                    "content_ids [] withdraws this area's order (back to the commune's, or the default). "
                    "Applied by the next build (the day is "
                    "rebuilt at once when it is already published) and recorded in the items' history")
def put_order(session: SessionDep, settings: SettingsDep, principal: OperatorUser,
              body: PriorityOrderSet) -> PriorityOrderPublic:
    return set_priority_order(session, body, actor=principal, today=local_today(settings.tz), tz=settings.tz)


@router.get("/priority-orders", response_model=PriorityOrderPublic,
            summary="The order of a slot's priority items in force for a commune or a cluster on a day")
def get_order(session: SessionDep, principal: Reader, area_id: Annotated[int, Query(ge=1, le=MAX_ID)],
              slot_id: Annotated[int, Query(ge=1, le=MAX_ID)], day: Annotated[date, Query(alias="date")]
              ) -> PriorityOrderPublic:
    area_in_scope(session, principal, area_id)
    return current_order(session, area_id=area_id, slot_id=slot_id, day=day)
