"""Commands from the server, pushed (MQTT) or polled (heartbeat answers, emergencies from /alerts):
validated, obeyed once per id, and acknowledged in the next heartbeat (docs/devices.md, "Commands").

Arrivals are queued and handled on one thread, so the MQTT network thread never waits for a download.
An expired command is not obeyed but still acknowledged. Emergencies are also deduplicated by their
content (agent/ledger.py): the same emergency pushed and polled has two ids but plays once.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent.clock import AgentClock, parse_instant
from agent.db import Database

log = logging.getLogger("agent.commands")

TYPES = ("emergency", "end_emergency", "sync", "play_now", "volume")
KEEP_DAYS = 14


@dataclass(frozen=True)
class Command:
    id: str
    type: str
    body: dict[str, Any]
    via: str                    # push | heartbeat | alerts
    issued_at: datetime | None
    expires_at: datetime | None
    received_mono: float


class InvalidCommand(ValueError):
    pass


def _when(raw: Any, field: str) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_instant(raw, field)
    except ValueError as exc:
        raise InvalidCommand(str(exc)) from exc


def parse_command(raw: Any, via: str, received_mono: float) -> Command:
    if not isinstance(raw, dict):
        raise InvalidCommand("lệnh không phải đối tượng JSON")
    command_id, kind = raw.get("id"), raw.get("type")
    if not isinstance(command_id, str) or not command_id or len(command_id) > 200:
        raise InvalidCommand("lệnh thiếu id")
    if kind not in TYPES:
        raise InvalidCommand(f"loại lệnh không hỗ trợ: {kind!r}")
    return Command(id=command_id, type=str(kind), body=raw, via=via, issued_at=_when(raw.get("issued_at"), "issued_at"),
                   expires_at=_when(raw.get("expires_at"), "expires_at"), received_mono=received_mono)


Handler = Callable[[Command], str]


class CommandBook:
    def __init__(self, db: Database, clock: AgentClock) -> None:
        self.db = db
        self.clock = clock
        self.handlers: dict[str, Handler] = {}
        self._queue: queue.Queue[Command | None] = queue.Queue()

    def submit(self, raw: Any, via: str) -> None:
        """From any thread: queue a command for handling (invalid ones are logged and dropped)."""
        try:
            command = parse_command(raw, via, time.monotonic())
        except InvalidCommand as exc:
            log.warning("Bỏ qua lệnh không hợp lệ từ %s: %s", via, exc)
            return
        self._queue.put(command)

    def seen(self, command_id: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM commands WHERE id = ?", (command_id,)))

    def handle(self, command: Command) -> str:
        """Obey one command unless its id was seen; returns the outcome recorded."""
        now = self.clock.now()
        with self.db.transaction() as conn:
            cursor = conn.execute("INSERT INTO commands (id, type, received_at, via, outcome) VALUES (?, ?, ?, ?, ?) "
                                  "ON CONFLICT (id) DO NOTHING",
                                  (command.id, command.type, now.isoformat(), command.via, "received"))
            if cursor.rowcount == 0:
                return "duplicate"
        if command.expires_at is not None and command.expires_at <= now:
            outcome = "expired"
            log.info("Lệnh %s (%s) đã hết hạn lúc %s: không thực hiện", command.id, command.type,
                     command.expires_at.isoformat())
        else:
            handler = self.handlers.get(command.type)
            outcome = handler(command) if handler else "ignored: không có xử lý"
        with self.db.transaction() as conn:
            conn.execute("UPDATE commands SET outcome = ? WHERE id = ?", (outcome[:200], command.id))
        return outcome

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                command = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if command is None:
                break
            try:
                outcome = self.handle(command)
            except Exception:  # one bad command must not end the agent's command handling
                log.exception("Lỗi khi thực hiện lệnh %s (%s)", command.id, command.type)
                continue
            if outcome != "duplicate":
                log.info("Lệnh %s (%s, qua %s): %s", command.id, command.type, command.via, outcome)

    def close(self) -> None:
        self._queue.put(None)

    # ------------------------------------------------------------ acknowledgements

    def pending_acks(self) -> list[str]:
        return [r for (r,) in self.db.query(
            "SELECT id FROM commands WHERE acked = 0 AND via != 'alerts' AND outcome != 'received' "
            "ORDER BY received_at LIMIT 200")]

    def mark_acked(self, ids: list[str]) -> None:
        if not ids:
            return
        with self.db.transaction() as conn:
            conn.executemany("UPDATE commands SET acked = 1 WHERE id = ?", [(i,) for i in ids])

    def prune(self, now: datetime) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM commands WHERE (acked = 1 OR via = 'alerts') AND received_at < ?",
                         ((now - timedelta(days=KEEP_DAYS)).isoformat(),))
