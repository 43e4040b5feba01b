"""`loaxa backup` / `loaxa restore` (issue 16 item 10): a round trip on SQLite and PostgreSQL keeps every
user, content, as-run event and audio file, and every restored chain verifies; a damaged backup or a
database that holds data is refused before anything changes."""

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from airtime.chain import verify_cluster
from airtime.ingest import ingest_plays
from airtime.models import PlayEvent
from core.backup import backup, restore
from core.config import Settings
from core.db import make_engine, saved_id, session_scope
from core.errors import Conflict, Invalid
from core.users import User
from tests.airtime.builders import TZ, event, make_content


def _fill(settings: Settings, engine, world) -> tuple[int, bytes]:
    cluster = world.clusters_a[0]
    with session_scope(engine) as s:
        content = make_content(s, "Tin phòng chống cháy rừng")
    start = datetime(2026, 4, 1, 6, 0, tzinfo=TZ)
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=cluster.id, tz=TZ,
                     events=[event(saved_id(content), start + timedelta(minutes=3 * i), 60_000) for i in range(5)])
    audio = b"ID3" + bytes(range(256)) * 40
    settings.ensure_dirs()
    (settings.media_dir / "ab").mkdir(exist_ok=True)
    (settings.media_dir / "ab" / "abcd.mp3").write_bytes(audio)
    return cluster.id, audio


@pytest.fixture
def empty_target(empty_db_url, tmp_path):
    """Settings for a second, empty deployment of the same kind (its own data dir and database)."""
    return Settings(data_dir=tmp_path / "restored", database_url=empty_db_url,
                    secret_key="test-secret-key-0123456789", scheduler_enabled=False)


def test_round_trip_keeps_everything_and_the_chains_verify(settings, engine, world, empty_target, tmp_path):
    cluster_id, audio = _fill(settings, engine, world)
    summary = backup(settings, tmp_path / "bk", echo=lambda _: None)
    assert summary.directory == (tmp_path / "bk").resolve() and not (tmp_path / "bk.partial").exists()
    restore(empty_target, tmp_path / "bk", echo=lambda _: None)
    restored = make_engine(empty_target.sqlalchemy_url)
    try:
        with session_scope(restored) as s:
            assert s.exec(select(func.count()).select_from(PlayEvent)).one() == 5
            check = verify_cluster(s, cluster_id)
            assert check.ok and check.checked == 5
        with session_scope(engine) as s:
            users_before = sorted(s.exec(select(User.username)))
        with session_scope(restored) as s:
            assert sorted(s.exec(select(User.username))) == users_before
    finally:
        restored.dispose()
    assert (empty_target.media_dir / "ab" / "abcd.mp3").read_bytes() == audio


def test_a_damaged_backup_is_refused_before_anything_changes(settings, engine, world, empty_target, tmp_path):
    _fill(settings, engine, world)
    backup(settings, tmp_path / "bk", echo=lambda _: None)
    damaged = tmp_path / "bk" / "media" / "ab" / "abcd.mp3"
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"X")
    with pytest.raises(Invalid, match="hỏng"):
        restore(empty_target, tmp_path / "bk", echo=lambda _: None)
    assert not (empty_target.media_dir / "ab" / "abcd.mp3").exists()


def test_a_database_with_data_is_not_overwritten_unless_forced(settings, engine, world, tmp_path):
    _fill(settings, engine, world)
    backup(settings, tmp_path / "bk", echo=lambda _: None)
    with pytest.raises(Conflict, match="--force"):
        restore(settings, tmp_path / "bk", echo=lambda _: None)
    with pytest.raises(Conflict):
        backup(settings, tmp_path / "bk", echo=lambda _: None)  # never into an existing directory
    restore(settings, tmp_path / "bk", force=True, echo=lambda _: None)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(PlayEvent)).one() == 5


def test_the_commands_round_trip_on_a_fresh_data_dir(tmp_path):
    def loaxa(data: Path, *args: str) -> subprocess.CompletedProcess:
        import os

        env = {**os.environ, "LOAXA_DATA_DIR": str(data)}
        env.pop("LOAXA_DATABASE_URL", None)
        return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True,
                              timeout=300, cwd=Path(__file__).parents[2])

    first, second = tmp_path / "a", tmp_path / "b"
    made = loaxa(first, "users", "create", "--username", "ops1", "--password", "mat-khau-dai", "--role", "operator")
    assert made.returncode == 0, made.stderr
    saved = loaxa(first, "backup", str(tmp_path / "bk"))
    assert saved.returncode == 0 and "Đã sao lưu" in saved.stdout, saved.stderr
    back = loaxa(second, "restore", str(tmp_path / "bk"))
    assert back.returncode == 0 and "Đã khôi phục" in back.stdout, back.stderr
    again = loaxa(second, "users", "create", "--username", "ops1", "--password", "mat-khau-dai", "--role", "operator")
    assert again.returncode == 1 and "đã tồn tại" in again.stderr
    refused = loaxa(second, "restore", str(tmp_path / "bk"))
    assert refused.returncode == 1 and "--force" in refused.stderr
