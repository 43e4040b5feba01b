"""A cluster's as-run log as stored, as an auditor reads it: events in chain order, with their hashes.

The JSON list is paged by chain position (`after_seq`), so a client can walk years of a
cluster's log without offsets shifting under it. The CSV export carries every hashed field and
both hashes: whoever holds the file can recompute the chain (docs/airtime.md, "Tamper
evidence") without access to the database — the form events take when they are archived.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Annotated

from pydantic import Field
from sqlmodel import Session, col, select

from airtime.exports import csv_bytes, safe_cell
from airtime.models import PlayEvent
from campaigns.models import Content
from core.errors import Invalid

MAX_PAGE = 1000
MAX_EXPORT_DAYS = 366
CSV_HEADER = ("seq", "event_id", "content_id", "content_title", "started_at", "local_day", "duration_ms",
              "status", "received_at", "entered_by", "prev_hash", "hash", "kind", "relay_id", "sha256", "source",
              "error")


@dataclass(frozen=True)
class StoredEvent:
    """One stored event, times in local time; the API answers with it as is."""

    seq: Annotated[int, Field(description="Position in the cluster's hash chain (1, 2, 3, ...).")]
    event_id: str
    content_id: Annotated[int | None, Field(description="The content played; null for relay, filler, intro, "
                                                        "outro and alert events.")]
    content_title: str | None
    started_at: datetime
    local_day: date
    duration_ms: int
    status: str
    received_at: datetime
    entered_by: Annotated[int | None, Field(description="The user who entered it by hand; null: the device.")]
    prev_hash: Annotated[str, Field(description="sha256 of the previous event, hex.")]
    hash: Annotated[str, Field(description="sha256 over prev_hash and this event's fields, hex.")]
    kind: str = "content"
    relay_id: int | None = None
    sha256: Annotated[str | None, Field(description="The audio that played (filler, intro, outro).")] = None
    source: Annotated[str | None, Field(description="null: schedule; emergency, play_now or fallback.")] = None
    error: str | None = None


def check_period(day_from: date | None, day_to: date | None, *, max_days: int | None = None) -> None:
    if day_from and day_to and day_from > day_to:
        raise Invalid(f"Ngày bắt đầu ({day_from:%d/%m/%Y}) sau ngày kết thúc ({day_to:%d/%m/%Y}).")
    if max_days is not None:
        if day_from is None or day_to is None:
            raise Invalid("Cần cả ngày bắt đầu (from) và ngày kết thúc (to) để xuất tệp.")
        if day_to - day_from >= timedelta(days=max_days):
            raise Invalid(f"Mỗi lần xuất tối đa {max_days} ngày; hãy chia khoảng thời gian nhỏ hơn.")


def list_events(session: Session, cluster_id: int, *, day_from: date | None = None, day_to: date | None = None,
                after_seq: int = 0, limit: int | None = MAX_PAGE, tz: tzinfo) -> list[StoredEvent]:
    """The cluster's events after `after_seq` in chain order, optionally only those of local days in a period."""
    check_period(day_from, day_to)
    query = (select(PlayEvent, Content.title)
             .join(Content, col(Content.id) == PlayEvent.content_id, isouter=True)
             .where(PlayEvent.cluster_id == cluster_id, col(PlayEvent.seq) > after_seq))
    if day_from is not None:
        query = query.where(col(PlayEvent.local_day) >= day_from)
    if day_to is not None:
        query = query.where(col(PlayEvent.local_day) <= day_to)
    query = query.order_by(col(PlayEvent.seq))
    if limit is not None:
        query = query.limit(limit)
    return [StoredEvent(seq=e.seq, event_id=e.event_id, content_id=e.content_id, content_title=title,
                        started_at=e.started_at.astimezone(tz), local_day=e.local_day, duration_ms=e.duration_ms,
                        status=e.status, received_at=e.received_at.astimezone(tz), entered_by=e.entered_by,
                        prev_hash=bytes(e.prev_hash).hex(), hash=bytes(e.hash).hex(), kind=e.kind,
                        relay_id=e.relay_id, sha256=e.sha256, source=e.source, error=e.error)
            for e, title in session.exec(query)]


def events_csv(events: Sequence[StoredEvent]) -> bytes:
    """One line per event, ISO times with the deployment's offset (+07:00); UTF-8 with a BOM, as the reports' CSV.

    Device-sent and typed text (event id, title, sha256, source, error) is neutralised like the reports'
    CSV: a cell starting with = + - @ tab or CR gets a leading quote, so a spreadsheet never runs it.
    Whoever re-hashes the chain from this file drops that one quote first (docs/airtime.md).
    """
    return csv_bytes(CSV_HEADER, [
        [str(e.seq), safe_cell(e.event_id), _text(e.content_id), safe_cell(e.content_title or ""),
         e.started_at.isoformat(), e.local_day.isoformat(), str(e.duration_ms), e.status, e.received_at.isoformat(),
         _text(e.entered_by), e.prev_hash, e.hash, e.kind, _text(e.relay_id), safe_cell(e.sha256 or ""),
         safe_cell(e.source or ""), safe_cell(e.error or "")]
        for e in events])


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
