"""The forms a published playlist is handed out in: JSON, an HLS-tagged M3U8, a zip bundle, and one
continuous programme file per slot.

All forms are rendered from the stored playlist (its plan's slots and its item rows); audio is
addressed by content hash (`/media/{sha256}.{ext}`), so a URL never changes meaning and a device can
check every byte it downloaded. Relay items (kind "relay") are live streams: the JSON gives their
`stream_url` and `relay_id` (no audio URL, no hash), the M3U8 lists the stream URL at its time, and
the bundle and the programme file leave them out (the bundle's manifest says so, `not_in_bundle`).
"""

import hashlib
import json
import math
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.db import table_of
from core.errors import Invalid, NotFound
from core.timeutil import now_utc
from media.store import MediaStore, atomic_output, media_url
from playlists.models import IS_CURRENT, Playlist, PlaylistItem, PlaylistPlan, Programme
from playlists.planner import REASON_LABELS

M3U8_MEDIA_TYPE = "application/vnd.apple.mpegurl"
AUDIO_MEDIA_TYPES = {
    "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg",
    "m4a": "audio/mp4", "aac": "audio/aac", "flac": "audio/flac",
}


def audio_media_type(ext: str) -> str:
    return AUDIO_MEDIA_TYPES.get(ext.lower(), "application/octet-stream")


@dataclass(frozen=True)
class PlaylistView:
    playlist: Playlist
    slots: list[dict]  # from the plan: index, slot_id, name, starts_at, ends_at, unused_ms
    left_out: list[dict]
    items: list[PlaylistItem]

    def items_of(self, slot_index: int) -> list[PlaylistItem]:
        return [it for it in self.items if it.slot_index == slot_index]

    def files_of(self, slot_index: int | None = None) -> list[PlaylistItem]:
        """Items with an audio file (all but relays), of one slot or of the day."""
        items = self.items if slot_index is None else self.items_of(slot_index)
        return [it for it in items if it.sha256 and it.ext]


def load_view(session: Session, cluster_id: int, day: date) -> PlaylistView:
    playlist = session.exec(select(Playlist).where(Playlist.cluster_id == cluster_id, Playlist.day == day,
                                                   IS_CURRENT)).first()
    if playlist is None:
        raise NotFound("danh sách phát", f"cụm {cluster_id}, ngày {day:%d/%m/%Y}")
    items = list(session.exec(select(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id)
                              .order_by(col(PlaylistItem.slot_index), col(PlaylistItem.position))))
    plan = session.get(PlaylistPlan, playlist.inputs_hash)
    if plan is not None:
        slots, left_out = list(plan.slots), list(plan.left_out)
    else:  # a plan row pruned or lost: the items still carry their slots
        slots, left_out = _slots_from_items(items), []
    return PlaylistView(playlist, slots, left_out, items)


def current_etag(session: Session, cluster_id: int, day: date) -> str | None:
    """The current playlist's ETag alone (one indexed row): enough to answer a device's If-None-Match with a
    304 without loading the items and the plan, which is what most playlist GETs of the morning rush get."""
    return session.exec(select(Playlist.etag).where(Playlist.cluster_id == cluster_id, Playlist.day == day,
                                                    IS_CURRENT)).first()


def _slots_from_items(items: list[PlaylistItem]) -> list[dict]:
    seen: dict[int, dict] = {}
    for it in items:
        seen.setdefault(it.slot_index, {"index": it.slot_index, "slot_id": None, "name": it.slot_name,
                                         "starts_at": it.slot_starts_at.isoformat(),
                                         "ends_at": it.slot_ends_at.isoformat(), "unused_ms": None})
    return [seen[k] for k in sorted(seen)]


def quoted_etag(view: PlaylistView, suffix: str = "") -> str:
    return f'"{view.playlist.etag}{suffix}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match header value."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


# ---------------------------------------------------------------------------- JSON


def _local(value: str | datetime, tz: tzinfo) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(tz).isoformat()


def item_url(it: PlaylistItem, base: str) -> str:
    """What a player opens for the item: its audio file, or a relay's live stream."""
    if it.sha256 and it.ext:
        return base + media_url(it.sha256, it.ext)
    return it.stream_url or ""


def playlist_json(view: PlaylistView, tz: tzinfo, base_url: str) -> dict:
    base = base_url.rstrip("/")
    p = view.playlist
    slots = []
    for s in view.slots:
        items = [{
            "position": it.position, "kind": it.kind, "content_id": it.content_id, "revision_id": it.revision_id,
            "title": it.title, "campaign_id": it.campaign_id, "level": it.level,
            "starts_at": _local(it.starts_at, tz), "duration_ms": it.duration_ms,
            "audio_url": base + media_url(it.sha256, it.ext) if it.sha256 and it.ext else None,
            "sha256": it.sha256, "ext": it.ext, "relay_id": it.relay_id, "stream_url": it.stream_url,
        } for it in view.items_of(s["index"])]
        slots.append({
            "index": s["index"], "name": s["name"], "starts_at": _local(s["starts_at"], tz),
            "ends_at": _local(s["ends_at"], tz), "unused_ms": s.get("unused_ms"),
            "programme_url": (f"{base}/api/v1/clusters/{p.cluster_id}/playlists/{p.day.isoformat()}"
                              f"/programme/{s['index']}.mp3") if view.files_of(s["index"]) else None,
            "items": items,
        })
    return {"cluster_id": p.cluster_id, "date": p.day.isoformat(), "version": p.version, "etag": p.etag,
            "built_at": _local(p.built_at, tz), "slots": slots}


def explanation_json(view: PlaylistView) -> dict:
    return {"cluster_id": view.playlist.cluster_id, "date": view.playlist.day.isoformat(),
            "version": view.playlist.version,
            "left_out": [{"content_id": lo["content_id"], "reason": lo["reason"],
                          "label": REASON_LABELS.get(lo["reason"], lo["reason"])} for lo in view.left_out],
            "unused_ms": {s["index"]: s.get("unused_ms") for s in view.slots}}


# ---------------------------------------------------------------------------- M3U8


def _extinf_title(title: str) -> str:
    return " ".join(title.replace(",", " ").split())


def m3u8(view: PlaylistView, tz: tzinfo, base_url: str, slot_index: int | None = None) -> str:
    """An extended M3U with HLS VOD tags: ffmpeg, mpv and VLC play a remote list of MP3s only with them.

    Absolute item URLs (a player resolves nothing relative to an authenticated list; a relay's
    is its live stream, for the item's duration); EXT-X-PROGRAM-DATE-TIME gives each item's
    wall-clock start, and slots are separated by EXT-X-DISCONTINUITY.
    """
    base = base_url.rstrip("/")
    items = view.items if slot_index is None else view.items_of(slot_index)
    target = max((math.ceil(it.duration_ms / 1000) for it in items), default=1)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{max(1, target)}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    previous_slot: int | None = None
    for it in items:
        if previous_slot is not None and it.slot_index != previous_slot:
            lines.append("#EXT-X-DISCONTINUITY")
        previous_slot = it.slot_index
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{it.starts_at.astimezone(tz).isoformat(timespec='milliseconds')}")
        lines.append(f"#EXTINF:{it.duration_ms / 1000:.3f},{_extinf_title(it.title)}")
        lines.append(item_url(it, base))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- bundle


NOT_BUNDLED_REASON = "Tiếp sóng trực tiếp: phát từ địa chỉ luồng, không có tệp trong gói."


def bundle_manifest(view: PlaylistView, tz: tzinfo, base_url: str) -> dict:
    """The playlist JSON, and which items the bundle holds no file for (relays: live streams) and why."""
    manifest = playlist_json(view, tz, base_url)
    manifest["not_in_bundle"] = [
        {"slot_index": it.slot_index, "position": it.position, "kind": it.kind, "relay_id": it.relay_id,
         "title": it.title, "stream_url": it.stream_url, "starts_at": _local(it.starts_at, tz),
         "duration_ms": it.duration_ms, "reason": NOT_BUNDLED_REASON}
        for it in view.items if not (it.sha256 and it.ext)]
    return manifest


def write_bundle(view: PlaylistView, manifest: dict, store: MediaStore, out_path: Path) -> None:
    """A zip of manifest.json and every audio file, named `{sha256}.{ext}` (stored, not deflated: MP3
    does not compress); relays have no file. Missing audio is an error: a bundle is complete or not made."""
    files: dict[str, Path] = {}
    for it in view.files_of():
        assert it.sha256 is not None and it.ext is not None
        path = store.path_for(it.sha256, it.ext)
        if not path.is_file():
            raise NotFound("tệp âm thanh", f"{it.sha256}.{it.ext}")
        files[f"{it.sha256}.{it.ext}"] = path
    with atomic_output(out_path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name in sorted(files):
            zf.write(files[name], arcname=name)


# ---------------------------------------------------------------------------- programme files

_programme_locks: dict[str, threading.Lock] = {}
_programme_guard = threading.Lock()


def programme_key(items: list[PlaylistItem]) -> str:
    """Programmes are cached by the sequence of their files (pass items with audio)."""
    from media.encode import EncodeSpec

    spec = EncodeSpec()
    parts = [f"{it.sha256}.{it.ext}" for it in items]
    return hashlib.sha256(f"programme:{spec}:{'|'.join(parts)}".encode()).hexdigest()


def programme_file(session: Session, store: MediaStore, view: PlaylistView, slot_index: int) -> tuple[str, Path]:
    """One continuous MP3 of a slot's items with audio (joined by media.join.concat_programme; relays, being
    live streams, are left out), made once and cached in the media store under its own hash; returns
    (sha256, path)."""
    items = view.files_of(slot_index)
    if not any(s["index"] == slot_index for s in view.slots):
        raise NotFound("khung giờ trong danh sách phát", slot_index)
    if not items:
        raise Invalid("Khung giờ này không có tệp âm thanh nào để ghép thành chương trình "
                      "(khung giờ trống, hoặc chỉ có tiếp sóng trực tiếp).")
    key = programme_key(items)
    with _programme_guard:
        lock = _programme_locks.setdefault(key, threading.Lock())
    with lock:
        cached = session.get(Programme, key)
        if cached is not None:
            path = store.path_for(cached.sha256, cached.ext)
            if path.is_file():
                return cached.sha256, path
        paths = []
        for it in items:
            assert it.sha256 is not None and it.ext is not None
            path = store.path_for(it.sha256, it.ext)
            if not path.is_file():
                raise NotFound("tệp âm thanh", f"{it.sha256}.{it.ext}")
            paths.append(path)
        from media.ffmpeg import MediaError
        from media.join import concat_programme

        out = store.tmp_dir() / f"programme-{key}.mp3"
        try:
            concat_programme(paths, out)
        except MediaError as exc:
            raise Invalid(f"Không ghép được chương trình của khung giờ: {exc}") from exc
        stored = store.put(out, "mp3")
        table = table_of(Programme)
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(table).values(key=key, sha256=stored.sha256, ext=stored.ext, created_at=now_utc())
                        .on_conflict_do_update(index_elements=["key"],
                                               set_={"sha256": stored.sha256, "ext": stored.ext}))
        return stored.sha256, stored.path
