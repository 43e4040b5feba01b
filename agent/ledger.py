"""What the agent has already done, kept across restarts: slot items and emergencies.

A (slot, item) pair is marked before the item goes on air, so a restart or a republished playlist
never plays it a second time. An emergency content plays once (pushed, polled or both), and one that
the server ended never plays again.
"""

from datetime import datetime, timedelta

from agent.db import Database

# Emergency fates: queued → playing → played | interrupted | failed; ended at any point.
FINAL_EMERGENCY_STATES = frozenset({"played", "interrupted", "failed", "ended"})


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db

    def mark_done(self, slot_key: str, item_key: str, status: str, at: datetime) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO done_items (slot_key, item_key, status, at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (slot_key, item_key) DO UPDATE SET status = excluded.status",
                         (slot_key, item_key, status, at.isoformat()))

    def done(self, slot_keys: list[str]) -> set[tuple[str, str]]:
        if not slot_keys:
            return set()
        marks = ",".join("?" * len(slot_keys))
        rows = self.db.query(f"SELECT slot_key, item_key FROM done_items WHERE slot_key IN ({marks})",
                             tuple(slot_keys))
        return {(s, i) for s, i in rows}

    def prune(self, now: datetime, keep: timedelta = timedelta(days=3)) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM done_items WHERE at < ?", ((now - keep).isoformat(),))

    # ------------------------------------------------------------ emergencies

    def emergency_state(self, content_id: int) -> str | None:
        rows = self.db.query("SELECT state FROM emergencies WHERE content_id = ?", (content_id,))
        return str(rows[0][0]) if rows else None

    def claim_emergency(self, content_id: int, at: datetime) -> bool:
        """Record a new emergency as queued; False when this content was already seen (or ended)."""
        with self.db.transaction() as conn:
            cursor = conn.execute("INSERT INTO emergencies (content_id, state, at) VALUES (?, 'queued', ?) "
                                  "ON CONFLICT (content_id) DO NOTHING", (content_id, at.isoformat()))
            return cursor.rowcount == 1

    def set_emergency(self, content_id: int, state: str, at: datetime) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO emergencies (content_id, state, at) VALUES (?, ?, ?) "
                         "ON CONFLICT (content_id) DO UPDATE SET state = excluded.state, at = excluded.at",
                         (content_id, state, at.isoformat()))

    def release_emergency(self, content_id: int) -> None:
        """Forget an emergency that could not be fetched (unless ended meanwhile): seen again, it is tried again."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM emergencies WHERE content_id = ? AND state = 'queued'", (content_id,))
