"""Builders for playlist tests: real MP3 files in a real media store, approved content rows.

Content is written straight into the campaigns tables in the state approval leaves it in
(an approved airing revision with audio), because these tests are about what playlists do with
approved content, not about the approval workflow.
"""

import subprocess
from datetime import date, time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from campaigns.models import Campaign, CampaignArea, Content, ContentArea, ContentRevision
from core.db import saved_id, session_scope
from core.tasks import Task, wait
from core.timeutil import now_utc
from media.store import MediaStore
from playlists.models import SlotTemplateRow
from playlists.slot_times import AudioRef

_CACHE: dict[tuple[float, int], tuple[bytes, str]] = {}


def make_mp3(store: MediaStore, seconds: float, freq: int = 440) -> AudioRef:
    """A real MP3 of `seconds` of sine tone, stored by hash; its measured duration in ms."""
    key = (seconds, freq)
    if key not in _CACHE:
        tmp = store.tmp_dir() / f"gen-{seconds}-{freq}.mp3"
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
             "-i", f"sine=frequency={freq}:duration={seconds}:sample_rate=22050", "-ac", "1", "-b:a", "48k",
             str(tmp)], check=True, timeout=60)
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                str(tmp)], check=True, capture_output=True, text=True, timeout=60)
        _CACHE[key] = (tmp.read_bytes(), probe.stdout.strip())
        tmp.unlink()
    data, duration = _CACHE[key]
    tmp = store.tmp_dir() / f"copy-{seconds}-{freq}.mp3"
    tmp.write_bytes(data)
    stored = store.put(tmp, "mp3")
    return AudioRef(stored.sha256, "mp3", round(float(duration) * 1000))


def add_campaign(engine: Engine, name: str, area_ids: list[int], *, target_minutes_per_week: float | None = None,
                 starts_on: date = date(2020, 1, 1), ends_on: date = date(2030, 12, 31)) -> int:
    with session_scope(engine) as s:
        c = Campaign(name=name, starts_on=starts_on, ends_on=ends_on, target_minutes_per_week=target_minutes_per_week)
        s.add(c)
        s.flush()
        for area_id in area_ids:
            s.add(CampaignArea(campaign_id=saved_id(c), area_id=area_id))
        return saved_id(c)


def add_content(engine: Engine, title: str, area_ids: list[int], audio: AudioRef | None, *,
                level: str = "normal", campaign_id: int | None = None, valid_from: date = date(2020, 1, 1),
                valid_until: date = date(2030, 12, 31), status: str = "approved") -> int:
    """An approved content item with its airing revision (or a draft when status='draft')."""
    with session_scope(engine) as s:
        content = Content(title=title, level=level, valid_from=valid_from, valid_until=valid_until,
                          status=status, campaign_id=campaign_id)
        s.add(content)
        s.flush()
        rev = ContentRevision(
            content_id=saved_id(content), title=title, body=title, level=level, valid_from=valid_from,
            valid_until=valid_until, status=status, decided_at=now_utc() if status == "approved" else None,
            audio_sha256=audio.sha256 if audio else None, audio_ext=audio.ext if audio else None,
            audio_duration_ms=audio.duration_ms if audio else None,
        )
        s.add(rev)
        s.flush()
        for area_id in area_ids:
            s.add(ContentArea(revision_id=saved_id(rev), area_id=area_id, content_id=saved_id(content)))
        content.latest_revision_id = rev.id
        if status == "approved":
            content.airing_revision_id = rev.id
        s.add(content)
        return saved_id(content)


def withdraw_content(engine: Engine, content_id: int) -> None:
    with session_scope(engine) as s:
        content = s.get(Content, content_id)
        assert content is not None
        content.status = "archived"
        content.airing_revision_id = None
        s.add(content)


def add_slot(engine: Engine, area_id: int, name: str, start: time, minutes: int, **extra) -> int:
    with session_scope(engine) as s:
        row = SlotTemplateRow(area_id=area_id, name=name, start_time=start, duration_minutes=minutes, **extra)
        s.add(row)
        s.flush()
        return saved_id(row)


def media_store(settings) -> MediaStore:
    settings.ensure_dirs()
    return MediaStore(settings.media_dir)


def mp3_path(store: MediaStore, ref: AudioRef) -> Path:
    return store.path_for(ref.sha256, ref.ext)


def wait_tasks(engine: Engine, func: str) -> None:
    """Wait for every task of this function queued so far (e.g. "playlists.tasks:rebuild_areas"): all end done."""
    with Session(engine) as s:
        ids = [saved_id(t) for t in s.exec(select(Task).where(Task.func == func).order_by(col(Task.id)))]
    for task_id in ids:
        assert wait(engine, task_id, timeout=60).status == "done"
