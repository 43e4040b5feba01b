"""The playback loop: asks agent/schedule.py what to do, puts it on air, records every event.

One thread plays; other threads only hand it work (`add_special`: an emergency or a "play now"
item) or tell it to stop something (`end_emergency`, `stop`). While a sound plays the loop looks
20 times a second for a reason to stop it: a higher source on the ladder (agent/ladder.py), a relay
whose time has come, the end of its slot, an ended emergency, or the agent stopping.

Every item is marked done before it goes on air and its event is in the outbox before its sound
starts (agent/outbox.py): a crash never replays it and never loses it.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from agent import ladder, schedule
from agent.cache import MediaCache, PlaylistCache, fallback_filler
from agent.clock import AgentClock
from agent.db import Database
from agent.ledger import Ledger
from agent.model import Item, Slot
from agent.outbox import Outbox, make_event
from agent.playback import Playback
from agent.player import Player

log = logging.getLogger("agent.onair")

TICK_S = 0.05
IDLE_MAX_S = 0.5
PREEMPT_CHECK_S = 0.5
FILL_RETRY_S = 30.0  # after the filler failed to play: silence this long rather than a loop of failures
FILE_GRACE_S = 5.0  # a player may run this much longer than the item's planned duration


@dataclass
class Special:
    """Something the server asked to play now: an emergency or a "play now" item."""
    source: str                 # "emergency" | "play_now"
    content_id: int
    title: str
    path: Path
    duration_ms: int
    level: int
    sha256: str
    arrived_mono: float = field(default_factory=time.monotonic)
    # An emergency whose audio starts with the alert tone (the server's TTS render): no tone of our own.
    tone_in_audio: bool = False


@dataclass
class Request:
    event: dict[str, Any]       # make_event's fields but status, duration and start
    level: int
    title: str
    start: Callable[[], Playback]
    deadline_mono: float | None
    cut_is_normal: bool = False     # reaching the deadline is the planned end (fills, relays)
    early_end_fails: bool = False   # a relay that ends before its deadline has failed
    special: Special | None = None


@dataclass(frozen=True)
class OnAirItem:
    event_id: str
    kind: str
    content_id: int | None
    title: str
    started_at: datetime
    level: int
    source: str


class OnAir:
    def __init__(self, *, clock: AgentClock, tz: tzinfo, playlists: PlaylistCache, media: MediaCache,
                 outbox: Outbox, ledger: Ledger, db: Database, player: Player, tone: tuple[Path, int],
                 progress_interval_s: float, volume: int, on_missing_media: Callable[[], None],
                 resolve_url: Callable[[str], str] = str) -> None:
        self.clock = clock
        self.resolve_url = resolve_url  # a relay's stream URL may be a path on the server
        self.tz = tz
        self.playlists = playlists
        self.media = media
        self.outbox = outbox
        self.ledger = ledger
        self.db = db
        self.player = player
        self.tone_path, self.tone_ms = tone
        self.progress_interval_s = progress_interval_s
        self.volume = volume
        self.on_missing_media = on_missing_media
        self._lock = threading.Lock()
        self._specials: list[Special] = []
        self._ended: set[int] = set()
        self._current: OnAirItem | None = None
        self._current_special: Special | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._fill_broken_until = 0.0
        self._said = ""

    # ------------------------------------------------------------ from other threads

    def add_special(self, special: Special) -> None:
        with self._lock:
            self._specials.append(special)
            self._specials.sort(key=lambda s: (-s.level, s.arrived_mono))
        self._wake.set()

    def end_emergency(self, content_id: int, before_mono: float | None = None) -> bool:
        """Stop an emergency that is queued or on air; `before_mono`: only one that arrived earlier."""
        with self._lock:
            current = self._current_special
            if current is not None and current.source == "emergency" and current.content_id == content_id \
                    and (before_mono is None or current.arrived_mono < before_mono):
                self._ended.add(content_id)
                found = True
            else:
                found = False
            kept = [s for s in self._specials if not (s.source == "emergency" and s.content_id == content_id
                                                      and (before_mono is None or s.arrived_mono < before_mono))]
            found = found or len(kept) != len(self._specials)
            self._specials = kept
        self._wake.set()
        return found

    def emergencies_on_air(self) -> list[tuple[int, float]]:
        """(content_id, arrival) of emergencies queued or playing."""
        with self._lock:
            items = [s for s in self._specials if s.source == "emergency"]
            if self._current_special is not None and self._current_special.source == "emergency":
                items.append(self._current_special)
            return [(s.content_id, s.arrived_mono) for s in items]

    def set_volume(self, volume: int) -> None:
        self.volume = max(0, min(100, volume))
        self.db.set_meta(volume=self.volume)

    def now_playing(self) -> OnAirItem | None:
        with self._lock:
            return self._current

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # ------------------------------------------------------------ the loop

    def run(self) -> None:
        log.info("Bắt đầu phát (trình phát: %s, giờ của tác tử: %s)", self.player.name,
                 self.clock.now().astimezone(self.tz).isoformat(timespec="seconds"))
        while not self._stopping.is_set():
            special = self._pop_special()
            if special is not None:
                self._play_special(special)
                continue
            self._do(self._next())

    def _pop_special(self) -> Special | None:
        with self._lock:
            return self._specials.pop(0) if self._specials else None

    def _context(self) -> tuple[list[Slot], set[tuple[str, str]]]:
        now = self.clock.now()
        slots = list(schedule.slots_around(self.playlists.playlists(), now.astimezone(self.tz).date(), self.tz))
        return slots, self.ledger.done([s.key for s in slots])

    def _filler(self) -> tuple[Item, Path] | None:
        if time.monotonic() < self._fill_broken_until:
            return None
        today = self.clock.now().astimezone(self.tz).date()
        item = fallback_filler(self.playlists.playlists(), today)
        if item is None or item.sha256 is None:
            return None
        path = self.media.ready(item.sha256, item.ext)
        return (item, path) if path is not None else None

    def _next(self) -> schedule.Step:
        slots, done = self._context()
        return schedule.next_step(slots, done, self.clock.now(), self.media.shas(), self._filler() is not None)

    def _do(self, step: schedule.Step) -> None:
        if isinstance(step, schedule.Idle):
            if step.reason and step.reason != self._said:
                log.warning("%s", step.reason[:1].upper() + step.reason[1:])
            self._said = step.reason
            wait = IDLE_MAX_S
            if step.until is not None:
                wait = min(wait, max(0.0, (step.until - self.clock.now()).total_seconds()))
            self._wake.wait(wait)
            self._wake.clear()
        elif isinstance(step, schedule.SkipItem):
            self._record_without_air(step.slot, step.item, "skipped", step.reason, step.item.starts_at)
        elif isinstance(step, schedule.FailItem):
            self._record_without_air(step.slot, step.item, "failed", step.reason, self.clock.now().astimezone(self.tz))
            self.on_missing_media()
        elif isinstance(step, schedule.PlayItem):
            self._play_item(step)
        elif isinstance(step, schedule.PlayRelay):
            self._play_relay(step)
        else:
            self._fill(step)

    def _item_event(self, item: Item, source: str = "schedule") -> dict[str, Any]:
        return {"kind": item.kind, "content_id": item.content_id if item.kind == "content" else None,
                "sha256": item.sha256, "relay_id": item.relay_id, "source": source}

    def _record_without_air(self, slot: Slot, item: Item, status: str, reason: str, at: datetime) -> None:
        self.ledger.mark_done(slot.key, item.key, status, self.clock.now())
        self.outbox.append(make_event(started_at=at, duration_ms=0, status=status, error=reason,
                                      **self._item_event(item)))
        word = "Bỏ qua" if status == "skipped" else "Không phát được"
        log.warning("%s %r (%s, dự kiến %s): %s", word, item.title, item.kind,
                    item.starts_at.astimezone(self.tz).strftime("%H:%M:%S"), reason)

    def _deadline(self, at: datetime) -> float:
        return time.monotonic() + (at - self.clock.now()).total_seconds()

    def _play_item(self, step: schedule.PlayItem) -> None:
        item = step.item
        assert item.sha256 is not None
        path = self.media.ready(item.sha256, item.ext)
        if path is None:  # deleted or corrupted since the schedule looked
            self._record_without_air(step.slot, item, "failed", "tệp âm thanh hỏng hoặc bị xóa",
                                     self.clock.now().astimezone(self.tz))
            self.on_missing_media()
            return
        self.ledger.mark_done(step.slot.key, item.key, "playing", self.clock.now())
        # An emergency the server put into the playlist counts as received: an alert or a push of the
        # same content afterwards does not interrupt the programme to play it again.
        claimed = item.level == "emergency" and item.content_id is not None \
            and self.ledger.claim_emergency(item.content_id, self.clock.now())
        deadline = min(self._deadline(step.deadline + schedule.FIT_TOLERANCE),
                       time.monotonic() + item.duration_ms / 1000 + FILE_GRACE_S)
        status = self._perform(Request(
            event=self._item_event(item), level=ladder.level_of(item.kind, item.level), title=item.title,
            start=lambda: self.player.play_file(path, item.duration_ms, self.volume), deadline_mono=deadline))
        if claimed and item.content_id is not None:
            self.ledger.set_emergency(item.content_id, status, self.clock.now())

    def _play_relay(self, step: schedule.PlayRelay) -> None:
        item = step.item
        assert item.stream_url is not None
        url = self.resolve_url(item.stream_url)
        self.ledger.mark_done(step.slot.key, item.key, "playing", self.clock.now())
        remaining_ms = int((step.until - self.clock.now()).total_seconds() * 1000)
        self._perform(Request(
            event=self._item_event(item), level=ladder.RELAY, title=item.title or "Tiếp sóng",
            start=lambda: self.player.play_stream(url, remaining_ms, self.volume),
            deadline_mono=self._deadline(step.until), cut_is_normal=True, early_end_fails=True))

    def _fill(self, step: schedule.Fill) -> None:
        filler = self._filler()
        if filler is None:
            self._wake.wait(IDLE_MAX_S)
            return
        item, path = filler
        log.info("Phát nhạc đệm dự phòng đến %s: %s", step.until.astimezone(self.tz).strftime("%H:%M:%S"),
                 step.reason)
        status = self._perform(Request(
            event={**self._item_event(item, source="fallback"), "kind": "filler", "content_id": None},
            level=ladder.FILLER, title=item.title or "Nhạc đệm",
            start=lambda: self.player.play_file(path, item.duration_ms, self.volume),
            deadline_mono=self._deadline(step.until), cut_is_normal=True))
        if status == "failed":
            self._fill_broken_until = time.monotonic() + FILL_RETRY_S

    # ------------------------------------------------------------ specials

    def _slot_now(self) -> Slot | None:
        now = self.clock.now()
        slots, _ = self._context()
        return next((s for s in slots if s.starts_at <= now < s.ends_at and not s.template), None)

    def _play_special(self, special: Special) -> None:
        is_emergency = special.source == "emergency"
        if is_emergency:
            if special.content_id in self._ended:
                return
            self.ledger.set_emergency(special.content_id, "playing", self.clock.now())
            slot = self._slot_now()
            if slot is not None:
                # The server also puts the emergency into today's playlist: not twice in this slot.
                self.ledger.mark_done(slot.key, f"content:{special.content_id}#0", "emergency", self.clock.now())
            log.warning("KHẨN CẤP: phát tin %r (mã %d)", special.title, special.content_id)
        if is_emergency and not special.tone_in_audio:
            with self._lock:
                self._current_special = special
            tone_status = self._perform(Request(
                event={"kind": "alert", "content_id": None, "source": "emergency"}, level=ladder.EMERGENCY,
                title="Chuông báo khẩn cấp", start=lambda: self.player.play_file(self.tone_path, self.tone_ms,
                                                                                 self.volume),
                deadline_mono=time.monotonic() + self.tone_ms / 1000 + FILE_GRACE_S, special=special))
            if special.content_id in self._ended or self._stopping.is_set():
                self._finish_special(special, "ended" if special.content_id in self._ended else tone_status)
                return
        with self._lock:
            self._current_special = special
        status = self._perform(Request(
            event={"kind": "content", "content_id": special.content_id, "source": special.source},
            level=special.level, title=special.title,
            start=lambda: self.player.play_file(special.path, special.duration_ms, self.volume),
            deadline_mono=time.monotonic() + special.duration_ms / 1000 + FILE_GRACE_S, special=special))
        self._finish_special(special, "ended" if special.content_id in self._ended else status)

    def _finish_special(self, special: Special, state: str) -> None:
        with self._lock:
            self._current_special = None
        if special.source == "emergency":
            self.ledger.set_emergency(special.content_id, state, self.clock.now())
            log.warning("Tin khẩn cấp %r: %s", special.title, state)

    # ------------------------------------------------------------ on air

    def _interrupt_reason(self, request: Request, context: list[Any]) -> str | None:
        if self._stopping.is_set():
            return "tác tử dừng"
        special = request.special
        with self._lock:
            if special is not None and special.source == "emergency" and special.content_id in self._ended:
                return "máy chủ đã kết thúc tin khẩn cấp"
            waiting = self._specials[0] if self._specials else None
        if waiting is not None and ladder.interrupts(waiting.level, request.level):
            what = "tin khẩn cấp" if waiting.source == "emergency" else "lệnh phát ngay"
            return f"nhường cho {what} {waiting.title!r}"
        if request.level < ladder.RELAY and time.monotonic() >= context[0]:
            context[0] = time.monotonic() + PREEMPT_CHECK_S
            slots, done = self._context()
            due = schedule.preempting(slots, done, self.clock.now(), request.level)
            if due is not None:
                return f"nhường cho tiếp sóng {due[1].title!r} đúng giờ"
        return None

    def _perform(self, request: Request) -> str:
        """Put one sound on air until it ends or must stop; record it; return its final status."""
        started_at, mono0 = self.clock.now().astimezone(self.tz), time.monotonic()
        event = make_event(started_at=started_at, duration_ms=0, status="interrupted", **request.event)
        self.outbox.begin(event)
        on_air = OnAirItem(event["event_id"], event["kind"], event["content_id"], request.title, started_at,
                           request.level, event["source"])
        with self._lock:
            self._current = on_air
        log.info("Đang phát: %r (%s)", request.title, event["kind"])
        playback = request.start()
        status, error = "played", None
        last_progress, context = mono0, [mono0 + PREEMPT_CHECK_S]
        while True:
            outcome = playback.poll()
            if outcome is not None:
                if not outcome.ok:
                    status, error = "failed", outcome.error
                elif request.early_end_fails:
                    status, error = "failed", "luồng tiếp sóng kết thúc trước giờ"
                break
            now_mono = time.monotonic()
            if request.deadline_mono is not None and now_mono >= request.deadline_mono:
                playback.stop()
                if not request.cut_is_normal:
                    status, error = "interrupted", "hết giờ của mục hoặc của khung giờ"
                break
            reason = self._interrupt_reason(request, context)
            if reason is not None:
                playback.stop()
                status, error = "interrupted", reason
                break
            if now_mono - last_progress >= self.progress_interval_s:
                self.outbox.progress(event["event_id"], int((now_mono - mono0) * 1000))
                last_progress = now_mono
            self._wake.wait(TICK_S)
            self._wake.clear()
        duration_ms = int((time.monotonic() - mono0) * 1000)
        self.outbox.finish(event["event_id"], status=status, duration_ms=duration_ms, error=error)
        with self._lock:
            self._current = None
        line = "Xong: %r, %s, %.1f giây" + (f" ({error})" if error else "")
        (log.warning if status == "failed" else log.info)(line, request.title, status, duration_ms / 1000)
        return status
