"""Shared fixtures: a clean real database per test (SQLite always, PostgreSQL when it answers),
the ASGI app over real HTTP semantics, and builders for users and areas."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from core.config import Settings
from core.db import create_all, import_all_models, make_engine
from tests.ports import free_port
from tests.processes import fresh_pg_database

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_base_url() -> str | None:
    url = os.environ.get("LOAXA_TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return PG_DEFAULT
    except OSError:
        return None


PG_BASE_URL = _pg_base_url()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_BASE_URL else [])


@pytest.fixture(scope="session", autouse=True)
def wired_events() -> None:
    """What every process does at start (api.wiring): tests that call services directly need it too."""
    from api.wiring import wire_events

    wire_events()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """The current schema, made once; each test gets a copy of this file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    create_all(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test run (parallel runs do not collide)."""
    assert PG_BASE_URL
    with fresh_pg_database(PG_BASE_URL, "loaxa_test") as url:
        engine = make_engine(url)
        create_all(engine)
        engine.dispose()
        yield url


def _truncate_all(engine: Engine) -> None:
    import_all_models()
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "loaxa.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path, db_url) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret-key-0123456789",
                    scheduler_enabled=False, task_workers=2, login_max_failures=5)


@pytest.fixture
def app(settings, engine):
    from api.app import create_app

    return create_app(settings, engine=engine, migrate=False, start_scheduler=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def world(engine):
    """A small area tree with users of every role (see tests/factories.py)."""
    from tests.factories import build_world

    return build_world(engine)


@pytest.fixture
def auth(engine, world):
    """auth("operator") -> headers with a bearer token for that world user.

    Tokens are issued directly (logging in through HTTP is tested in tests/api/test_auth.py),
    because argon2 is deliberately slow and the matrix logs in a dozen users per test.
    """
    from sqlmodel import select

    from core.db import session_scope
    from core.users import User, issue_user_token

    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            with session_scope(engine) as session:
                user = session.exec(select(User).where(User.username == username)).one()
                token = issue_user_token(session, user, minutes=60)
            cache[username] = {"Authorization": f"Bearer {token}"}
        return cache[username]

    return headers


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by a real uvicorn on 127.0.0.1 (a free port), in a thread; yields its base URL.
    (The browser tests have their own, with a demo world: tests/web/conftest.py.)"""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
def empty_db_url(db_url, tmp_path):
    """An empty database of the same kind as db_url (migrations must start from nothing)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    with fresh_pg_database(db_url, "loaxa_mig") as url:
        yield url
