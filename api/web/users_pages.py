"""Users (admin): the list, a form to add one, and editing one (name, role, area, password, active)."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import IdPath, SessionDep
from api.web.area_choices import area_options
from api.web.common import (
    AdminPage,
    FormDep,
    flash,
    form_error,
    form_value,
    redirect,
    render,
    trf,
    web_router,
)
from core.areas import get_area, get_area_names
from core.errors import DomainError, Forbidden, Invalid
from core.users import (
    ROLE_LABELS,
    Principal,
    Role,
    User,
    UserCreate,
    UserUpdate,
    create_user,
    get_user,
    list_users,
    update_user,
)

router = web_router()

USER_ROLES = [Role.admin, Role.operator, Role.approver, Role.supervisor]


def _page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
          error: str | None = None, values: dict | None = None) -> HTMLResponse:
    users = list_users(session, scope=principal.scope)
    names = get_area_names(session, (u.area_id for u in users))
    return render(request, "users.html", status_code, users=users, area_names=names,
                  roles=[(r.value, ROLE_LABELS[r]) for r in USER_ROLES], role_labels=ROLE_LABELS,
                  areas=area_options(session, principal), error=error, values=values or {})


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, principal: AdminPage) -> HTMLResponse:
    return _page(request, session, principal)


@router.post("/users", response_class=HTMLResponse)
def users_create(request: Request, session: SessionDep, principal: AdminPage, form: FormDep) -> Response:
    values = {k: form_value(form, k) for k in ("username", "full_name", "role", "area_id")}
    try:
        data = UserCreate.model_validate({
            "username": values["username"] or "", "full_name": values["full_name"], "role": values["role"] or "",
            "area_id": values["area_id"],
            "password": form.get("password") if isinstance(form.get("password"), str) else ""})
        if principal.scope is not None and (data.area_id is None
                                            or not principal.can_see(get_area(session, data.area_id))):
            raise Forbidden("Chỉ được tạo người dùng trong phạm vi được giao.")
        user = create_user(session, data)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _page(request, session, principal, status_code=422, error=form_error(exc), values=values)
    flash(request, trf(request, "Đã tạo người dùng {username}.", username=user.username))
    return redirect("/users")


# --- one user -------------------------------------------------------------------------------

def _user_in_scope(session: Session, principal: Principal, user_id: int) -> User:
    """As the API's PATCH /users/{id}: a scoped admin manages only users of its own subtree."""
    user = get_user(session, user_id)
    if principal.scope is not None and (user.area_id is None or not principal.can_see(get_area(session, user.area_id))):
        raise Forbidden("Người dùng này nằm ngoài phạm vi được giao.")
    return user


def _edit_page(request: Request, session: Session, principal: Principal, user: User, *, status_code: int = 200,
               error: str | None = None, values: dict | None = None) -> HTMLResponse:
    values = values or {"full_name": user.full_name, "role": user.role,
                        "area_id": str(user.area_id) if user.area_id else None, "is_active": user.is_active}
    return render(request, "user_edit.html", status_code, target=user, values=values,
                  roles=[(r.value, ROLE_LABELS[r]) for r in USER_ROLES], areas=area_options(session, principal),
                  is_self=user.id == principal.user_id, error=error)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, session: SessionDep, principal: AdminPage, user_id: IdPath) -> HTMLResponse:
    return _edit_page(request, session, principal, _user_in_scope(session, principal, user_id))


@router.post("/users/{user_id}", response_class=HTMLResponse)
def user_update(request: Request, session: SessionDep, principal: AdminPage, user_id: IdPath,
                form: FormDep) -> Response:
    user = _user_in_scope(session, principal, user_id)
    values: dict[str, Any] = {k: form_value(form, k) for k in ("full_name", "role", "area_id")}
    values["is_active"] = form_value(form, "is_active") == "true"
    password = form.get("password")
    password = password if isinstance(password, str) and password else None
    try:
        changes = {"full_name": values["full_name"], "role": values["role"] or "", "area_id": values["area_id"],
                   "is_active": values["is_active"]}
        if password is not None:
            changes["password"] = password
        data = UserUpdate.model_validate(changes)
        if principal.scope is not None and (data.area_id is None
                                            or not principal.can_see(get_area(session, data.area_id))):
            # Without this a scoped admin could hand out the whole country ("Toàn quốc" = no area).
            raise Forbidden("Chỉ được gán địa bàn trong phạm vi được giao.")
        if user.id == principal.user_id and (not data.is_active or data.role != Role.admin):
            raise Invalid("Không thể tự khóa tài khoản hoặc bỏ quyền quản trị của chính mình.")
        update_user(session, user, data)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _edit_page(request, session, principal, user, status_code=422, error=form_error(exc), values=values)
    # One whole sentence per case, so a translator sees each as it is shown.
    username = user.username
    if password is not None and not user.is_active:
        flash(request, trf(request, "Đã lưu người dùng {username}; đặt lại mật khẩu; tài khoản đang bị khóa.",
                           username=username))
    elif password is not None:
        flash(request, trf(request, "Đã lưu người dùng {username}; đặt lại mật khẩu.", username=username))
    elif not user.is_active:
        flash(request, trf(request, "Đã lưu người dùng {username}; tài khoản đang bị khóa.", username=username))
    else:
        flash(request, trf(request, "Đã lưu người dùng {username}.", username=username))
    return redirect("/users")
