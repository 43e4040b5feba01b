"""Syncing with the server: today's and the next two days' playlists (`If-None-Match`), then every
audio file they need, within the disk budget; what no kept playlist needs is pruned.

When the server cannot be reached nothing is dropped: the last good playlists and files stay and
play. Failures back off with jitter (agent/backoff.py); a `sync` command wakes the loop at once.
"""

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from agent.backoff import Backoff
from agent.cache import MediaCache, PlaylistCache, fallback_filler
from agent.clock import AgentClock
from agent.db import Database
from agent.downloads import ChecksumError, DownloadError, TooBig, fetch
from agent.model import DayPlaylist, Item, PlaylistError
from agent.server import ServerClient, Unreachable, detail, retry_after_s
from agent.settings import AgentSettings

log = logging.getLogger("agent.sync")

LOOKAHEAD_DAYS = 2      # today and the next two days: a device offline for two days still plays
KEEP_PAST_DAYS = 7      # older playlists are only kept as slot-time templates (schedule.template_slots)
MEDIA_PAST_DAYS = 1     # yesterday's files: a slot may cross midnight
DOWNLOAD_ATTEMPTS = 3


class SyncFailed(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class SyncReport:
    fetched: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)
    absent: list[date] = field(default_factory=list)
    downloaded: int = 0
    pruned: int = 0
    missing: list[str] = field(default_factory=list)
    over_budget: bool = False
    cache_mb: float = 0.0
    errors: list[str] = field(default_factory=list)


def needed_media(playlists: Mapping[date, DayPlaylist], today: date) -> list[Item]:
    """Files to hold, most urgent first: the fallback filler, then today's, tomorrow's, ... items."""
    ordered: list[Item] = []
    seen: set[str] = set()
    filler = fallback_filler(playlists, today)
    if filler is not None:
        ordered.append(filler)
        seen.add(filler.sha256 or "")
    days = [today + timedelta(days=k) for k in range(-MEDIA_PAST_DAYS, LOOKAHEAD_DAYS + 1)]
    for day in sorted(days, key=lambda d: (d < today, d)):
        playlist = playlists.get(day)
        if playlist is None:
            continue
        for item in playlist.media().values():
            if item.sha256 not in seen:
                seen.add(item.sha256 or "")
                ordered.append(item)
    return ordered


class Syncer:
    def __init__(self, *, client: ServerClient, db: Database, playlists: PlaylistCache, media: MediaCache,
                 settings: AgentSettings, clock: AgentClock, tz: tzinfo) -> None:
        self.client = client
        self.db = db
        self.playlists = playlists
        self.media = media
        self.settings = settings
        self.clock = clock
        self.tz = tz
        self.wake = threading.Event()
        self.changed = threading.Event()   # set when a playlist or file arrived (the player looks again)
        self.backoff = Backoff(base_s=2.0, max_s=settings.backoff_max_s)

    # ------------------------------------------------------------ one pass

    def sync_once(self) -> SyncReport:
        report = SyncReport()
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        for day in (today + timedelta(days=k) for k in range(LOOKAHEAD_DAYS + 1)):
            self._sync_day(day, now, report)
        for day in list(self.playlists.entries()):
            if day < today - timedelta(days=KEEP_PAST_DAYS):
                self.playlists.remove(day)
        self._sync_media(today, report)
        if report.fetched or report.downloaded:
            self.changed.set()
        return report

    def _sync_day(self, day: date, now: datetime, report: SyncReport) -> None:
        cluster = self.client.device.cluster_id
        etag = self.playlists.etag(day)
        headers = {"If-None-Match": etag} if etag else {}
        response = self.client.request("GET", f"/clusters/{cluster}/playlists/{day.isoformat()}", headers=headers)
        if response.status_code == 304:
            report.unchanged.append(day)
        elif response.status_code == 200:
            try:
                playlist = self.playlists.store(response.json(), response.headers.get("etag"), now.isoformat())
            except (ValueError, PlaylistError) as exc:
                report.errors.append(f"danh sách phát ngày {day:%d/%m/%Y} không hợp lệ: {exc}")
                return
            log.info("Đã nhận danh sách phát ngày %s (phiên bản %s, %d khung giờ)", f"{day:%d/%m/%Y}",
                     playlist.version, len(playlist.slots))
            report.fetched.append(day)
        elif response.status_code == 404:
            if self.playlists.remove(day):
                log.info("Máy chủ không còn danh sách phát ngày %s: đã bỏ bản trong bộ nhớ đệm", f"{day:%d/%m/%Y}")
            report.absent.append(day)
        elif response.status_code in (401, 403):
            raise SyncFailed(f"máy chủ từ chối mã thiết bị ({response.status_code}): {detail(response)}; "
                             "có thể mã đã bị thu hồi, hãy ghép lại thiết bị")
        else:
            raise SyncFailed(f"máy chủ trả {response.status_code} khi lấy danh sách phát: {detail(response)}",
                             retry_after_s(response))

    def _sync_media(self, today: date, report: SyncReport) -> None:
        needed = needed_media(self.playlists.playlists(), today)
        report.pruned = self.media.prune(it.sha256 for it in needed if it.sha256)
        budget = int(self.settings.cache_budget_mb * 1024 * 1024)
        present = self.media.files()
        for item in needed:
            assert item.sha256 is not None and item.audio_url is not None
            path = self.media.path(item.sha256, item.ext)
            if item.sha256 in present and self.media.verify(item.sha256, path):
                continue
            room = budget - self.media.size_bytes()
            if room <= 0:
                report.over_budget = True
                report.missing.append(item.sha256)
                continue
            if self._download(item, path, room, report):
                report.downloaded += 1
            else:
                report.missing.append(item.sha256)
        report.cache_mb = round(self.media.size_bytes() / 1024 / 1024, 2)
        if report.over_budget:
            report.errors.append(f"bộ nhớ đệm đã đầy ({self.settings.cache_budget_mb:g} MB cho phép): "
                                 f"{len(report.missing)} tệp chưa tải, các ngày xa nhất thiếu trước")

    def _download(self, item: Item, path: Path, room: int, report: SyncReport) -> bool:
        assert item.sha256 is not None and item.audio_url is not None
        last = ""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                fetch(self.client, item.audio_url, path, item.sha256, self.media.paths.tmp, max_bytes=room)
                self.media.verify(item.sha256, path)
                return True
            except TooBig as exc:
                report.over_budget = True
                log.warning("%s", exc)
                return False
            except ChecksumError as exc:
                log.warning("%s (lần %d)", exc, attempt)
                last = str(exc)
            except DownloadError as exc:
                log.warning("Tải tệp âm thanh %r chưa xong (lần %d): %s", item.title, attempt, exc)
                last = str(exc)
        report.errors.append(f"chưa tải được {path.name}: {last}")
        return False

    # ------------------------------------------------------------ the loop

    def record(self, report: SyncReport | None, error: str | None) -> None:
        values: dict[str, object] = {"last_sync_attempt_at": self.clock.now().isoformat()}
        if report is not None:
            values.update(last_sync_at=self.clock.now().isoformat(), cache_mb=report.cache_mb,
                          cache_over_budget=report.over_budget, missing_media=len(report.missing))
        values["sync_error"] = error
        self.db.set_meta(**values)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wait = self.step()
            self.wake.wait(wait)
            self.wake.clear()

    def step(self) -> float:
        """One sync with its bookkeeping; returns how long to wait before the next one."""
        try:
            report = self.sync_once()
        except Unreachable as exc:
            wait = self.backoff.failure()
            log.warning("Không kết nối được máy chủ (%s): vẫn phát theo bộ nhớ đệm; thử lại sau %.0f giây",
                        exc, wait)
            self.record(None, f"không kết nối được máy chủ: {exc}")
            return wait
        except SyncFailed as exc:
            wait = self.backoff.failure(exc.retry_after_s)
            log.warning("Đồng bộ thất bại: %s; thử lại sau %.0f giây", exc, wait)
            self.record(None, str(exc))
            return wait
        error = "; ".join(report.errors) or None
        self.record(report, error)
        if error:
            log.warning("Đồng bộ xong nhưng còn lỗi: %s", error)
            return self.backoff.failure()
        self.backoff.success()
        return self.backoff.jittered(self.settings.sync_interval_s)
