"""A day's playlist as the agent sees it: parsed once from the server's JSON (docs/devices.md).

Item keys identify an item inside its slot across republished versions of the playlist (the
server renumbers positions and shifts start times when it inserts an emergency): the item's kind,
what it plays and its occurrence among equal items of the slot. What already played is remembered
by (slot key, item key), so a new version never replays it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from agent.clock import parse_instant

FILE_KINDS = frozenset({"content", "intro", "outro", "filler"})


class PlaylistError(ValueError):
    """The server's playlist JSON does not have the expected shape."""


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    content_id: int | None
    title: str
    level: str
    starts_at: datetime
    duration_ms: int
    audio_url: str | None = None
    sha256: str | None = None
    ext: str | None = None
    stream_url: str | None = None
    relay_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(milliseconds=self.duration_ms)

    @property
    def media_name(self) -> str | None:
        """The cached file's name (`{sha256}.{ext}`), for items that play a file."""
        if self.sha256 is None:
            return None
        return f"{self.sha256}.{self.ext or 'mp3'}"


@dataclass(frozen=True)
class Slot:
    name: str
    starts_at: datetime
    ends_at: datetime
    items: tuple[Item, ...]
    # A stand-in made from another day's slot times when the day has no playlist (fallback only).
    template: bool = False

    @property
    def key(self) -> str:
        return self.starts_at.isoformat()


@dataclass(frozen=True)
class DayPlaylist:
    cluster_id: int
    day: date
    version: int
    slots: tuple[Slot, ...]

    def media(self) -> dict[str, Item]:
        """Every file the day needs, by sha256 (one item per file, the first one)."""
        found: dict[str, Item] = {}
        for slot in self.slots:
            for item in slot.items:
                if item.sha256 and item.audio_url:
                    found.setdefault(item.sha256, item)
        return found


def _time(raw: Any, what: str) -> datetime:
    try:
        return parse_instant(raw, what)
    except ValueError as exc:
        raise PlaylistError(str(exc)) from exc


def _opt_int(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _opt_str(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def item_identity(kind: str, content_id: int | None, sha256: str | None, relay_id: int | None,
                  stream_url: str | None) -> str:
    if kind == "relay":
        return f"relay:{relay_id if relay_id is not None else stream_url}"
    if content_id is not None:
        return f"{kind}:{content_id}"
    return f"{kind}:{sha256}"


def parse_slot(raw: Any) -> Slot:
    if not isinstance(raw, dict):
        raise PlaylistError("khung giờ không phải đối tượng JSON")
    starts_at, ends_at = _time(raw.get("starts_at"), "khung giờ"), _time(raw.get("ends_at"), "khung giờ")
    seen: dict[str, int] = {}
    items: list[Item] = []
    for it in raw.get("items") or []:
        if not isinstance(it, dict):
            raise PlaylistError("mục phát không phải đối tượng JSON")
        kind = str(it.get("kind") or "content")
        duration = it.get("duration_ms")
        if not isinstance(duration, int) or isinstance(duration, bool) or duration < 0:
            raise PlaylistError(f"mục phát {it.get('title')!r}: duration_ms không hợp lệ")
        content_id, relay_id = _opt_int(it.get("content_id")), _opt_int(it.get("relay_id"))
        sha256, stream_url = _opt_str(it.get("sha256")), _opt_str(it.get("stream_url"))
        identity = item_identity(kind, content_id, sha256, relay_id, stream_url)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        items.append(Item(
            key=f"{identity}#{occurrence}", kind=kind, content_id=content_id,
            title=str(it.get("title") or ""), level=str(it.get("level") or "normal"),
            starts_at=_time(it.get("starts_at"), "mục phát"), duration_ms=duration,
            audio_url=_opt_str(it.get("audio_url")), sha256=sha256, ext=_opt_str(it.get("ext")),
            stream_url=stream_url, relay_id=relay_id))
    return Slot(name=str(raw.get("name") or ""), starts_at=starts_at, ends_at=ends_at, items=tuple(items))


def parse_playlist(data: Any) -> DayPlaylist:
    if not isinstance(data, dict):
        raise PlaylistError("danh sách phát không phải đối tượng JSON")
    try:
        day = date.fromisoformat(str(data.get("date")))
    except ValueError as exc:
        raise PlaylistError(f"ngày không hợp lệ {data.get('date')!r}") from exc
    cluster_id, version = _opt_int(data.get("cluster_id")), _opt_int(data.get("version"))
    if cluster_id is None or version is None:
        raise PlaylistError("thiếu cluster_id hoặc version")
    slots = tuple(sorted((parse_slot(s) for s in data.get("slots") or []), key=lambda s: s.starts_at))
    return DayPlaylist(cluster_id=cluster_id, day=day, version=version, slots=slots)
