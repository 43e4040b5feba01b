"""Fail-over between two real `loaxa scheduler` processes: the second stands by, and takes over within
30 s of the first one's SIGKILL (PostgreSQL: a fresh database of this test; SQLite: a shared data dir)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, PG_BASE_URL
from tests.processes import fresh_pg_database, loaxa_env, start_loaxa, stop, wait_for_line

TAKEOVER_LIMIT_S = 30.0

ACTIVE = "scheduler started; next runs"
STANDING_BY = "this process stands by"
TOOK_OVER = "is now the active scheduler"


@pytest.fixture(params=BACKENDS)
def database_url(request) -> Iterator[str | None]:
    """None: the default SQLite file of the shared data dir; else a PostgreSQL database made for this test."""
    if request.param == "sqlite":
        yield None
        return
    assert PG_BASE_URL
    with fresh_pg_database(PG_BASE_URL, "loaxa_failover") as url:
        yield url


def _start(data_dir: Path, database_url: str | None, log: Path):
    env = loaxa_env(data_dir, database_url)
    env.pop("LOAXA_SCHEDULER_STANDBY_SECONDS", None)  # the default interval is what must meet the 30 s
    return start_loaxa(["scheduler"], env, log)


def test_the_standby_takes_over_within_30_s_of_the_holders_death(tmp_path, database_url):
    data_dir = tmp_path / "data"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(data_dir, database_url, first_log)
    second = None
    try:
        wait_for_line(first, first_log, ACTIVE, timeout=60)
        second = _start(data_dir, database_url, second_log)
        wait_for_line(second, second_log, STANDING_BY, timeout=60)
        assert ACTIVE not in second_log.read_text()

        first.kill()  # SIGKILL: no clean release, the server/kernel drops the lock
        first.wait(timeout=10)
        took = wait_for_line(second, second_log, TOOK_OVER, timeout=TAKEOVER_LIMIT_S)
        print(f"takeover after SIGKILL ({'sqlite' if database_url is None else 'postgresql'}): {took:.1f} s")
        assert ACTIVE in second_log.read_text()
        # The successor stops cleanly (its supervisor thread too) on SIGTERM.
        assert stop(second) == 0, second_log.read_text()[-3000:]
    finally:
        stop(first)
        if second is not None:
            stop(second)
