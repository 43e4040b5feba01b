from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from pydantic import BaseModel, Field

from api.deps import (
    MAX_ID,
    CurrentPrincipal,
    IdPath,
    OperatorUser,
    SessionDep,
    area_in_scope,
)
from core.areas import (
    MAX_CSV_BYTES,
    AreaCreate,
    AreaLevel,
    AreaPublic,
    AreaUpdate,
    create_area,
    delete_area,
    import_clusters_upload,
    list_areas,
    to_public,
    update_area,
)
from core.db import saved_id
from core.errors import Forbidden
from core.users import (
    DeviceTokenPublic,
    issue_device_token,
    list_device_tokens,
    revoke_cluster_token,
)

router = APIRouter(prefix="/areas", tags=["areas"])



class DeviceTokenCreate(BaseModel):
    label: str | None = Field(default=None, max_length=200)


class DeviceTokenOut(BaseModel):
    token: str
    id: int
    cluster_id: int


class ClusterImportOut(BaseModel):
    created: int
    existing: int


@router.post("", response_model=AreaPublic, status_code=status.HTTP_201_CREATED,
             summary="Create an area (province, district, commune or cluster)")
def create(session: SessionDep, principal: OperatorUser, body: AreaCreate) -> AreaPublic:
    return to_public(create_area(session, body, scope=principal.scope))


@router.get("", response_model=list[AreaPublic], summary="List areas visible to the caller")
def list_(session: SessionDep, principal: CurrentPrincipal,
          parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          level: AreaLevel | None = None,
          q: Annotated[str | None, Query(max_length=100)] = None,
          limit: Annotated[int, Query(ge=1, le=5000)] = 500,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[AreaPublic]:
    areas = list_areas(session, scope=principal.scope, parent_id=parent_id, level=level, q=q,
                       limit=limit, offset=offset)
    return [to_public(a) for a in areas]


@router.get("/{area_id}", response_model=AreaPublic, summary="One area")
def get(session: SessionDep, principal: CurrentPrincipal, area_id: IdPath) -> AreaPublic:
    return to_public(area_in_scope(session, principal, area_id))


@router.patch("/{area_id}", response_model=AreaPublic, summary="Rename an area or change its code")
def patch(session: SessionDep, principal: OperatorUser, area_id: IdPath, body: AreaUpdate) -> AreaPublic:
    area = area_in_scope(session, principal, area_id)
    if principal.scope is not None and area.id == principal.scope.id:
        raise Forbidden("Không thể sửa địa bàn gốc của chính mình.")
    return to_public(update_area(session, area, body))


@router.delete("/{area_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an area with no children")
def delete(session: SessionDep, principal: OperatorUser, area_id: IdPath) -> None:
    area = area_in_scope(session, principal, area_id)
    if principal.scope is not None and area.id == principal.scope.id:
        raise Forbidden("Không thể xóa địa bàn gốc của chính mình.")
    delete_area(session, area)


@router.post("/import-clusters", response_model=ClusterImportOut,
             summary="Bulk-create clusters from a CSV of commune_code,cluster_name[,cluster_code]")
async def import_clusters(session: SessionDep, principal: OperatorUser, file: UploadFile) -> ClusterImportOut:
    result = import_clusters_upload(session, await file.read(MAX_CSV_BYTES + 1), scope=principal.scope)
    return ClusterImportOut(created=result.created, existing=result.existing)


@router.post("/{cluster_id}/device-token", response_model=DeviceTokenOut, status_code=status.HTTP_201_CREATED,
             summary="Issue a bearer token with the device role for one cluster")
def device_token(session: SessionDep, principal: OperatorUser, cluster_id: IdPath,
                 body: DeviceTokenCreate | None = None) -> DeviceTokenOut:
    cluster = area_in_scope(session, principal, cluster_id)
    token, row = issue_device_token(session, cluster, label=body.label if body else None)
    return DeviceTokenOut(token=token, id=saved_id(row), cluster_id=saved_id(cluster))


@router.get("/{cluster_id}/device-tokens", response_model=list[DeviceTokenPublic],
            summary="Device tokens issued for a cluster (the secrets themselves are never shown again)")
def device_tokens(session: SessionDep, principal: OperatorUser, cluster_id: IdPath) -> list[DeviceTokenPublic]:
    area_in_scope(session, principal, cluster_id)
    return [DeviceTokenPublic.model_validate(t, from_attributes=True) for t in list_device_tokens(session, cluster_id)]


@router.delete("/{cluster_id}/device-tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke a device token")
def revoke_device_token(session: SessionDep, principal: OperatorUser, cluster_id: IdPath,
                        token_id: IdPath) -> None:
    area_in_scope(session, principal, cluster_id)
    revoke_cluster_token(session, cluster_id, token_id)
