"""Users, roles, bearer tokens (user and per-cluster device tokens) and login rate limiting."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, func, select

from core.areas import Area, AreaLevel, get_area, get_cluster, is_within, subtree_condition
from core.db import MAX_ID, UTCDateTime, saved_id
from core.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from core.formatting import duration_words
from core.security import hash_password, new_token, token_hash, verify_password
from core.timeutil import now_utc


class Role(StrEnum):
    admin = "admin"
    operator = "operator"
    approver = "approver"
    supervisor = "supervisor"
    device = "device"


ROLE_LABELS = {
    Role.admin: "Quản trị",
    Role.operator: "Biên tập viên",
    Role.approver: "Người duyệt",
    Role.supervisor: "Giám sát",
    Role.device: "Thiết bị cụm loa",
}

USERNAME_PATTERN = r"^[A-Za-z0-9._@-]{3,64}$"


class UserBase(SQLModel):
    username: str = Field(min_length=3, max_length=64, schema_extra={"pattern": USERNAME_PATTERN})
    full_name: str | None = Field(default=None, max_length=200)
    role: Role = Field(sa_type=sa.String(16))
    area_id: int | None = Field(default=None, foreign_key="area.id", ge=1, le=MAX_ID)


class User(UserBase, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128)


class UserUpdate(SQLModel):
    full_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=128)
    role: Role | None = None
    area_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    is_active: bool | None = None


class UserPublic(UserBase):
    id: int
    is_active: bool
    role_label: str


def user_public(user: User) -> UserPublic:
    return UserPublic(id=saved_id(user), username=user.username, full_name=user.full_name, role=user.role,
                      area_id=user.area_id, is_active=user.is_active, role_label=ROLE_LABELS[Role(user.role)])


TOKEN_API = "api"
TOKEN_WEB = "web"


class AccessToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    cluster_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "api": a bearer token handed to a client. "web": the server side of a browser session; its secret is
    # only ever a cookie's session id, so a stolen cookie cannot be replayed as a bearer token (no CSRF check).
    kind: str = Field(default=TOKEN_API, max_length=8, sa_column_kwargs={"server_default": TOKEN_API})


class DeviceTokenPublic(SQLModel):
    id: int
    cluster_id: int
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class LoginFailure(SQLModel, table=True):
    """A login attempt, kept while it counts as a failure (see `authenticate`)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    client: str = Field(default="", max_length=64, index=True)  # the caller's address
    at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime, index=True)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, or a cluster's device."""

    role: Role
    user_id: int | None
    username: str
    scope: Area | None  # None: the whole country
    cluster_id: int | None = None
    token_id: int | None = None

    def can_see(self, area: Area) -> bool:
        return is_within(area, self.scope)

    def scope_condition(self) -> ColumnElement[bool] | None:
        return None if self.scope is None else subtree_condition(self.scope)


OUTSIDE_SCOPE = "Địa bàn này nằm ngoài phạm vi được giao."
OTHER_CLUSTER = "Mã thiết bị này thuộc cụm loa khác: thiết bị chỉ đọc và gửi dữ liệu của cụm loa của mình."


def cluster_readable_by(principal: Principal, cluster: Area) -> bool:
    """A device reads (and reports for) only its own cluster; a person, the clusters of their subtree."""
    if principal.role == Role.device:
        return principal.cluster_id == cluster.id
    return principal.can_see(cluster)


def readable_cluster(session: Session, principal: Principal, cluster_id: int) -> Area:
    """The cluster, if `principal` may read it: 403 not readable by them, 422 not a cluster; 404 unknown only
    for a caller who sees everything (to others an unknown id answers like one outside their scope)."""
    area = session.get(Area, cluster_id)
    if area is None and principal.scope is None:
        area = get_area(session, cluster_id)  # 404
    if area is None or not cluster_readable_by(principal, area):
        raise Forbidden(OTHER_CLUSTER if principal.role == Role.device else OUTSIDE_SCOPE)
    return get_cluster(session, cluster_id)


def create_user(session: Session, data: UserCreate, *, password_hash: str | None = None) -> User:
    if session.exec(select(User).where(User.username == data.username)).first() is not None:
        raise Conflict(f"Tên đăng nhập {data.username!r} đã tồn tại.")
    if data.role == Role.device:
        raise Invalid("Vai trò 'device' dành cho mã thiết bị của cụm loa, không phải người dùng.")
    if data.area_id is not None and session.get(Area, data.area_id) is None:
        raise Invalid(f"Địa bàn mã {data.area_id} không tồn tại.")
    user = User(username=data.username, full_name=data.full_name, role=data.role, area_id=data.area_id,
                password_hash=password_hash or hash_password(data.password))
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user: User, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("role") == Role.device:
        raise Invalid("Vai trò 'device' dành cho mã thiết bị của cụm loa, không phải người dùng.")
    if changes.get("area_id") is not None and session.get(Area, changes["area_id"]) is None:
        raise Invalid(f"Địa bàn mã {changes['area_id']} không tồn tại.")
    for key in ("role", "is_active"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    password = changes.pop("password", None)
    if password:
        user.password_hash = hash_password(password)
    for key, value in changes.items():
        setattr(user, key, value)
    session.add(user)
    if changes.get("is_active") is False or password:
        _revoke_user_tokens(session, saved_id(user))
    session.flush()
    return user


def get_user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names (full name, else username) by user id (unknown ids and None are left out)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u.full_name or u.username for u in session.exec(select(User).where(col(User.id).in_(wanted)))
            if u.id is not None}


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("người dùng", user_id)
    return user


def list_users(session: Session, *, scope: Area | None) -> list[User]:
    query = select(User).order_by(User.username)
    if scope is not None:
        query = query.join(Area, col(User.area_id) == Area.id).where(subtree_condition(scope))
    return list(session.exec(query))


# Growing delays instead of a hard lock (ASVS V2.2): past its allowance each scope waits BASE_DELAY_S,
# then twice that after every further failure. A name and an address together get `max_failures` tries
# (the rightful user on another address is not held back); an address trying many names gets four times
# that; a name tried from many addresses gets ten times that and waits at most NAME_DELAY_CAP_S, so an
# attacker can slow the owner down but never lock them out.
BASE_DELAY_S = 15
NAME_DELAY_CAP_S = 60


def _delay(failures: int, allowance: int, cap: int) -> int:
    return 0 if failures < allowance else min(cap, BASE_DELAY_S * 2 ** min(failures - allowance, 16))


def _login_wait(session: Session, attempt: LoginFailure, *, max_failures: int, window_seconds: int) -> int:
    """Seconds the caller must still wait before this attempt may check a password (0: go ahead)."""
    now = now_utc()
    since = now - timedelta(seconds=window_seconds)
    recent = (select(func.count(), func.max(LoginFailure.at)).select_from(LoginFailure)
              .where(col(LoginFailure.at) >= since, col(LoginFailure.id) != attempt.id))
    wait = 0
    for condition, allowance, cap in (
            ((LoginFailure.username == attempt.username) & (LoginFailure.client == attempt.client),
             max_failures, window_seconds),
            (LoginFailure.client == attempt.client, 4 * max_failures, window_seconds),
            (LoginFailure.username == attempt.username, 10 * max_failures, NAME_DELAY_CAP_S)):
        failures, last = session.exec(recent.where(condition)).one()
        delay = _delay(failures, allowance, cap)
        if delay and last is not None:
            wait = max(wait, math.ceil(delay - (now - last).total_seconds()))
    return wait


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 window_seconds: int, token_minutes: int, client: str = "", kind: str = TOKEN_API) -> str:
    """Check a password and issue a user token; repeated failures make the next try wait longer.

    The attempt is recorded and committed *before* the count, so concurrent attempts all see each other
    and no more passwords are checked than the allowance, however many arrive at once. It stays recorded
    as a failure when the password is checked and wrong. It uses the caller's session only: a login holds one
    database connection, never two.
    """
    attempt = LoginFailure(username=username[:64], client=client[:64])
    session.add(attempt)
    session.commit()
    wait = _login_wait(session, attempt, max_failures=max_failures, window_seconds=window_seconds)
    if wait > 0:
        # Refused before any password was checked: not a failure, so the wait announced stays true.
        session.delete(attempt)
        session.commit()
        raise TooMany(f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {duration_words(wait * 1000)}.",
                      retry_after_s=wait)
    user = session.exec(select(User).where(User.username == username)).first()
    if not verify_password(password, user.password_hash if user else None) or user is None or not user.is_active:
        raise Forbidden("Sai tên đăng nhập hoặc mật khẩu.")
    session.exec(sa.delete(LoginFailure).where(col(LoginFailure.username) == attempt.username,
                                               col(LoginFailure.client) == attempt.client))
    return issue_user_token(session, user, minutes=token_minutes, kind=kind)


def issue_user_token(session: Session, user: User, *, minutes: int, kind: str = TOKEN_API) -> str:
    token, hashed = new_token()
    session.add(AccessToken(token_hash=hashed, role=user.role, user_id=user.id, kind=kind,
                            expires_at=now_utc() + timedelta(minutes=minutes)))
    session.flush()
    return token


def issue_device_token(session: Session, cluster: Area, *, label: str | None = None) -> tuple[str, AccessToken]:
    if cluster.level != AreaLevel.cluster:
        raise Invalid("Mã thiết bị chỉ cấp cho cụm loa.")
    token, hashed = new_token()
    row = AccessToken(token_hash=hashed, role=Role.device, cluster_id=cluster.id, label=label)
    session.add(row)
    session.flush()
    return token, row


def list_device_tokens(session: Session, cluster_id: int) -> list[AccessToken]:
    query = select(AccessToken).where(AccessToken.cluster_id == cluster_id).order_by(col(AccessToken.id))
    return list(session.exec(query))


def revoke_token(session: Session, token: AccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        session.add(token)
        session.flush()


def revoke_cluster_token(session: Session, cluster_id: int, token_id: int) -> AccessToken:
    """Revoke one of the cluster's device tokens (404 when the id is not a device token of that cluster)."""
    token = session.get(AccessToken, token_id)
    if token is None or token.cluster_id != cluster_id or token.role != Role.device:
        raise NotFound("mã thiết bị", token_id)
    revoke_token(session, token)
    return token


def _revoke_user_tokens(session: Session, user_id: int) -> None:
    session.exec(sa.update(AccessToken).where(col(AccessToken.user_id) == user_id,
                                              col(AccessToken.revoked_at).is_(None))
                 .values(revoked_at=now_utc()))


def principal_for_token(session: Session, token: str, *, kind: str = TOKEN_API) -> Principal | None:
    """Who holds this secret: a bearer token (`kind="api"`) or a browser's session id (`kind="web"`).
    Each is accepted only where it was issued for, never the other way round."""
    row = session.exec(select(AccessToken).where(AccessToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or row.kind != kind:
        return None
    if row.expires_at is not None and row.expires_at <= now_utc():
        return None
    if row.role == Role.device:
        cluster = session.get(Area, row.cluster_id)
        if cluster is None:
            return None
        return Principal(role=Role.device, user_id=None, username=f"device:{cluster.id}", scope=cluster,
                         cluster_id=cluster.id, token_id=row.id)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    scope = session.get(Area, user.area_id) if user.area_id else None
    return Principal(role=Role(user.role), user_id=user.id, username=user.username, scope=scope,
                     token_id=row.id)


def device_token_of(token: str, cluster_id: int, now: datetime) -> ColumnElement[bool]:
    """SQL: the `accesstoken` row is this bearer token, a live device token of exactly this cluster: the rule
    of principal_for_token and cluster_readable_by for a device, as one condition (for the playlist 304 fast
    lane, api/playlist_fast_lane.py, which must never admit what they refuse)."""
    return sa.and_(col(AccessToken.token_hash) == token_hash(token), col(AccessToken.kind) == TOKEN_API,
                   col(AccessToken.role) == Role.device.value, col(AccessToken.cluster_id) == cluster_id,
                   col(AccessToken.revoked_at).is_(None),
                   sa.or_(col(AccessToken.expires_at).is_(None), col(AccessToken.expires_at) > now))


def logout(session: Session, principal: Principal) -> None:
    if principal.token_id is not None:
        token = session.get(AccessToken, principal.token_id)
        if token is not None:
            revoke_token(session, token)
