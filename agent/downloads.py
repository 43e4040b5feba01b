"""Fetching one audio file into the cache: to a temporary name, resumed with HTTP Range after a cut,
checked against its sha256, then renamed into place (never a half or wrong file under a real name)."""

import hashlib
import logging
import os
from pathlib import Path

import httpx

from agent.server import ServerClient, Unreachable
from agent.state import fsync_dir

log = logging.getLogger("agent.downloads")



class DownloadError(Exception):
    """The file could not be fetched this time (the partial file, if any, is kept for resuming)."""


class TooBig(DownloadError):
    """The file does not fit in the room left in the cache (nothing of it is kept)."""


class ChecksumError(DownloadError):
    """The bytes' sha256 is not the one the playlist promised (the partial file is deleted)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def part_path(dest: Path, tmp_dir: Path) -> Path:
    return tmp_dir / (dest.name + ".part")


def fetch(client: ServerClient, url: str, dest: Path, sha256: str, tmp_dir: Path, *,
          max_bytes: int | None = None) -> int:
    """Download `url` to `dest` (verified); returns the bytes transferred in this call."""
    part = part_path(dest, tmp_dir)
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    transferred = 0
    try:
        with client.stream(url, headers=headers) as response:
            if response.status_code == 416 and offset:
                pass  # the partial file already holds every byte: check it below
            elif response.status_code == 206 and offset:
                if not response.headers.get("content-range", "").startswith(f"bytes {offset}-"):
                    raise DownloadError(f"máy chủ trả sai đoạn tệp ({response.headers.get('content-range')})")
                transferred = _write(response, part, append=True, limit=max_bytes, already=offset)
            elif response.status_code == 200:
                transferred = _write(response, part, append=False, limit=max_bytes, already=0)
            else:
                raise DownloadError(f"máy chủ trả {response.status_code} cho {url}")
    except (httpx.TransportError, Unreachable) as exc:
        raise DownloadError(f"tải {dest.name} bị ngắt sau {offset + transferred} byte: {exc}") from exc
    actual = file_sha256(part)
    if actual != sha256:
        part.unlink(missing_ok=True)
        raise ChecksumError(f"tệp {dest.name} sai mã kiểm tra (sha256 {actual[:12]}…), sẽ tải lại")
    os.replace(part, dest)
    fsync_dir(dest.parent)
    return transferred


def _write(response: httpx.Response, part: Path, *, append: bool, limit: int | None, already: int) -> int:
    announced = response.headers.get("content-length")
    if limit is not None and announced is not None and announced.isdigit() and already + int(announced) > limit:
        part.unlink(missing_ok=True)
        raise TooBig(f"tệp {part.name.removesuffix('.part')} ({(already + int(announced)) // 1024} kB) "
                     "không còn chỗ trong bộ nhớ đệm")
    written = 0
    with part.open("ab" if append else "wb") as f:
        # as the bytes arrive (not gathered into fixed blocks): what came before a cut is kept for resuming
        for chunk in response.iter_bytes():
            written += len(chunk)
            if limit is not None and already + written > limit:
                f.close()
                part.unlink(missing_ok=True)
                raise TooBig(f"tệp {part.name.removesuffix('.part')} không còn chỗ trong bộ nhớ đệm")
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    return written
