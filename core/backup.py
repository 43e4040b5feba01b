"""`loaxa backup DIR` / `loaxa restore DIR`: the database, the media store and the secret key, with a
manifest of checksums, so a province can move or rebuild its server without losing a bulletin or an
as-run event.

- SQLite is copied with SQLite's online backup API (consistent while the server keeps running);
  PostgreSQL with `pg_dump --format=custom`, restored with `pg_restore` (the client programs run as
  programs, like ffmpeg).
- A backup is written to `DIR.partial` and renamed to `DIR` at the end: a crash never leaves a
  directory that looks like a finished backup.
- A restore checks every checksum before it touches anything, refuses to overwrite a database that
  holds data unless told to, and writes each file under a temporary name first.

Checking the restored as-run chains is the caller's job (`loaxa restore` does it with `airtime.chain`).
"""

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.config import Settings
from core.errors import Conflict, Invalid
from core.files import file_sha256, fsync_dir, fsync_file

MANIFEST = "manifest.json"
SQLITE_FILE = "loaxa.db"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"
SECRET_FILE = "secret_key"
FORMAT = 1

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    database: str  # "sqlite" or "postgresql"
    files: int
    bytes: int


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(".partial"):
            yield path


def _pg_url(settings: Settings) -> str:
    """The libpq form of the deployment's URL (pg_dump does not know SQLAlchemy's driver suffix)."""
    return make_url(settings.sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str], what: str) -> None:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise Invalid(f"Không tìm thấy chương trình {args[0]} (gói postgresql-client) để {what}.") from exc
    if result.returncode != 0:
        raise Invalid(f"{args[0]} không {what} được: {result.stderr.strip()[-500:]}")


def _is_sqlite(settings: Settings) -> bool:
    return settings.sqlalchemy_url.startswith("sqlite")


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.sqlalchemy_url).database
    if not database:
        raise Invalid("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def backup(settings: Settings, directory: Path, echo: Echo = print) -> BackupSummary:
    """Write a complete backup to `directory` (which must not exist yet)."""
    directory = directory.resolve()
    if directory.exists():
        raise Conflict(f"Thư mục {directory} đã có: chọn một thư mục mới cho bản sao lưu.")
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)
    database = "sqlite" if _is_sqlite(settings) else "postgresql"
    echo("Đang sao lưu cơ sở dữ liệu...")
    if database == "sqlite":
        source = sqlite3.connect(_sqlite_path(settings))
        target = sqlite3.connect(partial / SQLITE_FILE)
        try:
            source.backup(target)  # SQLite's online backup: a consistent copy while writers go on
        finally:
            target.close()
            source.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial / PG_FILE}",
              f"--dbname={_pg_url(settings)}"], "sao lưu")
    media = settings.media_dir
    if media.is_dir():
        sources = list(_files(media))
        echo(f"Đang chép {len(sources)} tệp âm thanh...")
        for number, path in enumerate(sources, start=1):
            target_path = partial / MEDIA_DIR / path.relative_to(media)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target_path)
            if number % 500 == 0:
                echo(f"  {number}/{len(sources)}")
    secret = settings.data_dir / SECRET_FILE
    if secret.is_file():
        shutil.copy2(secret, partial / SECRET_FILE)
    echo("Đang tính mã kiểm tra...")
    files = list(_files(partial))
    entries = [{"path": str(p.relative_to(partial)), "size": p.stat().st_size, "sha256": file_sha256(p)} for p in files]
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "database": database,
                "schema_revision": _schema_revision(settings), "files": entries}
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_tree(partial)
    os.replace(partial, directory)
    fsync_dir(directory.parent)
    return BackupSummary(directory, database, len(files), sum(p.stat().st_size for p in _files(directory)))


def _schema_revision(settings: Settings) -> str | None:
    engine = sa.create_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def _fsync_tree(root: Path) -> None:
    for path in _files(root):
        fsync_file(path)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it lists is there with its size and checksum."""
    path = directory / MANIFEST
    if not path.is_file():
        raise Invalid(f"{directory} không phải bản sao lưu của loaxa (thiếu {MANIFEST}).")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise Invalid(f"Bản sao lưu định dạng {manifest.get('format')!r}, phiên bản này đọc định dạng {FORMAT}.")
    for entry in manifest["files"]:
        file = directory / entry["path"]
        if not file.is_file() or file.stat().st_size != entry["size"] or file_sha256(file) != entry["sha256"]:
            raise Invalid(f"Tệp {entry['path']} trong bản sao lưu bị thiếu hoặc đã hỏng: không khôi phục.")
    return manifest


def _database_has_data(settings: Settings) -> bool:
    engine = sa.create_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM app_user")).scalar())
    except sa.exc.DBAPIError:
        return False  # no schema yet
    finally:
        engine.dispose()


def restore(settings: Settings, directory: Path, *, force: bool = False, echo: Echo = print) -> dict[str, Any]:
    """Put a backup back: checked first, then the database, the media files and the secret key."""
    directory = directory.resolve()
    echo("Đang kiểm tra bản sao lưu...")
    manifest = read_manifest(directory)
    here = "sqlite" if _is_sqlite(settings) else "postgresql"
    if manifest["database"] != here:
        raise Invalid(f"Bản sao lưu là của {manifest['database']}, máy chủ này dùng {here}.")
    if not force and _database_has_data(settings):
        raise Conflict("Cơ sở dữ liệu đích đã có dữ liệu: thêm --force để ghi đè.")
    settings.ensure_dirs()
    echo("Đang khôi phục cơ sở dữ liệu...")
    if here == "sqlite":
        target = _sqlite_path(settings)
        temporary = target.with_name(target.name + ".restoring")
        shutil.copy2(directory / SQLITE_FILE, temporary)
        for suffix in ("-wal", "-shm"):  # the old database's journal must not be replayed onto the new one
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={_pg_url(settings)}", str(directory / PG_FILE)], "khôi phục")
    media_entries = [e for e in manifest["files"] if e["path"].startswith(MEDIA_DIR + "/")]
    echo(f"Đang khôi phục {len(media_entries)} tệp âm thanh...")
    for entry in media_entries:
        target_path = settings.media_dir / Path(entry["path"]).relative_to(MEDIA_DIR)
        if target_path.is_file() and target_path.stat().st_size == entry["size"] and file_sha256(target_path) == entry[
                "sha256"]:
            continue
        target_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = target_path.with_name(target_path.name + ".partial")
        shutil.copy2(directory / entry["path"], temporary)
        os.replace(temporary, target_path)
    if (directory / SECRET_FILE).is_file():
        shutil.copy2(directory / SECRET_FILE, settings.data_dir / SECRET_FILE)
    return manifest
