"""Typed dependencies shared by every route: the session, the caller, role checks, the cluster of a path."""

import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.areas import Area, get_area
from core.config import Settings
from core.db import MAX_ID, session_scope
from core.errors import Forbidden
from core.users import OUTSIDE_SCOPE, TOKEN_WEB, Principal, Role, principal_for_token, readable_cluster
from core.write_gate import WriteGate

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (scope="function")."""
    with session_scope(request.app.state.engine) as session:
        yield session


# Requests holding a database session at once: fewer than anyio's 40 worker threads. A request that holds
# SQLite's write lock needs a free worker for its next step; with every worker taken by requests waiting
# for that lock, nothing moves until SQLite's 30 s busy timeout (found by bench/bench_agents.py: 45
# concurrent writes stalled 30 s). The rest wait their turn in the event loop, where waiting costs nothing.
# (`max_concurrency` needs FastAPI 0.165, the floor in pyproject.toml; one Depends object = one shared limit.)
DB_REQUESTS_AT_ONCE = 30
SessionDep = Annotated[Session, Depends(get_session, scope="function", max_concurrency=DB_REQUESTS_AT_ONCE)]


def make_write_gate(settings: Settings, engine: Engine) -> WriteGate:
    """The gate of device writes (core/write_gate.py): SQLite has one writer; PostgreSQL's writers share
    its pool with the readers (devices fetching playlists at the same moment), so they get half of it."""
    slots = settings.write_slots
    if slots is None:
        slots = 1 if engine.dialect.name == "sqlite" else max(1, engine.pool.size() // 2)  # type: ignore[attr-defined]
    # Admitted writes hold a session each: up to two thirds of them, so readers (the same devices fetching
    # playlists) always have the rest; that many also keeps a writer ready whenever a slot frees up, though
    # each request crosses a busy event loop several times (session, caller, cluster) before it writes.
    return WriteGate(slots, in_flight=DB_REQUESTS_AT_ONCE * 2 // 3, wait_s=settings.write_wait_s,
                     max_waiting=settings.write_queue, retry_after_max_s=settings.write_retry_after_max_s)


async def admitted_write(request: Request) -> AsyncIterator[WriteGate]:
    gate: WriteGate = request.app.state.write_gate
    async with gate.admit():
        yield gate


# A device write declares it FIRST among its parameters, so the request waits for admission (or is refused:
# 503 with Retry-After, core.errors.Busy) before it takes a database session; FastAPI leaves dependencies in
# reverse, so it stays admitted until its session has committed. The write: `with gate.slot(): ...; commit()`.
WriteGateDep = Annotated[WriteGate, Depends(admitted_write, scope="function")]


# Dependencies that touch no database are `async def`: FastAPI runs a plain `def` dependency in a worker
# thread, and each such hop costs more than the work (bench/bench_media.py: the playlist GET path).
async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


# The browser's signed cookie holds only this session id; the user behind it is kept server-side.
SESSION_ID_KEY = "sid"


def session_principal(request: Request, session: Session) -> Principal | None:
    """The user behind this browser's session id (a "web" access token row), if any."""
    sid = request.session.get(SESSION_ID_KEY) if "session" in request.scope else None
    return principal_for_token(session, sid, kind=TOKEN_WEB) if isinstance(sid, str) and sid else None


def get_principal(request: Request, session: SessionDep,
                  token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    if token is not None:
        principal = principal_for_token(session, token)
    elif "session" in request.scope and request.session.get(SESSION_ID_KEY):
        # A browser session may call the API, but a state-changing call must prove it came from our own
        # pages (the CSRF token they carry), not from another site riding on the cookie.
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token")
            if not sent or not secrets.compare_digest(sent, request.session.get("csrf", "")):
                raise Forbidden("Thiếu hoặc sai mã chống giả mạo (X-CSRF-Token) cho phiên đăng nhập web.")
        principal = session_principal(request, session)
    else:
        raise _unauthorized("Chưa đăng nhập: cần mã truy cập (Authorization: Bearer ...).")
    if principal is None:
        raise _unauthorized("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role):
    """A dependency that admits only the given roles (admin is always admitted)."""
    allowed = {Role.admin, *roles}

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"Vai trò {principal.role.value} không được phép thực hiện thao tác này.")
        return principal

    return Depends(check)


AdminUser = Annotated[Principal, require()]
OperatorUser = Annotated[Principal, require(Role.operator)]
ApproverUser = Annotated[Principal, require(Role.approver)]
Reader = Annotated[Principal, require(Role.operator, Role.approver, Role.supervisor)]
ReaderOrDevice = Annotated[Principal, require(Role.operator, Role.approver, Role.supervisor, Role.device)]


def area_in_scope(session: Session, principal: Principal, area_id: int) -> Area:
    """The area, if the caller may see it; 403 when outside the scope. An id that does not exist is 404 only
    for a caller who sees everything: to a caller with a scope it answers like one outside it (no probing)."""
    area = session.get(Area, area_id)
    if area is None and principal.scope is None:
        return get_area(session, area_id)  # 404
    if area is None or not principal.can_see(area):
        raise Forbidden(OUTSIDE_SCOPE)
    return area


def cluster_of_path(*roles: Role):
    """A dependency resolving the `cluster_id` path parameter for the given roles (admin always):
    403 for other roles, another cluster's device or a cluster outside the caller's subtree, 404 for an
    unknown id, 422 for an area that is not a cluster (core.users.readable_cluster)."""
    allowed = require(*roles)

    def resolve(session: SessionDep, principal: Annotated[Principal, allowed], cluster_id: IdPath) -> Area:
        return readable_cluster(session, principal, cluster_id)

    return Depends(resolve)


# Every /clusters/{cluster_id}/... route takes one of these (the checked Area); a route that needs only the id
# also reads it as `cluster_id: IdPath`.
DeviceOrReaderCluster = Annotated[Area, cluster_of_path(Role.operator, Role.approver, Role.supervisor, Role.device)]
DeviceOrOperatorCluster = Annotated[Area, cluster_of_path(Role.operator, Role.device)]
ReaderCluster = Annotated[Area, cluster_of_path(Role.operator, Role.approver, Role.supervisor)]
# The cluster's own device (and admin): heartbeats.
DeviceCluster = Annotated[Area, cluster_of_path(Role.device)]
