"""Fail-over between two real `loaxa scheduler` processes: the second stands by, and takes over within
30 s of the first one's SIGKILL (PostgreSQL: a fresh database of this test; SQLite: a shared data dir)."""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, PG_BASE_URL

ROOT = Path(__file__).resolve().parents[2]
LOAXA = ROOT / ".venv" / "bin" / "loaxa"
TAKEOVER_LIMIT_S = 30.0

ACTIVE = "scheduler started; next runs"
STANDING_BY = "this process stands by"
TOOK_OVER = "is now the active scheduler"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str | None]:
    """None: the default SQLite file of the shared data dir; else a PostgreSQL database made for this test."""
    if request.param == "sqlite":
        yield None
        return
    assert PG_BASE_URL
    base = make_url(PG_BASE_URL)
    name = f"loaxa_failover_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _start(data_dir: Path, database_url: str | None, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LOAXA_DATA_DIR": str(data_dir), "LOAXA_SECRET_KEY": "failover-secret-0123456789"}
    env.pop("LOAXA_SCHEDULER_STANDBY_SECONDS", None)  # the default interval is what must meet the 30 s
    if database_url is None:
        env.pop("LOAXA_DATABASE_URL", None)
    else:
        env["LOAXA_DATABASE_URL"] = database_url
    with open(log, "wb") as out:
        return subprocess.Popen([str(LOAXA), "scheduler"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_for_line(proc: subprocess.Popen, log: Path, text: str, timeout: float) -> float:
    """Seconds until `text` appears in the process's log; fails if it exits or the time runs out."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if text in log.read_text(errors="replace"):
            return time.monotonic() - began
        if proc.poll() is not None:
            raise AssertionError(f"loaxa scheduler exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {timeout} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def test_the_standby_takes_over_within_30_s_of_the_holders_death(tmp_path, database_url):
    data_dir = tmp_path / "data"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(data_dir, database_url, first_log)
    second = None
    try:
        _wait_for_line(first, first_log, ACTIVE, timeout=60)
        second = _start(data_dir, database_url, second_log)
        _wait_for_line(second, second_log, STANDING_BY, timeout=60)
        assert ACTIVE not in second_log.read_text()

        first.kill()  # SIGKILL: no clean release, the server/kernel drops the lock
        first.wait(timeout=10)
        took = _wait_for_line(second, second_log, TOOK_OVER, timeout=TAKEOVER_LIMIT_S)
        print(f"takeover after SIGKILL ({'sqlite' if database_url is None else 'postgresql'}): {took:.1f} s")
        assert ACTIVE in second_log.read_text()
        # The successor stops cleanly (its supervisor thread too) on SIGTERM.
        assert _stop(second) == 0, second_log.read_text()[-3000:]
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
