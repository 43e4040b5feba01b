"""As-run ingest: validate a cluster's batch, drop duplicates, chain and store the rest.

Batch semantics (docs/airtime.md): partial acceptance. Every event is checked on its own;
the good ones are stored, the bad ones are reported by index with the reason, and nothing is
stored for a bad event. A resent event (same cluster and `event_id`) is a duplicate: counted,
never stored twice, never an error, so a device can always resend a whole batch it is unsure of.

Concurrency: one cluster's writers are serialised on its chain head row (`play_chain`):
`SELECT ... FOR UPDATE` on PostgreSQL, the single writer lock taken up front with
`BEGIN IMMEDIATE` on SQLite. Under that lock the duplicates are found and the new events get
consecutive chain positions; the unique (cluster, event_id) constraint stays the last word.
The caller's transaction commits before the answer is sent: an acknowledged event is durable.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from airtime.chain import GENESIS, event_hash
from airtime.models import ERROR_MAX, EVENT_ID_MAX, PlayChain, PlayKind, PlaySource, PlayStatus
from airtime.rollups import add_events
from airtime.sent_to import contents_sent_to
from campaigns.models import Content
from core.areas import Area, AreaLevel
from core.db import MAX_ID
from core.errors import Invalid, NotFound
from core.timeutil import now_utc

MAX_BATCH = 1000
MAX_DURATION_MS = 6 * 3600 * 1000
MAX_FUTURE = timedelta(minutes=10)
# Devices whose clock reset report 1970: nothing before this is a real broadcast of ours.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
STATUSES = tuple(s.value for s in PlayStatus)
_STATUS_SET = frozenset(STATUSES)
KINDS = tuple(k.value for k in PlayKind)
SOURCES = tuple(s.value for s in PlaySource)
_EVENT_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EventError:
    index: int
    event_id: str | None
    field: str
    message: str


class ValidEvent(NamedTuple):
    index: int  # type: ignore[assignment]  # the field shadows tuple.index, which nothing here calls
    event_id: str
    content_id: int | None
    started_at: datetime
    duration_ms: int
    status: str
    kind: str = PlayKind.content.value
    relay_id: int | None = None
    sha256: str | None = None
    source: str | None = None  # None: schedule
    error: str | None = None


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[EventError] = field(default_factory=list)


# ---------------------------------------------------------------- validation


def _event_id(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw)
    return raw if isinstance(raw, str) else None


def _fast_event(index: int, raw: Any, latest: datetime) -> ValidEvent | None:
    """The common case in one pass: a well-formed event. None sends it to the detailed checks."""
    if type(raw) is not dict or raw.get("kind", "content") != "content" \
            or raw.get("source", "schedule") != "schedule" \
            or any(raw.get(key) is not None for key in ("relay_id", "sha256", "error")):
        return None  # the device protocol's extra fields take the detailed path
    event_id, content_id, started, duration, status = (
        raw.get("event_id"), raw.get("content_id"), raw.get("started_at"), raw.get("duration_ms"), raw.get("status"))
    if not (type(event_id) is str and 0 < len(event_id) <= EVENT_ID_MAX and type(content_id) is int
            and 0 < content_id <= MAX_ID and type(duration) is int and 0 <= duration <= MAX_DURATION_MS
            and status in _STATUS_SET and type(started) is str):
        return None
    try:
        at = datetime.fromisoformat(started)
    except ValueError:
        return None
    if at.tzinfo is None or at.utcoffset() is None or not EARLIEST <= at <= latest \
            or not event_id.isprintable():
        return None
    return ValidEvent(index, event_id, content_id, at.astimezone(UTC), duration, status)


def _check_event(index: int, raw: Any, now: datetime) -> ValidEvent | list[EventError]:
    """One event's field checks, each problem with its own message (content existence: per batch)."""
    if not isinstance(raw, dict):
        return [EventError(index, None, "event", "Sự kiện phải là một đối tượng JSON.")]
    errors: list[EventError] = []
    event_id = _event_id(raw.get("event_id"))

    echoed = event_id[:EVENT_ID_MAX] + "…" if event_id and len(event_id) > EVENT_ID_MAX else event_id

    def bad(name: str, message: str) -> None:
        errors.append(EventError(index, echoed, name, message))

    if event_id is None:
        bad("event_id", "Thiếu event_id (chuỗi định danh sự kiện của thiết bị).")
    elif not 1 <= len(event_id) <= EVENT_ID_MAX or not _EVENT_ID_RE.match(event_id):
        bad("event_id", f"event_id phải dài 1-{EVENT_ID_MAX} ký tự, không chứa ký tự điều khiển.")

    kind = raw.get("kind") or PlayKind.content.value
    if kind not in KINDS:
        bad("kind", f"Loại {kind!r} không hợp lệ; chỉ nhận: {', '.join(KINDS)}.")
    content_id = raw.get("content_id")
    if kind != PlayKind.content.value:
        if content_id is not None:
            bad("content_id", f"Sự kiện loại {kind!r} không gắn với tin, bài: content_id phải để trống (null).")
    elif isinstance(content_id, bool) or not isinstance(content_id, int):
        bad("content_id", "Thiếu content_id hoặc content_id không phải số nguyên.")
    elif not 1 <= content_id <= MAX_ID:
        bad("content_id", f"Không có tin, bài mã {content_id}.")
    extras = _check_extras(raw, kind, bad)

    started_at = _parse_time(raw.get("started_at"), bad)
    if started_at is not None:
        if started_at > now + MAX_FUTURE:
            bad("started_at", f"started_at ({started_at.isoformat()}) ở tương lai, quá "
                              f"{int(MAX_FUTURE.total_seconds() // 60)} phút so với giờ máy chủ: đồng hồ thiết bị sai?")
        elif started_at < EARLIEST:
            bad("started_at", f"started_at ({started_at.isoformat()}) trước năm {EARLIEST.year}: "
                              "đồng hồ thiết bị sai?")

    duration = raw.get("duration_ms")
    if isinstance(duration, float) and duration.is_integer():
        duration = int(duration)
    if isinstance(duration, bool) or not isinstance(duration, int):
        bad("duration_ms", "Thiếu duration_ms hoặc duration_ms không phải số nguyên (mili giây).")
    elif duration < 0:
        bad("duration_ms", f"duration_ms không được âm ({duration}).")
    elif duration > MAX_DURATION_MS:
        bad("duration_ms", f"duration_ms {duration} vượt quá 6 giờ ({MAX_DURATION_MS} ms): không hợp lý.")

    status = raw.get("status")
    if status not in STATUSES:
        bad("status", f"Trạng thái {status!r} không hợp lệ; chỉ nhận: {', '.join(STATUSES)}.")

    if errors:
        return errors
    assert event_id is not None and started_at is not None and isinstance(duration, int) and isinstance(status, str)
    return ValidEvent(index, event_id, content_id, started_at.astimezone(UTC), duration, status, kind, *extras)


def _check_extras(raw: dict, kind: str, bad) -> tuple[int | None, str | None, str | None, str | None]:
    """relay_id, sha256, source and error of one event, normalised to what is stored (and hashed)."""
    relay_id = raw.get("relay_id")
    if relay_id is not None:
        if kind != PlayKind.relay.value:
            bad("relay_id", "relay_id chỉ dùng cho sự kiện loại 'relay' (tiếp sóng).")
        elif isinstance(relay_id, bool) or not isinstance(relay_id, int) or not 1 <= relay_id <= MAX_ID:
            bad("relay_id", "relay_id phải là số nguyên dương.")
    sha256 = raw.get("sha256")
    if sha256 is not None:
        sha256 = sha256.lower() if isinstance(sha256, str) else sha256
        if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
            bad("sha256", "sha256 phải là 64 ký tự thập lục phân (mã băm của tệp âm thanh đã phát).")
    source = raw.get("source")
    if source is not None and source not in SOURCES:
        bad("source", f"Nguồn {source!r} không hợp lệ; chỉ nhận: {', '.join(SOURCES)}.")
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        bad("error", "error phải là một chuỗi (lý do thất bại hoặc bỏ qua).")
        error = None
    if error is not None:
        # Kept, not refused: losing an as-run event over its error text would be worse. No control
        # characters, so the hashed text stays unambiguous.
        error = _CONTROL_RE.sub(" ", error).strip()[:ERROR_MAX] or None
    return (relay_id if isinstance(relay_id, int) else None, sha256 if isinstance(sha256, str) else None,
            None if source == PlaySource.schedule.value else source, error)


def _parse_time(raw: Any, bad) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        bad("started_at", "Thiếu started_at (thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-02T06:30:00+07:00).")
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        bad("started_at", f"started_at {raw[:40]!r} không phải thời điểm ISO 8601.")
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        bad("started_at", f"started_at {raw[:40]!r} thiếu múi giờ (cần +07:00 hoặc Z).")
        return None
    return value


def validate_batch(session: Session, events: Sequence[Any], *, now: datetime,
                   sent_to: Area | None = None) -> tuple[list[ValidEvent], list[EventError]]:
    """Field checks per event, then one query for which contents exist (with `sent_to`, a device's
    cluster: which contents ever reached it)."""
    valid: list[ValidEvent] = []
    errors: list[EventError] = []
    latest = now + MAX_FUTURE
    for index, raw in enumerate(events):
        fast = _fast_event(index, raw, latest)
        if fast is not None:
            valid.append(fast)
            continue
        checked = _check_event(index, raw, now)
        if isinstance(checked, ValidEvent):
            valid.append(checked)
        else:
            errors.extend(checked)
    wanted = {e.content_id for e in valid if e.content_id is not None}
    if wanted:
        known = (contents_sent_to(session, sent_to, wanted) if sent_to is not None
                 else _known_contents(session, sorted(wanted)))
        for e in [e for e in valid if e.content_id is not None and e.content_id not in known]:
            errors.append(EventError(e.index, e.event_id, "content_id", f"Không có tin, bài mã {e.content_id}."))
        valid = [e for e in valid if e.content_id is None or e.content_id in known]
    return valid, errors


# ---------------------------------------------------------------- storing


def get_cluster(session: Session, cluster_id: int) -> Area:
    area = session.get(Area, cluster_id)
    if area is None:
        raise NotFound("cụm loa", cluster_id)
    if area.level != AreaLevel.cluster:
        raise Invalid(f"Địa bàn mã {cluster_id} ({area.name}) không phải cụm loa: nhật ký phát gắn với cụm loa.")
    return area


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def lock_chain(session: Session, cluster_id: int) -> PlayChain:
    """Take the cluster's writer lock and return its chain head (created on first use)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        # The write lock up front: no read-then-upgrade race, writers queue on busy_timeout.
        if dbapi is not None and not dbapi.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    session.execute(_insert(session)(PlayChain).values(cluster_id=cluster_id, seq=0, head_hash=GENESIS)
                    .on_conflict_do_nothing(index_elements=["cluster_id"]))
    head = session.exec(select(PlayChain).where(PlayChain.cluster_id == cluster_id)
                        .with_for_update().execution_options(populate_existing=True)).one()
    return head


def _in_list(session: Session, values: list) -> tuple[str, Any]:
    """A membership test against one bound list (`column <test>`) and its parameter.

    One parameter instead of an expanding IN of hundreds: nothing to compile per batch size.
    """
    if session.get_bind().dialect.name == "postgresql":
        return "= ANY(:ids)", values
    return "IN (SELECT value FROM json_each(:ids))", json.dumps(values)


def _known_contents(session: Session, content_ids: list[int]) -> set[int]:
    test, ids = _in_list(session, content_ids)
    table = Content.__tablename__
    return set(session.execute(sa.text(f"SELECT id FROM {table} WHERE id {test}"), {"ids": ids}).scalars())


def _existing_ids(session: Session, cluster_id: int, event_ids: list[str]) -> set[str]:
    """Which of these event ids the cluster already has (one statement, one bound list)."""
    test, ids = _in_list(session, event_ids)
    sql = f"SELECT event_id FROM play_event WHERE cluster_id = :c AND event_id {test}"
    return set(session.execute(sa.text(sql), {"c": cluster_id, "ids": ids}).scalars())


_COLUMNS = ("cluster_id", "seq", "event_id", "content_id", "started_at", "local_day", "duration_ms", "status",
            "received_at", "entered_by", "prev_hash", "hash", "kind", "relay_id", "sha256", "source", "error")
_INSERT_HEAD = f"INSERT INTO play_event ({', '.join(_COLUMNS)}) VALUES "
_CONFLICT = " ON CONFLICT (cluster_id, event_id) DO NOTHING"


_PG_COPY = f"COPY play_event ({', '.join(_COLUMNS)}) FROM STDIN"
_SQLITE_INSERT = _INSERT_HEAD + "(" + ", ".join("?" * len(_COLUMNS)) + ")" + _CONFLICT


def sqlite_timestamp(value: datetime) -> str:
    """A UTC instant as `core.db.UTCDateTime` stores it on SQLite (naive UTC text, microseconds always)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _insert_rows(session: Session, rows: list[tuple]) -> int:
    """Write ready rows (in `_COLUMNS` order) of one cluster, under its chain lock; returns rows written.

    Straight to the driver: at tens of thousands of events a second the per-row cost of the ORM's
    parameter processing matters. Values are already in the columns' stored form. PostgreSQL gets
    COPY (15-20 % more events/s than a pipelined executemany here): under the lock the duplicates are
    already gone, and a row written behind the lock's back would still fail the unique constraint and
    roll the batch back. SQLite keeps ON CONFLICT DO NOTHING and the count check in `store_events`.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None  # a live pooled connection always has its driver's
        with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    ready = [(c, q, e, k, sqlite_timestamp(t), d.isoformat(), ms, st, sqlite_timestamp(r), by, *rest)
             for c, q, e, k, t, d, ms, st, r, by, *rest in rows]
    return connection.exec_driver_sql(_SQLITE_INSERT, ready).rowcount


def store_events(session: Session, cluster_id: int, events: Sequence[ValidEvent], *, tz: ZoneInfo,
                 entered_by: int | None = None, received_at: datetime | None = None) -> tuple[int, int]:
    """Store valid events under the cluster's lock; returns (accepted, duplicates)."""
    if not events:
        return 0, 0
    unique: dict[str, ValidEvent] = {}
    for e in events:
        unique.setdefault(e.event_id, e)  # the same id twice in one batch: the first one counts
    head = lock_chain(session, cluster_id)
    existing = _existing_ids(session, cluster_id, list(unique))
    fresh = [e for e in unique.values() if e.event_id not in existing]
    duplicates = len(events) - len(fresh)
    if not fresh:
        return 0, duplicates
    received_at = received_at or now_utc()
    prev, seq = bytes(head.head_hash), head.seq
    rows: list[tuple] = []
    for e in fresh:
        seq += 1
        local_day: date = e.started_at.astimezone(tz).date()
        digest = event_hash(prev, cluster_id=cluster_id, seq=seq, event_id=e.event_id, content_id=e.content_id,
                            started_at=e.started_at, local_day=local_day, duration_ms=e.duration_ms,
                            status=e.status, entered_by=entered_by, kind=e.kind, relay_id=e.relay_id,
                            sha256=e.sha256, source=e.source, error=e.error)
        rows.append((cluster_id, seq, e.event_id, e.content_id, e.started_at, local_day, e.duration_ms, e.status,
                     received_at, entered_by, prev, digest, e.kind, e.relay_id, e.sha256, e.source, e.error))
        prev = digest
    written = _insert_rows(session, rows)
    if written != len(rows):
        # Someone wrote this cluster's events without its lock: never leave a gap in the chain.
        raise RuntimeError(f"play_event: {len(rows) - written} conflicting rows under the chain lock")
    # The reports' totals, in the same transaction: committed with the events or not at all.
    add_events(session, cluster_id, ((r[3], r[5], r[6], r[7]) for r in rows))
    latest = max(fresh, key=lambda e: e.started_at)
    values: dict[str, Any] = {"seq": seq, "head_hash": prev, "last_received_at": received_at}
    if head.last_started_at is None or latest.started_at > head.last_started_at:
        values.update(last_started_at=latest.started_at, last_event_id=latest.event_id)
    session.execute(sa.update(PlayChain).where(col(PlayChain.cluster_id) == cluster_id).values(**values))
    return len(fresh), duplicates


def ingest_plays(session: Session, *, cluster_id: int, events: Sequence[Any], tz: ZoneInfo,
                 entered_by: int | None = None, now: datetime | None = None,
                 only_sent: bool = False) -> IngestResult:
    """Validate and store one batch for one cluster (see the module docstring for the semantics).
    `only_sent` (a device's own report): accept only contents that ever reached the cluster."""
    cluster = get_cluster(session, cluster_id)
    if len(events) > MAX_BATCH:
        raise Invalid(f"Một lần gửi tối đa {MAX_BATCH} sự kiện (nhận {len(events)}); hãy chia nhỏ.")
    valid, errors = validate_batch(session, events, now=now or now_utc(), sent_to=cluster if only_sent else None)
    accepted, duplicates = store_events(session, cluster_id, valid, tz=tz, entered_by=entered_by)
    errors.sort(key=lambda err: err.index)
    return IngestResult(accepted=accepted, duplicates=duplicates, rejected=len({err.index for err in errors}),
                        errors=errors)


@dataclass(frozen=True)
class LastPlay:
    last_started_at: datetime | None
    last_event_id: str | None
    events: int
    last_received_at: datetime | None


def last_play(session: Session, cluster_id: int) -> LastPlay:
    get_cluster(session, cluster_id)
    head = session.get(PlayChain, cluster_id)
    if head is None:
        return LastPlay(None, None, 0, None)
    return LastPlay(head.last_started_at, head.last_event_id, head.seq, head.last_received_at)
