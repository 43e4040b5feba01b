"""The agent's local SQLite database (`STATE/agent.db`): the as-run outbox and what it must remember.

WAL with `synchronous=FULL`: a committed row survives a power cut, which is what the outbox promises.
One connection shared by the agent's threads behind a lock (SQLite serialises writers anyway; the
statements are tiny).

Tables:
- `outbox`: final as-run events waiting for the server's acknowledgement (agent/outbox.py);
- `playing`: the item on air, with its last recorded progress (agent/outbox.py);
- `done_items`: (slot, item) pairs already played, skipped or failed, so nothing replays after a
  restart or a republished playlist (agent/runner.py);
- `commands`: command ids already obeyed, and whether the server has their acknowledgement
  (agent/commands.py);
- `emergencies`: each emergency content's fate, so one plays once and an ended one never again;
- `meta`: small values for `status` and the heartbeat (last sync, last error, volume, ...).
"""

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    rejections INTEGER NOT NULL DEFAULT 0,
    next_try_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    parked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS playing (
    event_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    progress_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS done_items (
    slot_key TEXT NOT NULL,
    item_key TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (slot_key, item_key)
);
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at TEXT NOT NULL,
    via TEXT NOT NULL,
    outcome TEXT NOT NULL,
    acked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS emergencies (
    content_id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction (BEGIN IMMEDIATE: the write lock up front)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ meta

    def set_meta(self, **values: Any) -> None:
        with self.transaction() as conn:
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             [(k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()])

    def meta(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def all_meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.query("SELECT key, value FROM meta")}


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only look at an agent's database (for `status`, while the agent may be running)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
