"""As-run logs of a cluster: ingest in batches, the store-and-forward position, chain verification
and the reconciliation of a day's plan against what aired."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, WithJsonSchema

from airtime import chain, event_log, ingest, reconcile, rollups
from airtime.ingest import EVENT_ID_MAX, KINDS, MAX_BATCH, MAX_DURATION_MS, SOURCES, STATUSES
from airtime.models import ERROR_MAX
from api.deps import (
    CurrentPrincipal,
    DeviceOrOperatorCluster,
    DeviceOrReaderCluster,
    IdPath,
    ReaderCluster,
    SessionDep,
    SettingsDep,
    WriteGateDep,
)
from core.users import Role

router = APIRouter(tags=["plays"])

# The schema a device should follow. Events are checked one by one by the service (so one bad
# event does not hide the others), hence `list[Any]` underneath this documented shape.
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "started_at", "duration_ms", "status"],
    "properties": {
        "event_id": {"type": "string", "minLength": 1, "maxLength": EVENT_ID_MAX,
                     "description": "Unique per cluster, chosen by the device (a UUID or a counter)."},
        "content_id": {"type": ["integer", "null"], "minimum": 1,
                       "description": "Required for kind `content`; null for the other kinds."},
        "kind": {"type": "string", "enum": list(KINDS), "default": "content",
                 "description": "Only `content` counts as campaign airtime."},
        "relay_id": {"type": ["integer", "null"], "minimum": 1, "description": "For `relay` events."},
        "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-fA-F]{64}$",
                   "description": "The audio that played (filler, intro, outro)."},
        "source": {"type": "string", "enum": list(SOURCES), "default": "schedule"},
        "error": {"type": ["string", "null"], "maxLength": ERROR_MAX,
                  "description": "Why an item failed or was skipped."},
        "started_at": {"type": "string", "format": "date-time",
                       "description": "ISO 8601 with an offset; at most 10 minutes in the future."},
        "duration_ms": {"type": "integer", "minimum": 0, "maximum": MAX_DURATION_MS},
        "status": {"type": "string", "enum": list(STATUSES)},
    },
}


class PlaysIn(BaseModel):
    events: Annotated[list[Any], Field(max_length=MAX_BATCH),
                      WithJsonSchema({"type": "array", "items": EVENT_SCHEMA, "maxItems": MAX_BATCH})]


class EventErrorOut(BaseModel):
    index: int = Field(description="Position of the event in the batch (0-based).")
    event_id: str | None
    field: str
    message: str


class PlaysOut(BaseModel):
    accepted: int = Field(description="New events stored (durably, before this answer was sent).")
    duplicates: int = Field(description="Events already stored earlier (same cluster and event_id).")
    rejected: int = Field(0, description="Events refused; nothing was stored for them (see errors).")
    errors: list[EventErrorOut] = Field(default_factory=list)


class PlaysRejected(BaseModel):
    detail: str
    accepted: int = 0
    duplicates: int = 0
    rejected: int
    errors: list[EventErrorOut]


class LastOut(BaseModel):
    cluster_id: int
    last_started_at: datetime | None
    last_event_id: str | None
    events: int
    last_received_at: datetime | None


class ChainBreakOut(BaseModel):
    seq: int
    event_id: str | None
    reason: str


class VerifyOut(BaseModel):
    cluster_id: int
    ok: bool
    checked: int
    head_seq: int
    head_hash: str | None
    first_broken: ChainBreakOut | None
    checkpoint_seq: int = Field(0, description="The chain is checked from this position on: the events up to "
                                               "it were archived (0: never archived).")
    rollup_ok: bool = Field(True, description="The report totals (roll-ups) agree with the events, every local "
                                              "day since the archive cut.")
    rollup_first_mismatch: str | None = Field(None, description="The first cluster-day whose totals differ.")


class StoredEventsOut(BaseModel):
    cluster_id: int
    events: list[event_log.StoredEvent]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page; null on the last page.")


@router.post(
    "/clusters/{cluster_id}/plays", response_model=PlaysOut,
    responses={422: {"model": PlaysRejected, "description": "Every event of the batch was refused."}},
    summary="Report what a cluster played (as-run log), in batches",
    description=(
        f"Up to {MAX_BATCH} events per request. Idempotent by (cluster, event_id): a resent event is "
        "counted in `duplicates` and never stored twice, so a device may resend any batch it is unsure of. "
        "Partial acceptance: good events are stored, bad ones are listed in `errors` by index and nothing "
        "is stored for them; when every event is bad the answer is 422. The answer is sent only after "
        "the events are committed. When many devices send at once the server answers 503 with Retry-After "
        "(nothing of that batch is stored): send the same batch again after that many seconds. "
        "Posted by the cluster's device, or by an admin or an operator of the "
        "area for manual entry (recorded as such in the log)."),
)
def post_plays(gate: WriteGateDep, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
               _cluster: DeviceOrOperatorCluster, cluster_id: IdPath, body: PlaysIn) -> Any:
    entered_by = None if principal.role == Role.device else principal.user_id  # a person's entry is marked
    # A device may only report what reached it; a person entering plays by hand is trusted with any content.
    with gate.slot():  # many devices at once: a bounded wait, then 503 + Retry-After (core/write_gate.py)
        result = ingest.ingest_plays(session, cluster_id=cluster_id, events=body.events, tz=settings.tz,
                                     entered_by=entered_by, only_sent=principal.role == Role.device)
        session.commit()  # inside the slot: the next writer starts when this one's lock is gone
    errors = [EventErrorOut(index=e.index, event_id=e.event_id, field=e.field, message=e.message)
              for e in result.errors]
    if body.events and result.rejected == len(body.events):
        detail = (f"Không ghi nhận sự kiện nào: cả {result.rejected} sự kiện đều không hợp lệ. "
                  + " ".join(f"[{e.index}] {e.field}: {e.message}" for e in errors[:5]))
        return JSONResponse(status_code=422, content=PlaysRejected(
            detail=detail, rejected=result.rejected, errors=errors).model_dump())
    return PlaysOut(accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected,
                    errors=errors)


@router.get("/clusters/{cluster_id}/plays/last", response_model=LastOut,
            summary="The latest event the server has for a cluster (for store-and-forward senders)")
def get_last(session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster,
             cluster_id: IdPath) -> LastOut:
    last = ingest.last_play(session, cluster_id)
    tz = settings.tz
    return LastOut(cluster_id=cluster_id,
                   last_started_at=last.last_started_at.astimezone(tz) if last.last_started_at else None,
                   last_event_id=last.last_event_id, events=last.events,
                   last_received_at=last.last_received_at.astimezone(tz) if last.last_received_at else None)


@router.get("/clusters/{cluster_id}/plays/verify", response_model=VerifyOut,
            summary="Re-check a cluster's hash chain: detects edited, inserted or deleted events")
def verify(session: SessionDep, _cluster: ReaderCluster, cluster_id: IdPath) -> VerifyOut:
    check = chain.verify_cluster(session, cluster_id)
    totals = rollups.check_cluster(session, cluster_id)
    broken = check.first_broken
    return VerifyOut(cluster_id=check.cluster_id, ok=check.ok, checked=check.checked, head_seq=check.head_seq,
                     head_hash=check.head_hash,
                     first_broken=ChainBreakOut(seq=broken.seq, event_id=broken.event_id, reason=broken.reason)
                     if broken else None, checkpoint_seq=check.checkpoint_seq,
                     rollup_ok=totals.ok, rollup_first_mismatch=totals.first_mismatch)


@router.get("/clusters/{cluster_id}/reconciliation", response_model=reconcile.ReconciliationOut,
            summary="A day's published plan of a cluster against what it reported as aired")
def reconciliation(session: SessionDep, settings: SettingsDep, _cluster: ReaderCluster, cluster_id: IdPath,
                   day: Annotated[date, Query(alias="date", description="Local date, YYYY-MM-DD")]
                   ) -> reconcile.ReconciliationOut:
    return reconcile.reconcile_day(session, cluster_id=cluster_id, day=day, tz=settings.tz)


@router.get(
    "/clusters/{cluster_id}/plays", response_model=StoredEventsOut,
    responses={200: {"content": {"text/csv": {}}}},
    summary="A cluster's stored as-run events in chain order, with their hashes (JSON pages or CSV)",
    description=(
        "JSON: at most `limit` events after chain position `after_seq`, optionally only local days in "
        "[from, to]; `next_after_seq` continues. CSV: every event of [from, to] (both required, at most "
        f"{event_log.MAX_EXPORT_DAYS} days), UTF-8 with BOM, with prev_hash and hash so the file can be re-verified "
        "without the database. Readers of the area only."),
)
def list_plays(session: SessionDep, settings: SettingsDep, _cluster: ReaderCluster, cluster_id: IdPath,
               day_from: Annotated[date | None, Query(alias="from", description="First local date")] = None,
               day_to: Annotated[date | None, Query(alias="to", description="Last local date (inclusive)")] = None,
               after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
               limit: Annotated[int, Query(ge=1, le=event_log.MAX_PAGE)] = 200,
               format: Literal["json", "csv"] = "json") -> Any:
    if format == "csv":
        event_log.check_period(day_from, day_to, max_days=event_log.MAX_EXPORT_DAYS)
        rows = event_log.list_events(session, cluster_id, day_from=day_from, day_to=day_to, after_seq=after_seq,
                                  limit=None, tz=settings.tz)
        name = f"nhat-ky-phat-cum-{cluster_id}-{day_from:%Y%m%d}-{day_to:%Y%m%d}.csv"
        return Response(event_log.events_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    rows = event_log.list_events(session, cluster_id, day_from=day_from, day_to=day_to, after_seq=after_seq,
                              limit=limit, tz=settings.tz)
    return StoredEventsOut(cluster_id=cluster_id, events=rows,
                           next_after_seq=rows[-1].seq if len(rows) == limit else None)
