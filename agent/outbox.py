"""Store-and-forward as-run: every event is committed locally before anything else (docs/devices.md).

An item on air is a row of `playing` (written when it starts, its progress updated while it plays);
when it ends, that row becomes a final event in `outbox` in the same transaction. Events the server
acknowledged (accepted or duplicate) are deleted; events it refused are tried again later with a
growing delay and, after `MAX_REJECTIONS`, kept aside (`parked`): they never block the others and are
never sent for ever. After a crash, a `playing` row becomes an `interrupted` event lasting up to its
last recorded progress.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.db import Database

MAX_REJECTIONS = 6
REJECTION_DELAY_S = 60.0
MAX_REJECTION_DELAY_S = 24 * 3600.0
ERROR_MAX = 500


def new_event_id() -> str:
    return uuid.uuid4().hex


def make_event(*, started_at: datetime, duration_ms: int, status: str, kind: str = "content",
               content_id: int | None = None, source: str = "schedule", sha256: str | None = None,
               relay_id: int | None = None, error: str | None = None,
               event_id: str | None = None) -> dict[str, Any]:
    """One as-run event in the server's shape (API.md and the extensions of docs/devices.md)."""
    event: dict[str, Any] = {
        "event_id": event_id or new_event_id(), "content_id": content_id,
        "started_at": started_at.isoformat(timespec="milliseconds"), "duration_ms": max(0, int(duration_ms)),
        "status": status, "kind": kind, "source": source,
    }
    if sha256 is not None and kind != "content":
        event["sha256"] = sha256
    if relay_id is not None:
        event["relay_id"] = relay_id
    if error:
        event["error"] = error[:ERROR_MAX]
    return event


@dataclass(frozen=True)
class Pending:
    seq: int
    event: dict[str, Any]


@dataclass(frozen=True)
class Counts:
    unsent: int
    parked: int
    playing: int


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ appending

    def begin(self, event: dict[str, Any]) -> None:
        """An item goes on air (`event` is its final shape, status and duration filled in at the end)."""
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO playing (event_id, body, progress_ms) VALUES (?, ?, 0)",
                         (event["event_id"], json.dumps(event, ensure_ascii=False)))

    def progress(self, event_id: str, elapsed_ms: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE playing SET progress_ms = ? WHERE event_id = ?", (int(elapsed_ms), event_id))

    def finish(self, event_id: str, *, status: str, duration_ms: int, error: str | None = None) -> dict[str, Any]:
        """The item left the air: its final event replaces its `playing` row, atomically."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT body FROM playing WHERE event_id = ?", (event_id,)).fetchone()
            if row is None:
                raise KeyError(f"không có mục đang phát {event_id}")
            event: dict[str, Any] = json.loads(row[0])
            event.update(status=status, duration_ms=max(0, int(duration_ms)))
            if error:
                event["error"] = error[:ERROR_MAX]
            conn.execute("DELETE FROM playing WHERE event_id = ?", (event_id,))
            self._insert(conn, event)
        return event

    def append(self, event: dict[str, Any]) -> None:
        """A final event that never was on air (a skip, a failure before playing)."""
        with self.db.transaction() as conn:
            self._insert(conn, event)

    @staticmethod
    def _insert(conn: Any, event: dict[str, Any]) -> None:
        conn.execute("INSERT INTO outbox (event_id, body) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
                     (event["event_id"], json.dumps(event, ensure_ascii=False)))

    def recover(self) -> list[dict[str, Any]]:
        """Items that were on air when the agent stopped: `interrupted`, up to their last progress."""
        recovered: list[dict[str, Any]] = []
        with self.db.transaction() as conn:
            for event_id, body, progress_ms in conn.execute(
                    "SELECT event_id, body, progress_ms FROM playing").fetchall():
                event = json.loads(body)
                event.update(status="interrupted", duration_ms=int(progress_ms))
                event.setdefault("error", "thiết bị dừng đột ngột khi đang phát")
                self._insert(conn, event)
                conn.execute("DELETE FROM playing WHERE event_id = ?", (event_id,))
                recovered.append(event)
        return recovered

    # ------------------------------------------------------------ forwarding

    def batch(self, limit: int, now_wall: float) -> list[Pending]:
        rows = self.db.query("SELECT seq, body FROM outbox WHERE parked = 0 AND next_try_at <= ? "
                             "ORDER BY seq LIMIT ?", (now_wall, limit))
        return [Pending(seq, json.loads(body)) for seq, body in rows]

    def settle(self, sent: list[Pending], refused: dict[int, str], now_wall: float) -> tuple[int, int]:
        """The server answered for `sent`: delete what it counted, delay or park what it refused
        (`refused` maps batch index → reason). Returns (deleted, parked)."""
        deleted = parked = 0
        with self.db.transaction() as conn:
            for index, pending in enumerate(sent):
                reason = refused.get(index)
                if reason is None:
                    conn.execute("DELETE FROM outbox WHERE seq = ?", (pending.seq,))
                    deleted += 1
                    continue
                row = conn.execute("SELECT rejections FROM outbox WHERE seq = ?", (pending.seq,)).fetchone()
                rejections = (row[0] if row else 0) + 1
                park = rejections >= MAX_REJECTIONS
                delay = min(MAX_REJECTION_DELAY_S, REJECTION_DELAY_S * 4 ** (rejections - 1))
                conn.execute("UPDATE outbox SET rejections = ?, next_try_at = ?, last_error = ?, parked = ? "
                             "WHERE seq = ?", (rejections, now_wall + delay, reason[:ERROR_MAX], int(park),
                                               pending.seq))
                parked += park
        return deleted, parked

    def next_due(self) -> float | None:
        """When the earliest delayed event may be sent again (wall-clock seconds), if any waits."""
        rows = self.db.query("SELECT MIN(next_try_at) FROM outbox WHERE parked = 0")
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    def counts(self) -> Counts:
        (unsent, parked), = self.db.query(
            "SELECT COALESCE(SUM(parked = 0), 0), COALESCE(SUM(parked = 1), 0) FROM outbox")
        (playing,), = self.db.query("SELECT COUNT(*) FROM playing")
        return Counts(int(unsent), int(parked), int(playing))

    def parked_reasons(self, limit: int = 3) -> list[str]:
        return [r for (r,) in self.db.query("SELECT last_error FROM outbox WHERE parked = 1 "
                                            "ORDER BY seq DESC LIMIT ?", (limit,)) if r]
