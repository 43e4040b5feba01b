"""Audio for approved content: the render task, and the "content_changed" event it leads to.

Approval records a task (core.tasks) that renders the revision's text through the speech
pipeline with the deployment's voice settings and the pronunciation overrides of its areas. The voice
is the revision's own, else the one of its areas (the deepest area all targets share, inherited down the
tree: core.areas.area_voice), else the deployment's default (LOAXA_TTS_VOICE).
The task never holds a database transaction while it synthesizes: it reads the job, renders,
then records the audio (or the error, which the content shows until a retry succeeds) in a
second short transaction. When the audio of an airing revision is ready, `content_changed`
publishes the event of that name (core.events; campaigns does not import playlists, which
subscribes to it).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from campaigns import speech
from campaigns.models import (
    AudioSource,
    Content,
    ContentArea,
    ContentEvent,
    ContentRevision,
    ContentStatus,
    RenderStatus,
)
from core import events
from core.areas import Area
from core.config import Settings
from core.db import saved_id, session_scope
from core.levels import ContentLevel
from core.tasks import Task, TaskContext, TaskStatus, submit
from core.timeutil import now_utc
from media.store import MediaStore
from tts.config import normalize_options, render_settings
from tts.normalizer import normalize

log = logging.getLogger(__name__)

RENDER_TASK = "campaigns.render:render_revision"
SYSTEM_USERNAME = "loaxa"
# What a render task needs of the settings (tasks may run in another process: RQ workers).
SETTINGS_KEYS = ("data_dir", "tts_engine", "tts_voice", "tts_rate_wpm", "tts_profile", "tts_target_lufs",
                 "tts_true_peak_dbtp", "tts_lead_in_ms", "tts_zero_tens", "tts_thousand", "timezone")

Progress = Callable[[int, int], None]


def settings_payload(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(mode="json", include=set(SETTINGS_KEYS))
    data["data_dir"] = str(settings.data_dir.resolve())
    return data


def queue_render(session: Session, rev: ContentRevision, *, settings: Settings, created_by: int | None) -> Task:
    task = submit(session, RENDER_TASK, title=f"Tạo âm thanh: {rev.title}",
                  kwargs={"revision_id": rev.id, "settings": settings_payload(settings)}, created_by=created_by)
    rev.render_status, rev.render_error, rev.render_task_id = RenderStatus.queued, None, task.id
    session.add(rev)
    session.flush()
    return task


def render_running(session: Session, rev: ContentRevision) -> bool:
    if rev.render_status != RenderStatus.queued or rev.render_task_id is None:
        return False
    task = session.get(Task, rev.render_task_id)
    return task is not None and task.status in (TaskStatus.queued, TaskStatus.running)


def content_changed(session: Session, content_id: int, *, reason: str) -> None:
    """Announce that what airs of this content changed (approved with audio, new audio, archived):
    the "content_changed" event, which raises if nothing subscribed to it (core.events)."""
    events.publish(events.CONTENT_CHANGED, session=session, content_id=content_id, reason=reason)


# --- the task ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    revision_id: int
    content_id: int
    text: str
    lexicon: dict[str, str]
    emergency: bool  # framed with the alert tone and read twice (campaigns.speech)
    voice: str | None  # an installed voice's name; None: the deployment's default


def render_revision(ctx: TaskContext, *, revision_id: int, settings: dict[str, Any]) -> dict[str, Any]:
    """Task: render one revision's audio and record it (or the error) on the revision."""
    cfg = Settings(**settings)
    with session_scope(ctx.engine) as session:
        job = _prepare(session, revision_id)
    if job is None:
        return {"skipped": True}
    try:
        result = _synthesize(job, cfg, ctx.progress)
    except Exception as exc:  # recorded on the content for the operator, then re-raised for the task row
        with session_scope(ctx.engine) as session:
            _record_failure(session, revision_id, exc)
        raise
    with session_scope(ctx.engine) as session:
        _record_success(session, revision_id, result, notify=True, text=job.text, voice=job.voice)
    return {"sha256": result.sha256, "duration_ms": result.duration_ms, "engine": result.engine_used,
            "cache_hit": result.cache_hit}


def render_now(session: Session, revision_id: int, settings: Settings, *, progress: Progress | None = None,
               notify: bool = False, at: datetime | None = None):
    """Render in the caller's transaction (the demo, the CLI); returns the pipeline's result or None.
    `at` (default now) is recorded as the render time (the demo's past editorial history)."""
    job = _prepare(session, revision_id)
    if job is None:
        return None
    try:
        result = _synthesize(job, settings, progress)
    except Exception as exc:
        _record_failure(session, revision_id, exc)
        raise
    _record_success(session, revision_id, result, notify=notify, at=at, text=job.text, voice=job.voice)
    return result


def _prepare(session: Session, revision_id: int) -> _Job | None:
    rev = session.get(ContentRevision, revision_id)
    if rev is None:
        log.warning("render: revision %s no longer exists", revision_id)
        return None
    if rev.audio_source == AudioSource.recording:
        return None  # a human recording arrived meanwhile: it wins
    areas = list(session.exec(select(Area).join(ContentArea, col(ContentArea.area_id) == Area.id)
                              .where(ContentArea.revision_id == revision_id).order_by(col(Area.id))))
    emergency = rev.level == ContentLevel.emergency
    return _Job(revision_id=saved_id(rev), content_id=rev.content_id,
                text=speech.text_to_read(rev.title, rev.body, emergency=emergency),
                lexicon=speech.lexicon_for(session, areas), emergency=emergency,
                voice=speech.voice_for(session, rev.voice, areas))


def _synthesize(job: _Job, cfg: Settings, progress: Progress | None):
    # Imported here: the speech pipeline pulls in the engines, which only render workers need.
    from tts.pipeline import render

    spoken = normalize(job.text, lexicon=job.lexicon, options=normalize_options(cfg))
    return render(spoken, settings=render_settings(cfg, voice=job.voice, alert_tone=job.emergency),
                  store=MediaStore(cfg.media_dir), progress=progress)


def _record_success(session: Session, revision_id: int, result: Any, *, notify: bool, text: str,
                    voice: str | None = None, at: datetime | None = None) -> None:
    rev = session.get(ContentRevision, revision_id)
    if rev is None or rev.audio_source == AudioSource.recording:
        return
    if speech.text_to_read(rev.title, rev.body, emergency=rev.level == ContentLevel.emergency) != text:
        log.info("render of revision %s is for words edited since: not recorded", revision_id)
        return
    if rev.voice is not None and rev.voice != voice:
        log.info("render of revision %s is for a voice changed since: not recorded", revision_id)
        return
    rev.audio_sha256, rev.audio_ext, rev.audio_duration_ms = result.sha256, result.ext, result.duration_ms
    rev.audio_source, rev.audio_engine = AudioSource.tts, str(result.engine_used)[:64]
    rev.spoken_text = result.spoken_text
    at = at or now_utc()
    rev.render_status, rev.render_error, rev.rendered_at = RenderStatus.ready, None, at
    session.add(rev)
    session.add(ContentEvent(content_id=rev.content_id, revision_id=rev.id, at=at, username=SYSTEM_USERNAME,
                             action="render_done"))
    session.flush()
    content = session.get(Content, rev.content_id)
    if notify and content is not None and content.airing_revision_id == rev.id \
            and content.status != ContentStatus.archived:
        content_changed(session, rev.content_id, reason="audio ready")


def _record_failure(session: Session, revision_id: int, exc: Exception) -> None:
    message = (getattr(exc, "message", None) or str(exc) or exc.__class__.__name__)[:1900]
    log.warning("render of revision %s failed: %s", revision_id, message)
    rev = session.get(ContentRevision, revision_id)
    if rev is None:
        return
    rev.render_status, rev.render_error = RenderStatus.failed, f"Lỗi tạo âm thanh: {message}"
    session.add(rev)
    session.add(ContentEvent(content_id=rev.content_id, revision_id=rev.id, username=SYSTEM_USERNAME,
                             action="render_failed", reason=rev.render_error))
    session.flush()
