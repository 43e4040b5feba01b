"""`loaxa agent run`: builds the agent from its state directory and runs its threads.

    main thread   the playback loop (agent/onair.py)
    sync          playlists and audio files (agent/sync.py)
    forwarder     the as-run outbox to the server (agent/forwarder.py)
    heartbeat     status out, commands in (agent/heartbeat.py)
    alerts        emergencies by polling (agent/alerts.py)
    commands      obeys commands from push, heartbeat and alerts (agent/commands.py)
    paho          MQTT push, when the state names a broker (agent/push.py)

SIGTERM or Ctrl-C stops it cleanly: the item on air is recorded as interrupted.
"""

import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from agent import ladder
from agent.alerts import AlertPoller
from agent.cache import MediaCache, PlaylistCache
from agent.clock import AgentClock, OffsetMeter, local_zone, parse_instant
from agent.commands import Command, CommandBook
from agent.db import Database
from agent.downloads import DownloadError, fetch
from agent.forwarder import Forwarder
from agent.heartbeat import Heartbeat, disk_free_mb
from agent.ledger import Ledger
from agent.onair import OnAir, Special
from agent.outbox import Outbox, make_event
from agent.player import make_player
from agent.push import Push
from agent.server import ServerClient
from agent.settings import AgentSettings, load_settings
from agent.state import Paths, load_device
from agent.sync import Syncer
from agent.tone import write_alert_tone

log = logging.getLogger("agent.runner")

SPECIAL_ATTEMPTS = 3
JOIN_TIMEOUT_S = 5.0
FLUSH_BUDGET_S = 5.0


class LastError(logging.Handler):
    """Remembers the last warning or error logged, for the heartbeat and `status`."""

    def __init__(self, clock: AgentClock) -> None:
        super().__init__(level=logging.WARNING)
        self.clock = clock
        self.value: dict[str, str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.value = {"at": self.clock.now().isoformat(timespec="seconds"), "message": record.getMessage()[:500]}


class Agent:
    def __init__(self, state_dir: Path, *, player: str = "auto", clock_start: datetime | None = None,
                 settings: AgentSettings | None = None) -> None:
        self.paths = Paths(state_dir)
        self.device = load_device(state_dir)
        self.settings = settings or load_settings(self.paths.settings)
        self.paths.make()
        self.tz = local_zone(self.settings.timezone)
        self.clock = AgentClock(clock_start)
        self.db = Database(self.paths.database)
        self.outbox = Outbox(self.db)
        self.ledger = Ledger(self.db)
        self.offsets = OffsetMeter()
        self.client = ServerClient(self.device, self.clock, self.offsets, timeout_s=self.settings.http_timeout_s)
        self.playlists = PlaylistCache(self.paths)
        self.media = MediaCache(self.paths)
        self.specials_dir = self.paths.tmp / "specials"
        self.specials_dir.mkdir(exist_ok=True)
        tone_path = self.paths.tmp / "alert-tone.wav"
        tone = (tone_path, write_alert_tone(tone_path))
        self.player = make_player(player, opener=lambda url, t: self.client.stream(url, timeout_s=t),
                                  tmp_dir=self.paths.tmp, extra_args=self.settings.player_args,
                                  relay_max_kbps=self.settings.relay_max_kbps)
        self.syncer = Syncer(client=self.client, db=self.db, playlists=self.playlists, media=self.media,
                             settings=self.settings, clock=self.clock, tz=self.tz)
        self.onair = OnAir(clock=self.clock, tz=self.tz, playlists=self.playlists, media=self.media,
                           outbox=self.outbox, ledger=self.ledger, db=self.db, player=self.player, tone=tone,
                           progress_interval_s=self.settings.progress_interval_s,
                           volume=int(self.db.meta("volume", self.settings.volume)),
                           on_missing_media=self.syncer.wake.set, resolve_url=self.client.absolute)
        self._special_lock = threading.Lock()
        self.book = CommandBook(self.db, self.clock)
        self.book.handlers.update(emergency=self._on_emergency, end_emergency=self._on_end_emergency,
                                  sync=self._on_sync, play_now=self._on_play_now, volume=self._on_volume)
        self.push = Push(self.device.mqtt, lambda raw: self.book.submit(raw, via="push")) \
            if self.device.mqtt else None
        self.forwarder = Forwarder(client=self.client, outbox=self.outbox, db=self.db, settings=self.settings)
        self.heartbeat = Heartbeat(client=self.client, book=self.book, status=self.status,
                                   interval_s=self.device.heartbeat_interval_s or self.settings.heartbeat_interval_s)
        if self.settings.heartbeat_interval_s != AgentSettings.heartbeat_interval_s:
            self.heartbeat.interval_s = self.settings.heartbeat_interval_s  # an explicit setting wins
            self.heartbeat.fixed = True
        self.alerts = AlertPoller(client=self.client, book=self.book, interval_s=self.settings.alerts_interval_s,
                                  push_connected=lambda: self.push is not None and self.push.connected(),
                                  on_air=self.onair.emergencies_on_air, withdrawn=self._withdrawn)
        self.last_error = LastError(self.clock)
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ status (heartbeat, meta)

    def push_state(self) -> str:
        return "off" if self.push is None else self.push.state

    def status(self) -> dict[str, Any]:
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        playlist = self.playlists.playlists().get(today)
        playing = self.onair.now_playing()
        meta = self.db.all_meta()
        last_error = self.last_error.value
        values: dict[str, Any] = {
            "device_time": now.astimezone(self.tz).isoformat(timespec="seconds"),
            "playlist_date": today.isoformat() if playlist else None,
            "playlist_version": playlist.version if playlist else None,
            "now_playing": {"content_id": playing.content_id, "kind": playing.kind, "title": playing.title,
                            "started_at": playing.started_at.astimezone(self.tz).isoformat(timespec="seconds")}
            if playing else None,
            "clock_offset_ms": self.offsets.offset_ms(),
            "disk_free_mb": disk_free_mb(str(self.paths.root)),
            # Whole megabytes, rounded up (the protocol's field is an integer; 0.4 MB of audio is not "0").
            "cache_mb": math.ceil(self.media.size_bytes() / 1024 / 1024),
            "unsent_events": self.outbox.counts().unsent,
            "volume": self.onair.volume,
            "last_error": last_error["message"] if last_error else None,
            "last_sync_at": meta.get("last_sync_at"),
            "push": self.push_state(),
        }
        self.db.set_meta(clock_offset_ms=values["clock_offset_ms"], push=values["push"],
                         now_playing=values["now_playing"], last_error=last_error, status_at=values["device_time"],
                         player=self.player.name)
        return values

    # ------------------------------------------------------------ commands

    def _cached_special(self, body: dict[str, Any]) -> Path | None:
        url, sha256 = body.get("audio_url"), body.get("sha256")
        if not isinstance(url, str) or not isinstance(sha256, str):
            return None
        cached = self.media.ready(sha256, Path(urlsplit(url).path).suffix.lstrip(".") or "mp3")
        if cached is not None:
            return cached
        dest = self.specials_dir / (sha256 + (Path(urlsplit(url).path).suffix or ".mp3"))
        return dest if self.media.verify(sha256, dest) else None

    def _fetch_special(self, body: dict[str, Any]) -> Path:
        url, sha256 = body.get("audio_url"), body.get("sha256")
        if not isinstance(url, str) or not isinstance(sha256, str):
            raise DownloadError("lệnh thiếu audio_url hoặc sha256")
        cached = self._cached_special(body)
        if cached is not None:
            return cached
        dest = self.specials_dir / (sha256 + (Path(urlsplit(url).path).suffix or ".mp3"))
        last: DownloadError | None = None
        for _ in range(SPECIAL_ATTEMPTS):
            try:
                # partial files beside it: the sync prunes partial downloads in tmp/ it does not know
                fetch(self.client, url, dest, sha256, self.specials_dir)
                return dest
            except DownloadError as exc:
                last = exc
        assert last is not None
        raise last

    def _special(self, command: Command, source: str, level: int) -> tuple[Special | None, str]:
        body = command.body
        content_id, duration = body.get("content_id"), body.get("duration_ms")
        if not isinstance(content_id, int) or not isinstance(duration, int) or duration <= 0:
            return None, "ignored: lệnh thiếu content_id hoặc duration_ms"
        try:
            path = self._fetch_special(body)
        except DownloadError as exc:
            self.outbox.append(make_event(started_at=self.clock.now().astimezone(self.tz), duration_ms=0,
                                          status="failed", content_id=content_id, source=source,
                                          error=f"không tải được: {exc}"))
            log.error("Không tải được âm thanh của lệnh %s (%s): %s", command.id, source, exc)
            return None, f"failed: {exc}"
        return Special(source=source, content_id=content_id, title=str(body.get("title") or ""), path=path,
                       duration_ms=duration, level=level, sha256=str(body["sha256"]),
                       arrived_mono=command.received_mono, tone_in_audio=body.get("tone_in_audio") is True), "obeyed"

    def _on_emergency(self, command: Command) -> str:
        content_id = command.body.get("content_id")
        if not isinstance(content_id, int):
            return "ignored: lệnh thiếu content_id"
        if command.body.get("ends_at") is not None:
            try:
                ends_at = parse_instant(command.body["ends_at"], "ends_at")
            except ValueError as exc:
                return f"ignored: {exc}"
            if ends_at <= self.clock.now():
                return "expired"
        if not self.ledger.claim_emergency(content_id, self.clock.now()):
            return f"ignored: tin khẩn cấp {content_id} đã nhận ({self.ledger.emergency_state(content_id)})"
        return self._in_background(command, "emergency", ladder.EMERGENCY)

    def _in_background(self, command: Command, source: str, level: int) -> str:
        """Fetch a special's audio on a thread of its own: the command thread stays free, so an
        `end_emergency` or a volume change is obeyed while a slow link brings the file."""
        content_id, duration = command.body.get("content_id"), command.body.get("duration_ms")
        if not isinstance(content_id, int) or not isinstance(duration, int) or duration <= 0:
            if source == "emergency" and isinstance(content_id, int):
                self.ledger.release_emergency(content_id)
            return "ignored: lệnh thiếu content_id hoặc duration_ms"
        if self._special_ready(command, source, level, fetch_now=False):
            return "obeyed"
        thread = threading.Thread(target=self._special_ready, args=(command, source, level),
                                  name=f"fetch-{command.id[:24]}", daemon=True)
        thread.start()
        return "obeyed: đang tải âm thanh"

    def _special_ready(self, command: Command, source: str, level: int, fetch_now: bool = True) -> bool:
        """Queue the special once its audio is here (cached already, or fetched when `fetch_now`)."""
        if not fetch_now and self._cached_special(command.body) is None:
            return False
        special, outcome = self._special(command, source, level)
        content_id = command.body.get("content_id")
        with self._special_lock:
            if source == "emergency" and isinstance(content_id, int):
                if special is None:
                    # not played: the next /alerts poll (or a resend) may bring it again
                    self.ledger.release_emergency(content_id)
                    return True
                if self.ledger.emergency_state(content_id) == "ended":
                    log.warning("Tin khẩn cấp mã %d đã bị dừng trong lúc tải: không phát", content_id)
                    return True
            if special is not None:
                self.onair.add_special(special)
        if outcome != "obeyed":
            log.warning("Lệnh %s (%s): %s", command.id, command.type, outcome)
        return True

    def _on_end_emergency(self, command: Command) -> str:
        content_id = command.body.get("content_id")
        if not isinstance(content_id, int):
            return "ignored: lệnh thiếu content_id"
        self._withdrawn(content_id, None)
        return "obeyed"

    def _withdrawn(self, content_id: int, before_mono: float | None) -> None:
        with self._special_lock:
            stopped = self.onair.end_emergency(content_id, before_mono)
            if before_mono is None or stopped:
                state = self.ledger.emergency_state(content_id)
                if state in (None, "queued", "playing"):
                    self.ledger.set_emergency(content_id, "ended", self.clock.now())
        if stopped:
            log.warning("Đã dừng tin khẩn cấp mã %d theo máy chủ", content_id)

    def _on_play_now(self, command: Command) -> str:
        level = ladder.LADDER.get(str(command.body.get("level") or "normal"), ladder.NORMAL)
        return self._in_background(command, "play_now", level)

    def _on_volume(self, command: Command) -> str:
        volume = command.body.get("volume")
        if not isinstance(volume, int) or isinstance(volume, bool) or not 0 <= volume <= 100:
            return "ignored: volume phải là số nguyên 0-100"
        self.onair.set_volume(volume)
        log.info("Âm lượng: %d", volume)
        return "obeyed"

    def _on_sync(self, command: Command) -> str:
        self.syncer.wake.set()
        return "obeyed"

    # ------------------------------------------------------------ running

    def _maintain(self) -> None:
        now = self.clock.now()
        self.ledger.prune(now)
        self.book.prune(now)
        cutoff = time.time() - 86400
        for path in self.specials_dir.iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def _sync_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wait = self.syncer.step()
            self._maintain()
            self.syncer.wake.wait(wait)
            self.syncer.wake.clear()

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        def guarded(stop: threading.Event) -> None:
            try:
                target(stop)
            except Exception:  # a dead helper thread must be loud, and must stop the agent (systemd restarts it)
                log.exception("Luồng %s gặp lỗi không lường trước: dừng tác tử để khởi động lại", name)
                self.request_stop()

        thread = threading.Thread(target=guarded, args=(self.stop_event,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def request_stop(self) -> None:
        self.stop_event.set()
        self.onair.stop()
        for event in (self.syncer.wake, self.forwarder.wake, self.heartbeat.wake, self.alerts.wake):
            event.set()

    def run(self, install_signals: bool = True) -> int:
        logging.getLogger("agent").addHandler(self.last_error)
        for event in self.outbox.recover():
            log.warning("Mục %s đang phát khi tác tử dừng đột ngột: ghi nhận bị ngắt sau %.1f giây",
                        event.get("content_id") or event.get("kind"), event["duration_ms"] / 1000)
        log.info("Tác tử loaxa: cụm loa %s (mã %d), máy chủ %s", self.device.cluster_name or "?",
                 self.device.cluster_id, self.device.server)
        if install_signals:
            def on_signal(signum: int, frame: FrameType | None) -> None:
                log.info("Nhận tín hiệu %s: dừng", signal.Signals(signum).name)
                self.request_stop()

            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        self._spawn("sync", self._sync_loop)
        self._spawn("forwarder", self.forwarder.run)
        self._spawn("heartbeat", self.heartbeat.run)
        self._spawn("alerts", self.alerts.run)
        self._spawn("commands", self.book.run)
        if self.push is not None:
            self.push.start()
        try:
            self.onair.run()
        finally:
            self.request_stop()
            self.book.close()
            if self.push is not None:
                self.push.stop()
            for thread in self._threads:
                thread.join(JOIN_TIMEOUT_S)
            # the item just ended (interrupted) and anything unsent go now rather than at the next start
            try:
                sent = self.forwarder.flush(FLUSH_BUDGET_S)
                if sent:
                    log.info("Đã gửi %d sự kiện trước khi dừng", sent)
            except Exception:  # stopping must finish: the outbox keeps whatever was not sent
                log.exception("Không gửi được nhật ký phát trước khi dừng")
            self.status()
            self.client.close()
            logging.getLogger("agent").removeHandler(self.last_error)
            self.db.close()
        log.info("Tác tử đã dừng")
        return 0
