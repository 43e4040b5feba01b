"""Pairing a player with a cluster: one-time codes, the exchange for a device token, devices and revocation.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U): 30**8 ≈ 6.6e11
codes, valid 15 minutes, single use, stored only as its sha256. Guessing is bounded by the failed
attempts allowed per client address (`settings.pairing_max_failures` per
`settings.pairing_window_seconds`), counted by one atomic upsert *before* the code is looked at,
so parallel guesses cannot slip past the limit; a successful pairing gives its attempt back.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.areas import Area, AreaLevel, subtree_condition
from core.db import saved_id, table_of, upsert_insert
from core.errors import Conflict, Gone, Invalid, NotFound, TooMany
from core.users import AccessToken, issue_device_token, revoke_token
from devices.models import Device, PairingCode, PairingLimit

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)
# Used and expired codes are kept this long (for the record), then pruned when a new code is made.
KEEP_CODES = timedelta(days=7)
STATE_DIR = "/var/lib/loaxa-agent"


def new_code() -> str:
    """A fresh code as shown: two groups of four (K7QM-2XPA)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str:
    """What was typed, as stored: without spaces or hyphens, upper case."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def code_hash(text: str) -> str:
    return hashlib.sha256(normalize_code(text).encode()).hexdigest()


def pair_command(server_url: str, code: str) -> str:
    return f"loaxa agent pair --server {server_url} --code {code} --state {STATE_DIR}"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime
    cluster_id: int


def create_pairing_code(session: Session, cluster: Area, *, created_by: int | None, now: datetime) -> IssuedCode:
    if cluster.level != AreaLevel.cluster:
        raise Invalid(f"Chỉ ghép nối thiết bị với cụm loa; “{cluster.name}” không phải cụm loa.")
    session.exec(sa.delete(PairingCode).where(col(PairingCode.expires_at) < now - KEEP_CODES,
                                              col(PairingCode.device_id).is_(None)))
    code = new_code()
    row = PairingCode(cluster_id=saved_id(cluster), code_hash=code_hash(code), created_by=created_by,
                      created_at=now, expires_at=now + CODE_TTL)
    session.add(row)
    session.flush()
    return IssuedCode(code, row.expires_at, saved_id(cluster))


@dataclass(frozen=True)
class Paired:
    device: Device
    cluster: Area
    token: str


def count_attempt(session: Session, client: str, *, now: datetime, max_failures: int, window_s: int) -> None:
    """Count one attempt for this client address (committed at once, whatever happens next); 429 past the limit."""
    table = table_of(PairingLimit)
    cutoff = now - timedelta(seconds=window_s)
    expired = table.c.window_start <= cutoff
    insert = upsert_insert(session)(table).values(client=client[:64], window_start=now, failures=1)
    stmt = insert.on_conflict_do_update(
        index_elements=["client"],
        set_={"failures": sa.case((expired, 1), else_=table.c.failures + 1),
              "window_start": sa.case((expired, now), else_=table.c.window_start)},
    ).returning(table.c.failures, table.c.window_start)
    # Its own short transaction: the caller's rolls back when the code is refused, the count must stay.
    with Session(session.get_bind()) as counter:
        counter.execute(sa.delete(table).where(expired))
        failures, window_start = counter.execute(stmt).one()
        counter.commit()
    if failures > max_failures:
        retry = max(1, math.ceil((window_start + timedelta(seconds=window_s) - now).total_seconds()))
        raise TooMany(f"Nhập sai mã ghép nối quá nhiều lần. Vui lòng thử lại sau {math.ceil(retry / 60)} phút.",
                      retry_after_s=retry)


def pair_device(session: Session, *, code: str, name: str | None, client: str, now: datetime,
                max_failures: int, window_s: int) -> Paired:
    """Exchange a one-time code for a device token of its cluster (404 unknown, 409 used, 410 expired)."""
    count_attempt(session, client, now=now, max_failures=max_failures, window_s=window_s)
    normalized = normalize_code(code)
    row = None
    if len(normalized) == CODE_LENGTH and all(ch in ALPHABET for ch in normalized):
        row = session.exec(select(PairingCode).where(PairingCode.code_hash == code_hash(normalized))).first()
    if row is None:
        raise NotFound("mã ghép nối", code.strip()[:20] or "trống")
    if row.used_at is not None:
        raise Conflict("Mã ghép nối này đã được dùng. Hãy tạo mã mới trên trang của cụm loa.")
    if row.expires_at <= now:
        raise Gone("Mã ghép nối đã hết hạn (hiệu lực 15 phút). Hãy tạo mã mới trên trang của cụm loa.")
    # Single use even under a race: only one exchange flips used_at.
    claimed = session.execute(sa.update(PairingCode).where(col(PairingCode.id) == row.id,
                                                           col(PairingCode.used_at).is_(None))
                              .values(used_at=now))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("Mã ghép nối này đã được dùng. Hãy tạo mã mới trên trang của cụm loa.")
    cluster = session.get(Area, row.cluster_id)
    if cluster is None:
        raise NotFound("cụm loa", row.cluster_id)
    label = (name or "").strip()[:200] or None
    token, token_row = issue_device_token(session, cluster, label=label or "Thiết bị ghép nối bằng mã")
    device = Device(cluster_id=saved_id(cluster), name=label, token_id=saved_id(token_row), created_by=row.created_by,
                    paired_at=now)
    session.add(device)
    session.flush()
    session.execute(sa.update(PairingCode).where(col(PairingCode.id) == row.id).values(device_id=device.id))
    # A success is not a failed attempt: give it back.
    session.execute(sa.update(PairingLimit).where(col(PairingLimit.client) == client[:64],
                                                  col(PairingLimit.failures) > 0)
                    .values(failures=PairingLimit.failures - 1))
    return Paired(device, cluster, token)


def devices_under(session: Session, area: Area, *, include_revoked: bool = True) -> list[tuple[Device, Area]]:
    """The devices of every cluster in the area's subtree, with their cluster, newest first per cluster."""
    query = (select(Device, Area).join(Area, col(Area.id) == Device.cluster_id).where(subtree_condition(area)))
    if not include_revoked:
        query = query.where(col(Device.revoked_at).is_(None))
    return list(session.exec(query.order_by(col(Area.path), col(Device.id).desc())).all())


def get_device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("thiết bị", device_id)
    return device


def revoke_device(session: Session, device: Device, *, now: datetime) -> Device:
    """The device's token stops working at once; its history stays."""
    token = session.get(AccessToken, device.token_id)
    if token is not None:
        revoke_token(session, token)
    if device.revoked_at is None:
        device.revoked_at = now
        session.add(device)
        session.flush()
    return device
