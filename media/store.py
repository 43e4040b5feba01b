"""Content-addressed media store: a finished file lives at root/ab/abcdef….ext, named by its sha256.

Files enter the store only whole: they are written elsewhere (tmp_dir(), same filesystem),
fsynced, then renamed into place, so a reader never sees half a file and a crash leaves
at most a stray temp file. The public URL of a stored file is /media/{sha256}.{ext}.
"""

import contextlib
import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.files import file_sha256, fsync_dir, fsync_file

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
EXT_RE = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    path: Path
    size_bytes: int
    ext: str

    @property
    def url(self) -> str:
        return media_url(self.sha256, self.ext)


def media_url(sha256: str, ext: str) -> str:
    return f"/media/{sha256}.{ext}"


def _temp_sibling(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success fsync it and rename it over `path`.

    On any failure the temp file is removed and `path` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(path)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def normalize_ext(ext: str) -> str:
    ext = ext.lower().removeprefix(".")
    if not EXT_RE.match(ext):
        raise ValueError(f"Phần mở rộng tệp không hợp lệ: {ext!r}")
    return ext


def _check_sha(sha256: str) -> str:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"Mã sha256 không hợp lệ: {sha256!r}")
    return sha256


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str, ext: str) -> Path:
        return self.root / _check_sha(sha256)[:2] / f"{sha256}.{normalize_ext(ext)}"

    def find(self, sha256: str) -> Path | None:
        """The stored file with this hash, whatever its extension, or None."""
        folder = self.root / _check_sha(sha256)[:2]
        matches = sorted(folder.glob(f"{sha256}.*")) if folder.is_dir() else []
        return matches[0] if matches else None

    def open(self, sha256: str, ext: str) -> BinaryIO:
        return self.path_for(sha256, ext).open("rb")

    def tmp_dir(self) -> Path:
        """A folder for work files on the store's own filesystem (so put() can rename)."""
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def put(self, tmp_path: Path, ext: str) -> StoredFile:
        """Move a finished file into the store under its hash; idempotent.

        `tmp_path` is consumed: renamed into place, or deleted if the content is already stored.
        """
        ext = normalize_ext(ext)
        sha256 = file_sha256(tmp_path)
        final = self.path_for(sha256, ext)
        size = tmp_path.stat().st_size
        if final.exists():
            tmp_path.unlink()
            return StoredFile(sha256, final, size, ext)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            fsync_file(tmp_path)
            os.replace(tmp_path, final)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Another filesystem: copy beside the target first so the final rename stays atomic.
            with atomic_output(final) as staged:
                shutil.copyfile(tmp_path, staged)
            tmp_path.unlink()
        fsync_dir(final.parent)
        return StoredFile(sha256, final, size, ext)
