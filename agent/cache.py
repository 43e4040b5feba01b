"""What the agent keeps on disk to play without the server: the last good playlist of each day and
the verified audio files (by sha256). Thread-safe: the sync thread writes, the player reads."""

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from agent.downloads import file_sha256
from agent.model import DayPlaylist, Item, PlaylistError, parse_playlist
from agent.state import Paths, write_atomic

log = logging.getLogger("agent.cache")


@dataclass(frozen=True)
class CachedPlaylist:
    etag: str | None
    fetched_at: str
    playlist: DayPlaylist


class PlaylistCache:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._lock = threading.Lock()
        self._days: dict[date, CachedPlaylist] = {}
        self.load()

    def _file(self, day: date) -> Path:
        return self.paths.playlists / f"{day.isoformat()}.json"

    def load(self) -> None:
        found: dict[date, CachedPlaylist] = {}
        for path in sorted(self.paths.playlists.glob("*.json")):
            try:
                wrapper = json.loads(path.read_text(encoding="utf-8"))
                playlist = parse_playlist(wrapper["playlist"])
                found[playlist.day] = CachedPlaylist(wrapper.get("etag"), str(wrapper.get("fetched_at", "")),
                                                     playlist)
            except (OSError, ValueError, KeyError, TypeError, PlaylistError) as exc:
                log.warning("Bỏ qua danh sách phát hỏng trong bộ nhớ đệm %s: %s", path.name, exc)
        with self._lock:
            self._days = found

    def store(self, raw: Any, etag: str | None, fetched_at: str) -> DayPlaylist:
        playlist = parse_playlist(raw)
        body = json.dumps({"etag": etag, "fetched_at": fetched_at, "playlist": raw}, ensure_ascii=False)
        write_atomic(self._file(playlist.day), body.encode("utf-8"))
        with self._lock:
            self._days[playlist.day] = CachedPlaylist(etag, fetched_at, playlist)
        return playlist

    def remove(self, day: date) -> bool:
        self._file(day).unlink(missing_ok=True)
        with self._lock:
            return self._days.pop(day, None) is not None

    def etag(self, day: date) -> str | None:
        with self._lock:
            cached = self._days.get(day)
        return cached.etag if cached else None

    def entries(self) -> dict[date, CachedPlaylist]:
        with self._lock:
            return dict(self._days)

    def playlists(self) -> dict[date, DayPlaylist]:
        with self._lock:
            return {d: c.playlist for d, c in self._days.items()}


def fallback_filler(playlists: Mapping[date, DayPlaylist], today: date) -> Item | None:
    """The filler to play when nothing else can: today's if any, else that of the nearest cached day."""
    for day in sorted(playlists, key=lambda d: (abs((d - today).days), d < today)):
        for slot in playlists[day].slots:
            for item in slot.items:
                if item.kind == "filler" and item.sha256 and item.audio_url:
                    return item
    return None


class MediaCache:
    """Verified audio files, `media/{sha256}.{ext}`; a changed file is checked again before it is trusted."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[int, int]] = {}  # file name → (size, mtime_ns) when last verified

    def path(self, sha256: str, ext: str | None) -> Path:
        return self.paths.media / f"{sha256}.{ext or 'mp3'}"

    def files(self) -> dict[str, Path]:
        """Cached files by sha256."""
        return {p.name.split(".", 1)[0]: p for p in self.paths.media.iterdir()
                if p.is_file() and not p.name.startswith(".")}

    def shas(self) -> set[str]:
        return set(self.files())

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files().values())

    def verify(self, sha256: str, path: Path) -> bool:
        """True when the file's bytes match `sha256`; a file that does not is deleted."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            if self._verified.get(path.name) == stamp:
                return True
        if file_sha256(path) == sha256:
            with self._lock:
                self._verified[path.name] = stamp
            return True
        log.warning("Tệp %s trong bộ nhớ đệm bị hỏng (sai sha256): xóa để tải lại", path.name)
        path.unlink(missing_ok=True)
        with self._lock:
            self._verified.pop(path.name, None)
        return False

    def ready(self, sha256: str, ext: str | None) -> Path | None:
        path = self.path(sha256, ext)
        return path if self.verify(sha256, path) else None

    def prune(self, keep: Iterable[str]) -> int:
        """Delete cached files (and partial downloads) no kept playlist needs; returns how many."""
        wanted = set(keep)
        removed = 0
        for sha256, path in self.files().items():
            if sha256 not in wanted:
                path.unlink(missing_ok=True)
                removed += 1
        for part in self.paths.tmp.glob("*.part"):
            if part.name.split(".", 1)[0] not in wanted:
                part.unlink(missing_ok=True)
        return removed
