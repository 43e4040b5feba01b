"""Engine, sessions and schema migrations (SQLite by default, PostgreSQL by URL)."""

import importlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, SQLModel

from core.errors import Invalid
from core.timeutil import as_utc

# Every module that defines tables. Alembic and the test fixtures import them all;
# listed by name so that core/ itself imports none of the domain packages.
MODEL_MODULES = (
    "core.areas",
    "core.users",
    "core.tasks",
    "tts.lexicon_store",
    "campaigns.models",
    "playlists.models",
    "airtime.models",
    "devices.models",
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Ids are database integers (32-bit on PostgreSQL): every id a caller sends is bounded by this, so a
# fuzzer's 2**70 is a clear 422 instead of a driver error.
MAX_ID = 2_147_483_647


if TYPE_CHECKING:
    from alembic.config import Config


_Row = TypeVar("_Row", bound=SQLModel)


class _Numbered(Protocol):
    @property
    def id(self) -> int | None: ...


def day_of(value: date | str) -> date:
    """A date column read through an aggregate or raw SQL: SQLite hands it back as ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def saved_id(row: _Numbered) -> int:
    """The id of a row the database has numbered (after a flush or commit).

    SQLModel types every `id` as `int | None` because a new row has none yet; this says where a
    caller relies on it being there, and fails loudly if it is not.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC.

    SQLite silently drops UTC offsets; PostgreSQL keeps them. Normalising here means
    no caller ever compares a naive and an aware value.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def upsert_insert(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which has `on_conflict_do_update` / `on_conflict_do_nothing` (PostgreSQL, SQLite)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL + NORMAL is durable against process crashes (what an acknowledgement must survive).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _has_nul(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth < 2 and isinstance(value, dict):
        return any(_has_nul(v, depth + 1) for v in value.values())
    if depth < 2 and isinstance(value, list | tuple):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def _refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
                _executemany: bool) -> None:
    """A NUL character in text: SQLite would store it (and break what reads it later), PostgreSQL
    refuses it with a vague error. Refused the same clear way on both, before the statement runs."""
    if _has_nul(parameters):
        raise Invalid("Văn bản chứa ký tự NUL (\\0), không lưu được: hãy xoá ký tự đó rồi gửi lại.")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        # Enough connections for every request thread (anyio's 40) plus the few that open a second short
        # session (pairing attempts, task bookkeeping): SQLite itself serialises the writers. When even
        # these are taken, a request waits 10 s at most and gets a 503 with Retry-After (api/errors.py).
        if "poolclass" not in kwargs and url not in ("sqlite://", "sqlite:///:memory:"):
            kwargs = {"pool_size": 40, "max_overflow": 40, "pool_timeout": 10, **kwargs}
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)
    sa.event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table behind a table model, for Core statements (SQLModel leaves `Model.__table__` untyped)."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


def replace_rows(session: Session, old: Iterable[_Row], new: Iterable[_Row]) -> None:
    """Swap a set of link rows (an object's areas, a campaign's directives): delete the old ones and flush
    first, so a new row may reuse an old one's unique key, then add the new ones."""
    for row in old:
        session.delete(row)
    session.flush()
    session.add_all(list(new))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str) -> None:
    """Create or migrate the schema to the latest revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def create_all(engine: Engine) -> None:
    """Test shortcut: the current models' schema without running migrations."""
    import_all_models()
    SQLModel.metadata.create_all(engine)
