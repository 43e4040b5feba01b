"""Areas and clusters: the tree, creating an area, importing clusters from CSV, device tokens."""

from collections import defaultdict

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import IdPath, SessionDep, area_in_scope
from api.web.area_choices import area_options, by_name, visible_areas
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_error,
    form_value,
    redirect,
    render,
    status_for,
    tr,
    trf,
    web_router,
)
from api.web.voices_pages import area_voice_view
from core.areas import (
    LEVEL_LABELS,
    MAX_CSV_BYTES,
    Area,
    AreaCreate,
    AreaLevel,
    AreaUpdate,
    ancestors,
    create_area,
    delete_area,
    import_clusters_upload,
    list_areas,
    update_area,
)
from core.collation import vn_fold
from core.db import saved_id
from core.errors import DomainError, Forbidden, Invalid
from core.users import Principal, Role, issue_device_token, list_device_tokens, revoke_cluster_token

router = web_router()

MAX_FOUND = 300



def _tree(areas: list[Area]) -> tuple[list[Area], dict[int, list[Area]]]:
    """Roots (areas whose parent is not shown) and each area's children, brothers in alphabetical order."""
    ids = {a.id for a in areas}
    children: dict[int, list[Area]] = defaultdict(list)
    roots = []
    for area in areas:
        if area.parent_id is not None and area.parent_id in ids:
            children[area.parent_id].append(area)
        else:
            roots.append(area)
    return roots, children


def _areas_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                error: str | None = None, import_error: str | None = None, values: dict | None = None,
                q: str | None = None) -> HTMLResponse:
    children: dict[int, list[Area]]
    if q:
        # Matched without tones or letter marks: "dong" finds "Đông", "xa an" finds "Xã Ân Thi".
        wanted = vn_fold(q)
        areas = by_name([a for a in visible_areas(session, principal) if wanted in vn_fold(a.name)][:MAX_FOUND])
        roots, children = areas, {}
    else:
        areas = visible_areas(session, principal)
        roots, children = _tree(areas)
    parents = area_options(session, principal, [AreaLevel.province, AreaLevel.district, AreaLevel.commune])
    can_edit = principal.role in (Role.admin, Role.operator)
    return render(request, "areas.html", status_code, roots=roots, children=children, parents=parents,
                  levels=list(LEVEL_LABELS.items()), can_edit=can_edit, error=error, import_error=import_error,
                  values=values or {}, q=q or "", count=len(areas))


@router.get("/areas", response_class=HTMLResponse)
def areas_page(request: Request, session: SessionDep, principal: ReaderPage, q: str | None = None) -> HTMLResponse:
    if principal.role == Role.approver:
        raise Forbidden("Vai trò của bạn không được dùng trang này.")
    return _areas_page(request, session, principal, q=(q or "").strip()[:100] or None)


@router.post("/areas", response_class=HTMLResponse)
def areas_create(request: Request, session: SessionDep, principal: OperatorPage, form: FormDep) -> Response:
    values = {k: form_value(form, k) for k in ("name", "level", "parent_id", "code")}
    try:
        data = AreaCreate.model_validate({
            "name": values["name"] or "", "level": values["level"] or "", "parent_id": values["parent_id"],
            "code": values["code"]})
        area = create_area(session, data, scope=principal.scope)
    except (DomainError, ValidationError) as exc:
        session.rollback()
        return _areas_page(request, session, principal, status_code=422, error=form_error(exc), values=values)
    flash(request, trf(request, "Đã tạo {level} “{name}”.",
                        level=tr(request, LEVEL_LABELS[AreaLevel(area.level)]).lower(), name=area.name))
    return redirect(f"/areas/{area.id}")


@router.post("/areas/import", response_class=HTMLResponse)
def areas_import(request: Request, session: SessionDep, principal: OperatorPage, form: FormDep) -> Response:
    upload = form.get("file")
    raw = upload.file.read(MAX_CSV_BYTES + 1) if upload is not None and not isinstance(upload, str) else b""
    try:
        if not raw:
            raise Invalid("Chưa chọn tệp CSV.")
        result = import_clusters_upload(session, raw, scope=principal.scope)
    except DomainError as exc:
        session.rollback()  # all or nothing, as in the API
        return _areas_page(request, session, principal, status_code=422, import_error=exc.message)
    flash(request, trf(request, "Đã nhập {created} cụm loa mới; {existing} cụm loa đã có.",
                        created=result.created, existing=result.existing))
    return redirect("/areas")


def _is_own_root(principal: Principal, area: Area) -> bool:
    return principal.scope is not None and area.id == principal.scope.id


def _area_page(request: Request, session: Session, principal: Principal, area: Area, *,
               new_token: str | None = None, status_code: int = 200, error: str | None = None,
               edit_error: str | None = None, values: dict | None = None) -> HTMLResponse:
    children = by_name(list_areas(session, scope=principal.scope, parent_id=area.id, limit=1000))
    path = [a for a in ancestors(session, area) if principal.can_see(a)]
    tokens = list_device_tokens(session, saved_id(area)) if area.level == AreaLevel.cluster else []
    can_edit = principal.role in (Role.admin, Role.operator)
    # Not "path": the layout's context already uses that name for the URL path (and wins).
    return render(request, "area.html", status_code, area=area, crumbs=path, children=children, tokens=tokens,
                  new_token=new_token, can_edit=can_edit, can_change=can_edit and not _is_own_root(principal, area),
                  error=error, edit_error=edit_error, values=values or {},
                  level_name=LEVEL_LABELS[AreaLevel(area.level)], voice=area_voice_view(session, request, area))


@router.get("/areas/{area_id}", response_class=HTMLResponse)
def area_page(request: Request, session: SessionDep, principal: ReaderPage, area_id: IdPath) -> HTMLResponse:
    return _area_page(request, session, principal, area_in_scope(session, principal, area_id))


@router.post("/areas/{area_id}/tokens", response_class=HTMLResponse)
def token_issue(request: Request, session: SessionDep, principal: OperatorPage, area_id: IdPath,
                form: FormDep) -> HTMLResponse:
    area = area_in_scope(session, principal, area_id)
    label = (form_value(form, "label") or "")[:200] or None
    try:
        token, _row = issue_device_token(session, area, label=label)
    except DomainError as exc:
        session.rollback()
        return _area_page(request, session, principal, area, status_code=422, error=exc.message)
    # Shown once, on this response only: the secret is never stored in clear.
    return _area_page(request, session, principal, area, new_token=token)


@router.post("/areas/{area_id}/tokens/{token_id}/revoke")
def token_revoke(request: Request, session: SessionDep, principal: OperatorPage, area_id: IdPath,
                 token_id: IdPath) -> RedirectResponse:
    area_in_scope(session, principal, area_id)
    revoke_cluster_token(session, area_id, token_id)
    flash(request, tr(request, "Đã thu hồi mã thiết bị."))
    return redirect(f"/areas/{area_id}")


# --- rename and delete (as PATCH/DELETE /api/v1/areas/{id}) -----------------------------------

@router.post("/areas/{area_id}/edit", response_class=HTMLResponse)
def area_rename(request: Request, session: SessionDep, principal: OperatorPage, area_id: IdPath,
                form: FormDep) -> Response:
    area = area_in_scope(session, principal, area_id)
    if _is_own_root(principal, area):
        raise Forbidden("Không thể sửa địa bàn gốc của chính mình.")
    values = {k: form_value(form, k) for k in ("name", "code")}
    try:
        changes: dict[str, str | None] = {"name": values["name"] or ""}
        if values["code"] != area.code:
            changes["code"] = values["code"]
        update_area(session, area, AreaUpdate.model_validate(changes))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        session.refresh(area)
        return _area_page(request, session, principal, area, status_code=422, edit_error=form_error(exc),
                          values=values)
    flash(request, trf(request, "Đã lưu “{name}”.", name=area.name))
    return redirect(f"/areas/{area.id}")


@router.post("/areas/{area_id}/delete", response_class=HTMLResponse)
def area_delete(request: Request, session: SessionDep, principal: OperatorPage, area_id: IdPath) -> Response:
    area = area_in_scope(session, principal, area_id)
    if _is_own_root(principal, area):
        raise Forbidden("Không thể xóa địa bàn gốc của chính mình.")
    name, parent_id = area.name, area.parent_id
    try:
        delete_area(session, area)  # refuses (Conflict) an area with children or rows pointing at it
    except DomainError as exc:
        session.rollback()
        area = area_in_scope(session, principal, area_id)
        return _area_page(request, session, principal, area, status_code=status_for(exc), edit_error=exc.message,
                          values={"name": area.name, "code": area.code})
    flash(request, trf(request, "Đã xóa “{name}”.", name=name))
    parent = session.get(Area, parent_id) if parent_id else None
    return redirect(f"/areas/{parent_id}" if parent is not None and principal.can_see(parent) else "/areas")
