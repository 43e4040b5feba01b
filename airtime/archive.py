"""Archiving old as-run events: each cluster's verified CSV and a chain checkpoint, then the rows go.

`archive(engine, before=DAY, directory=...)` (CLI `loaxa airtime archive --before DAY`), per cluster:
1. under the cluster's chain lock, the events of local days before DAY that follow its last checkpoint
   must be exactly the next stretch of its chain (no later day's event in between: a device that sent an
   old day after newer ones would leave a hole) — else the whole cut is refused, before anything changes;
2. that stretch is re-hashed from the checkpoint (an edited row refuses the cut: archiving never
   launders a broken chain) and written as the cluster's CSV, the columns of
   `GET /clusters/{id}/plays?format=csv`, through a temporary file, fsync and rename;
3. in one transaction: the checkpoint row (cluster, last seq, its hash, DAY, the file) and the deletion
   of those events. `verify` then starts from the checkpoint's hash.
Reports keep the archived days whole: they read the roll-ups (`airtime_rollup`), which archiving never
touches. Running it again with the same day archives nothing new; a crash between the file and the
commit leaves the events in place, and the next run writes the same file again.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from airtime.chain import _rows, checkpoint, row_hash
from airtime.event_log import events_csv, list_events
from airtime.ingest import lock_chain
from airtime.models import PlayChain, PlayCheckpoint, PlayEvent
from core.db import day_of, session_scope
from core.errors import Invalid
from core.formatting import thousands
from core.timeutil import local_today, now_utc


@dataclass(frozen=True)
class Cut:
    """One cluster's stretch to archive: seq (start, last], `events` of them."""

    cluster_id: int
    start: int
    last: int
    events: int


@dataclass
class ArchiveResult:
    before: date
    clusters: int = 0  # clusters that had something to archive
    events: int = 0
    files: list[Path] = field(default_factory=list)


def _day_text(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def plan_cut(session: Session, cluster_id: int, before: date) -> Cut | None:
    """The cluster's stretch of events of days before `before` after its checkpoint; None when there is
    none; Invalid (Vietnamese) when cutting there would break its chain."""
    start, _ = checkpoint(session, cluster_id)
    e = PlayEvent
    older = session.execute(select(sa.func.count(), sa.func.max(e.seq))
                            .where(e.cluster_id == cluster_id, col(e.seq) > start, col(e.local_day) < before)).one()
    count, last = int(older[0]), older[1]
    if count == 0:
        return None
    newer = session.execute(select(sa.func.min(e.seq))
                            .where(e.cluster_id == cluster_id, col(e.seq) > start, col(e.local_day) >= before)
                            ).scalar()
    if last != start + count or (newer is not None and newer < last):
        first_newer = newer if newer is not None and newer < last else start + count
        raise Invalid(
            f"Không thể lưu trữ trước ngày {_day_text(before)}: cụm loa {cluster_id} có sự kiện của ngày từ "
            f"{_day_text(before)} trở đi nằm giữa chuỗi (vị trí {first_newer}), xen giữa các sự kiện cũ hơn "
            f"(đến vị trí {last}). Cắt ở đây sẽ làm đứt chuỗi băm; hãy chọn ngày cắt khác (sớm hơn, hoặc muộn "
            "hơn để gồm cả các sự kiện xen giữa).")
    return Cut(cluster_id, start, int(last), count)


def _verified_prefix(session: Session, cut: Cut) -> bytes:
    """Re-hash the stretch from the checkpoint; its last hash, or Invalid at the first row that does not fit."""
    start, prev = checkpoint(session, cut.cluster_id)
    expected = start + 1
    for row in _rows(session, cut.cluster_id, start):
        if row.seq > cut.last:
            break
        if row.seq != expected or bytes(row.prev_hash) != prev or row_hash(prev, row) != bytes(row.hash):
            raise Invalid(f"Chuỗi băm của cụm loa {cut.cluster_id} hỏng tại vị trí {expected}: không lưu trữ "
                          "một chuỗi hỏng (kiểm tra: loaxa reports verify).")
        prev = bytes(row.hash)
        expected += 1
    if expected != cut.last + 1:
        raise Invalid(f"Chuỗi băm của cụm loa {cut.cluster_id} thiếu sự kiện ở vị trí {expected}.")
    return prev


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def file_name(cut: Cut, before: date) -> str:
    return f"nhat-ky-phat-cum-{cut.cluster_id}-vi-tri-{cut.start + 1}-{cut.last}-truoc-{before:%Y%m%d}.csv"


def check_cut_day(session: Session, before: date, tz: tzinfo) -> None:
    """A cut in the future, or before an earlier cut, is refused."""
    today = local_today(tz)
    if before > today:
        raise Invalid(f"Ngày cắt {_day_text(before)} ở tương lai (hôm nay {_day_text(today)}): chỉ lưu trữ "
                      "những ngày đã qua.")
    latest = session.execute(select(sa.func.max(PlayCheckpoint.before_day))).scalar()
    if latest is not None:
        latest = day_of(latest)
        if before < latest:
            raise Invalid(f"Đã lưu trữ các ngày trước {_day_text(latest)}; ngày cắt mới phải từ "
                          f"{_day_text(latest)} trở đi.")


def archive(engine: Engine, *, before: date, directory: Path, tz: tzinfo,
            progress: Callable[[str], None] = lambda _: None) -> ArchiveResult:
    """Archive every cluster's events of local days before `before` (see the module docstring)."""
    directory.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as s:
        check_cut_day(s, before, tz)
        clusters = list(s.exec(select(PlayChain.cluster_id).order_by(col(PlayChain.cluster_id))))
        # Every cluster first: a cut that would break one chain changes nothing anywhere.
        cuts = [c for c in (plan_cut(s, cid, before) for cid in clusters) if c is not None]
    result = ArchiveResult(before)
    progress(f"{len(cuts)} / {len(clusters)} cụm loa có sự kiện trước ngày {_day_text(before)} cần lưu trữ.")
    for n, planned in enumerate(cuts, 1):
        with session_scope(engine) as s:
            lock_chain(s, planned.cluster_id)  # no ingest of this cluster meanwhile
            cut = plan_cut(s, planned.cluster_id, before)  # again, under the lock
            if cut is None:
                continue
            last_hash = _verified_prefix(s, cut)
            path = directory / file_name(cut, before)
            events = list_events(s, cut.cluster_id, after_seq=cut.start, limit=cut.events, tz=tz)
            _write_atomically(path, events_csv(events))
            s.add(PlayCheckpoint(cluster_id=cut.cluster_id, seq=cut.last, hash=last_hash, before_day=before,
                                 events=cut.events, file=path.name, archived_at=now_utc()))
            s.flush()
            s.execute(sa.delete(PlayEvent).where(col(PlayEvent.cluster_id) == cut.cluster_id,
                                                 col(PlayEvent.seq) > cut.start, col(PlayEvent.seq) <= cut.last))
        result.clusters += 1
        result.events += cut.events
        result.files.append(path)
        progress(f"[{n}/{len(cuts)}] cụm loa {cut.cluster_id}: {thousands(cut.events)} sự kiện "
                 f"(vị trí {cut.start + 1}-{cut.last}) → {path.name}")
    return result

