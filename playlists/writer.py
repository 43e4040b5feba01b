"""Bulk inserts of `playlist` and `plan_item` rows, at the driver level, on the caller's transaction.

PostgreSQL gets COPY, each value adapted by psycopg (`Copy.write_row`, as `airtime.ingest` does), in
the binary format with the columns' own types read from the catalogue: a national day is a hundred
thousand playlist rows, and binary rows cost the client a tenth of the CPU of text ones (and the
server less parsing). SQLite gets `executemany` with values rendered by the columns' own bind
processors (it wants dates and times as text). A plan's items are written once, keyed by its
plan_hash, and every playlist of that plan reads them through the `playlist_item` view.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.db import table_of
from playlists.models import PlanItem, Playlist

if TYPE_CHECKING:  # imported by the PostgreSQL driver when it is used
    from psycopg import Copy

# A plan item's values, in the order of `GroupPlan.rows`.
ITEM_COLUMNS = (
    "slot_index", "slot_name", "slot_starts_at", "slot_ends_at", "position", "kind", "content_id", "revision_id",
    "campaign_id", "level", "title", "starts_at", "duration_ms", "sha256", "ext", "relay_id", "stream_url",
)
PLAN_ITEM_COLUMNS = ("plan_hash", *ITEM_COLUMNS)
PLAYLIST_COLUMNS = ("id", "cluster_id", "day", "version", "etag", "inputs_hash", "plan_hash", "build_id",
                    "built_at", "is_current", "item_count")


class BulkWriter:
    """Writes playlists and plan items on one connection (the caller opens and ends the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        dialect = conn.dialect
        tables = {"plan_item": (table_of(PlanItem), PLAN_ITEM_COLUMNS),
                  "playlist": (table_of(Playlist), PLAYLIST_COLUMNS)}
        self._procs = {name: [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
                       for name, (table, names) in tables.items()}
        self._memo: dict[tuple, object] = {}
        self._next_id: int | None = None
        self._pg_types: dict[str, list[int]] = {}

    def _render(self, table: str, row: tuple) -> tuple:
        return tuple(self._value(p, v) if p is not None and v is not None else v
                     for p, v in zip(self._procs[table], row, strict=True))

    def _value(self, proc, value):
        # Remembered: a day's rows repeat their slot times, day and build time (a datetime costs a
        # TypeDecorator call and a strftime each time).
        key = (proc, value)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = proc(value)
        return found

    def allocate_ids(self, n: int) -> list[int]:
        """Ids for new playlists, so rows need no RETURNING round trip (builds hold the build lock)."""
        if self.pg:
            seq = self.conn.execute(sa.text("SELECT pg_get_serial_sequence('playlist', 'id')")).scalar_one()
            return list(self.conn.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                          {"s": seq, "n": n}).scalars())
        if self._next_id is None:
            self._next_id = (self.conn.execute(sa.text("SELECT max(id) FROM playlist")).scalar() or 0) + 1
        first = self._next_id
        self._next_id += n
        return list(range(first, first + n))

    def _copy_types(self, table: str, names: Sequence[str]) -> list[int]:
        """The type oids of `names` in `table`, as binary COPY needs them (read once per writer)."""
        if table not in self._pg_types:
            found = self.conn.execute(sa.text(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"), {"t": table})
            oids: dict[str, int] = dict(found.all())  # rows, not the result: it looks like a mapping
            self._pg_types[table] = [oids[n] for n in names]
        return self._pg_types[table]

    @contextmanager
    def _copy(self, cursor, table: str, names: Sequence[str]) -> "Iterator[Copy]":
        types = self._copy_types(table, names)  # before COPY: it holds the connection until it ends
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            yield copy

    def _cursor(self):
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        return raw.cursor()

    def write_playlists(self, rows: list[tuple]) -> None:
        """`rows`: PLAYLIST_COLUMNS values, Python types."""
        cursor = self._cursor()
        try:
            if self.pg:
                with self._copy(cursor, "playlist", PLAYLIST_COLUMNS) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in PLAYLIST_COLUMNS)
                cursor.executemany(f"INSERT INTO playlist ({', '.join(PLAYLIST_COLUMNS)}) VALUES ({marks})",
                                   [self._render("playlist", row) for row in rows])
        finally:
            cursor.close()

    def write_plan_items(self, plans: Iterable[tuple[str, list[tuple]]]) -> int:
        """`plans`: (plan_hash, its rows as `GroupPlan.rows`, Python types); returns the rows written."""
        written = 0
        cursor = self._cursor()
        try:
            if self.pg:
                with self._copy(cursor, "plan_item", PLAN_ITEM_COLUMNS) as copy:
                    for plan_hash, rows in plans:
                        for row in rows:
                            copy.write_row((plan_hash, *row))
                            written += 1
            else:
                rendered = [self._render("plan_item", (plan_hash, *row)) for plan_hash, rows in plans for row in rows]
                marks = ", ".join("?" for _ in PLAN_ITEM_COLUMNS)
                cursor.executemany(f"INSERT INTO plan_item ({', '.join(PLAN_ITEM_COLUMNS)}) VALUES ({marks})",
                                   rendered)
                written = len(rendered)
        finally:
            cursor.close()
        return written
