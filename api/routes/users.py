from fastapi import APIRouter, status

from api.deps import AdminUser, CurrentPrincipal, IdPath, SessionDep
from core.areas import get_area
from core.errors import Forbidden
from core.users import (
    UserCreate,
    UserPublic,
    UserUpdate,
    create_user,
    get_user,
    list_users,
    update_user,
    user_public,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic, summary="The logged-in user")
def me(session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    if principal.user_id is None:
        raise Forbidden("Mã thiết bị không gắn với người dùng.")
    return user_public(get_user(session, principal.user_id))


@router.get("", response_model=list[UserPublic], summary="Users within the admin's scope")
def list_(session: SessionDep, principal: AdminUser) -> list[UserPublic]:
    return [user_public(u) for u in list_users(session, scope=principal.scope)]


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED, summary="Create a user")
def create(session: SessionDep, principal: AdminUser, body: UserCreate) -> UserPublic:
    if principal.scope is not None:
        if body.area_id is None or not principal.can_see(get_area(session, body.area_id)):
            raise Forbidden("Chỉ được tạo người dùng trong phạm vi được giao.")
    return user_public(create_user(session, body))


@router.get("/{user_id}", response_model=UserPublic, summary="One user")
def get(session: SessionDep, principal: AdminUser, user_id: IdPath) -> UserPublic:
    return user_public(_in_scope(session, principal, user_id))


@router.patch("/{user_id}", response_model=UserPublic, summary="Change a user's role, area, password or status")
def patch(session: SessionDep, principal: AdminUser, user_id: IdPath, body: UserUpdate) -> UserPublic:
    user = _in_scope(session, principal, user_id)
    if principal.scope is not None and "area_id" in body.model_fields_set:
        # A scoped admin can neither widen a user to the whole country nor move them outside the scope.
        if body.area_id is None or not principal.can_see(get_area(session, body.area_id)):
            raise Forbidden("Chỉ được gán địa bàn trong phạm vi được giao.")
    return user_public(update_user(session, user, body))


def _in_scope(session, principal, user_id):
    user = get_user(session, user_id)
    if principal.scope is not None and (user.area_id is None or
                                        not principal.can_see(get_area(session, user.area_id))):
        raise Forbidden("Người dùng này nằm ngoài phạm vi được giao.")
    return user
