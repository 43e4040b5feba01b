"""The per-cluster hash chain over as-run events, and its verification.

hash(n) = sha256(hash(n-1) || canonical fields of event n), with hash(0) = 32 zero bytes.
Every field a report reads (content, start, local day, duration, status) is covered, as are
the cluster, the position and the event id, so editing any of them, deleting a row or
inserting one breaks the chain at that row. The chain head (`play_chain`) records the last
position and hash, so a deleted tail is caught too. What it cannot catch is someone who
rewrites the whole chain and its head: `head_hash` is returned by `verify_cluster` so a
supervisor can keep it elsewhere (in a signed report) and compare later.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from airtime.models import HASH_BYTES, PlayChain, PlayCheckpoint, PlayEvent

GENESIS = bytes(HASH_BYTES)
HASH_VERSION = "v1"
EXTENDED = "x1"  # marks the device protocol's extra fields in an event's hashed text
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_MICRO = timedelta(microseconds=1)


def event_hash(prev_hash: bytes, *, cluster_id: int, seq: int, event_id: str, content_id: int | None,
               started_at: datetime, local_day: date, duration_ms: int, status: str,
               entered_by: int | None, kind: str = "content", relay_id: int | None = None,
               sha256: str | None = None, source: str | None = None, error: str | None = None) -> bytes:
    # Exact integer microseconds (no float, no formatting). Fields joined by the ASCII unit separator:
    # unambiguous, as no field can contain a control character (ingest refuses them in event ids and
    # replaces them in errors; the others are numbers, dates, hex and fixed words).
    micros = (started_at - _EPOCH) // _MICRO
    by = "" if entered_by is None else entered_by
    content = "" if content_id is None else content_id
    payload = (f"{HASH_VERSION}\x1f{cluster_id}\x1f{seq}\x1f{event_id}\x1f{content}\x1f{micros}\x1f"
               f"{local_day.isoformat()}\x1f{duration_ms}\x1f{status}\x1f{by}")
    # The device protocol's fields (docs/devices.md) join the hash only when one differs from a plain
    # content event: every chain written before they existed verifies unchanged.
    if kind != "content" or relay_id is not None or sha256 is not None or source is not None or error is not None:
        extra = [kind, "" if relay_id is None else str(relay_id), sha256 or "", source or "", error or ""]
        payload += "\x1f" + EXTENDED + "\x1f" + "\x1f".join(extra)
    return hashlib.sha256(prev_hash + payload.encode()).digest()


def row_hash(prev_hash: bytes, row: Any) -> bytes:
    """The hash of a stored row (an ORM object or a result row with the same attribute names)."""
    return event_hash(prev_hash, cluster_id=row.cluster_id, seq=row.seq, event_id=row.event_id,
                      content_id=row.content_id, started_at=row.started_at, local_day=row.local_day,
                      duration_ms=row.duration_ms, status=row.status, entered_by=row.entered_by,
                      kind=row.kind, relay_id=row.relay_id, sha256=row.sha256, source=row.source, error=row.error)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: str | None
    reason: str


@dataclass(frozen=True)
class ChainCheck:
    cluster_id: int
    ok: bool
    checked: int
    head_seq: int
    head_hash: str | None
    first_broken: ChainBreak | None
    checkpoint_seq: int = 0  # checked from the archive checkpoint after this position (0: from the start)


# Typed loosely: sqlmodel's select() overloads stop at four columns.
_COLUMNS: tuple[Any, ...] = (
    PlayEvent.cluster_id, PlayEvent.seq, PlayEvent.event_id, PlayEvent.content_id, PlayEvent.started_at,
    PlayEvent.local_day, PlayEvent.duration_ms, PlayEvent.status, PlayEvent.entered_by, PlayEvent.prev_hash,
    PlayEvent.hash, PlayEvent.kind, PlayEvent.relay_id, PlayEvent.sha256, PlayEvent.source, PlayEvent.error)


def _rows(session: Session, cluster_id: int, after: int = 0, batch: int = 5000) -> Iterator[Any]:
    """The cluster's events after `after` in chain order as plain rows, in keyset pages (bounded memory)."""
    while True:
        page = session.exec(
            select(*_COLUMNS).where(PlayEvent.cluster_id == cluster_id, col(PlayEvent.seq) > after)
            .order_by(col(PlayEvent.seq)).limit(batch)
        ).all()
        yield from page
        if len(page) < batch:
            return
        after = page[-1].seq


def checkpoint(session: Session, cluster_id: int) -> tuple[int, bytes]:
    """(seq, hash) where the cluster's stored chain starts: its latest archive cut, or (0, zero hash)."""
    row = session.exec(select(PlayCheckpoint.seq, PlayCheckpoint.hash).where(PlayCheckpoint.cluster_id == cluster_id)
                       .order_by(col(PlayCheckpoint.seq).desc()).limit(1)).first()
    return (row[0], bytes(row[1])) if row else (0, GENESIS)


def verify_cluster(session: Session, cluster_id: int) -> ChainCheck:
    """Re-hash the cluster's chain from its start (or its archive checkpoint); report the first row that
    does not fit."""
    head = session.get(PlayChain, cluster_id)
    head_seq = head.seq if head else 0
    head_hex = head.head_hash.hex() if head else None
    start, prev = checkpoint(session, cluster_id)
    expected_seq = start + 1
    checked = 0

    def result(ok: bool, broken: ChainBreak | None) -> ChainCheck:
        return ChainCheck(cluster_id, ok, checked, head_seq, head_hex, broken, start)

    for row in _rows(session, cluster_id, start):
        broken = None
        if row.seq != expected_seq:
            broken = ChainBreak(expected_seq, None,
                                f"Thiếu sự kiện ở vị trí {expected_seq}..{row.seq - 1} (đã bị xóa).")
        elif bytes(row.prev_hash) != prev:
            broken = ChainBreak(row.seq, row.event_id, "Mã băm của sự kiện trước không khớp (chuỗi bị cắt).")
        elif row_hash(prev, row) != bytes(row.hash):
            broken = ChainBreak(row.seq, row.event_id, "Nội dung sự kiện đã bị sửa sau khi ghi nhận.")
        if broken:
            return result(False, broken)
        checked += 1
        prev = bytes(row.hash)
        expected_seq += 1
    if head is None and (checked or start):
        return result(False, ChainBreak(start + checked, None, "Mất bản ghi đầu chuỗi của cụm loa."))
    if head is not None and (start + checked != head.seq or prev != bytes(head.head_hash)):
        return result(False, ChainBreak(start + checked + 1, None,
                                        f"Chuỗi dừng ở vị trí {start + checked} nhưng đầu chuỗi ghi {head.seq}: "
                                        "các sự kiện cuối đã bị xóa hoặc sửa."))
    return result(True, None)
