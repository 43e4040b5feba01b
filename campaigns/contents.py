"""The content workflow: draft -> submitted -> approved | rejected, revisions, archive, audit trail.

Long on purpose: the workflow's states, its guards (scope, four eyes) and its audit trail are one state
machine; the read shapes at the end share its helpers.

Rules:
- operators (and admins) write, submit, withdraw and archive content whose target areas are all
  inside their subtree; approvers (and admins) approve and reject inside theirs; supervisors read.
- four eyes: nobody approves content they created, revised or submitted (403).
- a transition from the wrong state is a 409 (approving a draft, approving twice).
- approved text is immutable: editing it makes a new revision; the approved one keeps airing
  until the new one is approved, then it is `superseded`.
- submission queues the audio render (campaigns.render) unless the revision already has audio
  (a human recording, or the same words as the revision it replaces): the approver hears what will
  air, and approval airs exactly that file (an approval naming the audio it heard is refused if the
  audio changed since). An edit of the words drops the synthesized audio; the next submission renders
  again. Approval renders only what is still missing (a failed render).
Every change is one ContentEvent row: who, when, from which status to which, why.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from campaigns import emergencies, render, speech
from campaigns.campaigns import campaign_areas
from campaigns.campaigns import can_read as can_read_campaign
from campaigns.models import (
    KIND_LABELS,
    STATUS_LABELS,
    AudioSource,
    Campaign,
    Content,
    ContentArea,
    ContentEvent,
    ContentKind,
    ContentRevision,
    ContentStatus,
    RenderStatus,
    RevisionStatus,
)
from campaigns.schemas import (
    AiringPublic,
    AudioPublic,
    ContentCreate,
    ContentEventPublic,
    ContentPublic,
    ContentSummary,
    ContentUpdate,
    RenderPublic,
    RevisionPublic,
)
from campaigns.scope import filter_scopes, load_areas, overlap_condition, require_within
from campaigns.search import fold, search_text
from core import events as core_events
from core.areas import Area, is_within
from core.db import replace_rows, saved_id
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.levels import CONTENT_LEVEL_LABELS, ContentLevel
from core.timeutil import as_utc, local_today, now_utc
from core.users import Principal
from media.store import media_url

log = logging.getLogger(__name__)

REVISION_FIELDS = ("title", "body", "level", "valid_from", "valid_until", "ends_at", "voice")
CONTENT_FIELDS = ("campaign_id", "kind", "language", "unit_area_id")


# --- access --------------------------------------------------------------------------------------

def get_content(session: Session, content_id: int, *, actor: Principal) -> Content:
    """The item if the caller may see it (one of its target areas overlaps their subtree), else 404."""
    content = session.get(Content, content_id)
    if content is None or not can_read(session, content, actor):
        raise NotFound("tin, bài", content_id)
    return content


def can_read(session: Session, content: Content, actor: Principal) -> bool:
    if actor.scope is None:
        return True
    query = (select(ContentArea.area_id).join(Area, col(Area.id) == col(ContentArea.area_id))
             .where(ContentArea.content_id == content.id, overlap_condition(actor.scope)))
    return session.exec(query.limit(1)).first() is not None


def latest_revision(session: Session, content: Content) -> ContentRevision:
    rev = session.get(ContentRevision, content.latest_revision_id)
    assert rev is not None, f"content {content.id} has no revision"
    return rev


def revision_areas(session: Session, revision_id: int) -> list[Area]:
    query = (select(Area).join(ContentArea, col(ContentArea.area_id) == col(Area.id))
             .where(ContentArea.revision_id == revision_id).order_by(col(Area.id)))
    return list(session.exec(query))


def _require_writable(session: Session, content: Content, rev: ContentRevision, actor: Principal) -> None:
    """Every target area (and the submitting unit) inside the caller's subtree, or 403."""
    if actor.scope is None:
        return
    require_within(revision_areas(session, saved_id(rev)), actor.scope)
    if content.unit_area_id is not None:
        unit = session.get(Area, content.unit_area_id)
        if unit is not None and not is_within(unit, actor.scope):
            raise Forbidden(f"Tin do {unit.name} cung cấp, nằm ngoài phạm vi được giao.")


def _require_live(content: Content) -> None:
    if content.status == ContentStatus.archived:
        raise Conflict("Tin đã được lưu trữ, không thể thay đổi.")


# --- create and edit ----------------------------------------------------------------------------

def create_content(session: Session, data: ContentCreate, *, actor: Principal, at: datetime | None = None,
                   tz: tzinfo | None = None, voices: Path | None = None) -> Content:
    """A new draft. `at` (default now) is when it was written: the demo records a past editorial history.
    An emergency gets the safe defaults of campaigns.emergencies (explicit areas, today only, an end);
    `tz` (default: the deployment's) is the zone of "today"; `voices` (default: the deployment's) is the folder
    of installed voices a chosen voice must be in."""
    at = at or now_utc()
    tz = tz or _deployment_tz()
    if emergencies.is_emergency(data.level) and not data.area_ids:
        raise Invalid(emergencies.NO_AREAS)
    valid_from, valid_until, ends_at = emergencies.emergency_period(
        level=data.level, valid_from=data.valid_from, valid_until=data.valid_until, ends_at=data.ends_at, tz=tz)
    campaign = _campaign(session, data.campaign_id, actor)
    areas = _target_areas(session, data.area_ids, campaign, actor)
    unit_id = _unit_area_id(session, data.unit_area_id, actor)
    voice = _installed_voice(data.voice, voices)
    content = Content(campaign_id=campaign.id if campaign else None, kind=data.kind, language=data.language,
                      title=data.title, level=data.level, valid_from=valid_from, valid_until=valid_until,
                      ends_at=ends_at, status=ContentStatus.draft, unit_area_id=unit_id,
                      created_by=actor.user_id, created_at=at, updated_at=at)
    session.add(content)
    session.flush()
    rev = ContentRevision(content_id=saved_id(content), number=1, title=data.title, body=data.body, level=data.level,
                          valid_from=valid_from, valid_until=valid_until, ends_at=ends_at, voice=voice,
                          created_by=actor.user_id, created_at=at)
    session.add(rev)
    session.flush()
    _set_areas(session, saved_id(content), saved_id(rev), [saved_id(a) for a in areas])
    content.latest_revision_id = rev.id
    content.search_text = search_text(rev.title, rev.body)
    session.add(content)
    _event(session, content, rev, actor, "created", None, ContentStatus.draft, at=at)
    return content


def update_content(session: Session, content: Content, data: ContentUpdate, *, actor: Principal,
                   tz: tzinfo | None = None, voices: Path | None = None) -> Content:
    """Edit in place while unapproved; on an approved revision, start a new one."""
    _require_live(content)
    emergencies.require_not_ended(content, tz)
    rev = latest_revision(session, content)
    _require_writable(session, content, rev, actor)
    if rev.status == RevisionStatus.submitted:
        raise Conflict("Tin đang chờ duyệt: hãy rút lại (withdraw) trước khi sửa.")
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "body", "level", "valid_from", "valid_until", "kind", "language", "area_ids"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    old_status = content.status

    campaign_changed = "campaign_id" in changes and changes["campaign_id"] != content.campaign_id
    campaign = _campaign(session, changes["campaign_id"], actor) if campaign_changed else \
        (session.get(Campaign, content.campaign_id) if content.campaign_id else None)
    current_areas = revision_areas(session, saved_id(rev))
    new_area_ids: list[int] | None = None
    if "area_ids" in changes or campaign_changed:
        wanted = changes.get("area_ids", [a.id for a in current_areas])
        areas = _target_areas(session, wanted, campaign, actor)
        if [a.id for a in areas] != [a.id for a in current_areas]:
            new_area_ids = [saved_id(a) for a in areas]
    if "unit_area_id" in changes:
        changes["unit_area_id"] = _unit_area_id(session, changes["unit_area_id"], actor)
    if "voice" in changes:
        changes["voice"] = _installed_voice(changes["voice"], voices)
    changes = emergencies.revised_end(rev, changes, tz or _deployment_tz())

    rev_changes = {k: changes[k] for k in REVISION_FIELDS if k in changes and changes[k] != getattr(rev, k)}
    valid_from = rev_changes.get("valid_from", rev.valid_from)
    valid_until = rev_changes.get("valid_until", rev.valid_until)
    if valid_until < valid_from:
        raise Invalid(f"Ngày hết hiệu lực ({valid_until:%d/%m/%Y}) trước ngày bắt đầu hiệu lực "
                      f"({valid_from:%d/%m/%Y}).")
    content_changes = {k: changes[k] for k in CONTENT_FIELDS if k in changes and changes[k] != getattr(content, k)}
    if not rev_changes and new_area_ids is None and not content_changes:
        return content

    previous_campaign_id = content.campaign_id
    for key, value in content_changes.items():
        setattr(content, key, value)
    action = "edited"
    if rev_changes or new_area_ids is not None:
        if rev.status in (RevisionStatus.approved, RevisionStatus.superseded):
            rev = _new_revision(session, content, rev, rev_changes,
                                new_area_ids or [saved_id(a) for a in current_areas], actor)
            action = "revised"
        else:
            text_changed = ("title" in rev_changes or "body" in rev_changes or "voice" in rev_changes
                            or _framing_changed(rev, rev_changes))
            for key, value in rev_changes.items():
                setattr(rev, key, value)
            if text_changed:
                rev.spoken_text = None
                _drop_synthesized_audio(rev)
            rev.status = RevisionStatus.draft
            session.add(rev)
            if new_area_ids is not None:
                _set_areas(session, saved_id(content), saved_id(rev), new_area_ids)
        _mirror(content, rev)
    content.updated_at = now_utc()
    session.add(content)
    session.flush()
    if campaign_changed:
        # The aired totals per campaign follow the content, in this transaction (core.events).
        core_events.publish(core_events.CONTENT_CAMPAIGN_CHANGED, session=session, content_id=saved_id(content),
                            old_campaign_id=previous_campaign_id)
    _event(session, content, rev, actor, action, old_status, content.status)
    return content


def _new_revision(session: Session, content: Content, base: ContentRevision, changes: dict[str, Any],
                  area_ids: list[int], actor: Principal) -> ContentRevision:
    rev = ContentRevision(content_id=saved_id(content), number=base.number + 1, created_by=actor.user_id,
                          **{k: changes.get(k, getattr(base, k)) for k in REVISION_FIELDS})
    if rev.title == base.title and rev.body == base.body and rev.voice == base.voice and base.audio_sha256 \
            and not _framing_changed(base, changes):
        # Same words, same voice: the audio (TTS or recording) still fits and needs no new render.
        rev.spoken_text = base.spoken_text
        rev.audio_sha256, rev.audio_ext = base.audio_sha256, base.audio_ext
        rev.audio_duration_ms, rev.audio_source = base.audio_duration_ms, base.audio_source
        rev.audio_engine, rev.rendered_at = base.audio_engine, base.rendered_at
        rev.render_status = RenderStatus.ready
    session.add(rev)
    session.flush()
    _set_areas(session, saved_id(content), saved_id(rev), area_ids)
    content.latest_revision_id = rev.id
    return rev


def _framing_changed(rev: ContentRevision, changes: dict[str, Any]) -> bool:
    """Whether a level change moves the item into or out of emergency framing (tone, read twice)."""
    if "level" not in changes:
        return False
    return (changes["level"] == ContentLevel.emergency) != (rev.level == ContentLevel.emergency)


def _installed_voice(voice: str | None, voices: Path | None) -> str | None:
    """A voice chosen for an item must be installed (tts.voices); empty means "its areas' voice"."""
    from core.config import get_settings
    from tts.config import voices_dir
    from tts.voices import VoiceError, require_installed

    if not voice:
        return None
    try:
        return require_installed(voices or voices_dir(get_settings()), voice)
    except VoiceError as exc:
        raise Invalid(str(exc)) from exc


def _drop_synthesized_audio(rev: ContentRevision) -> None:
    """New words: the machine's audio no longer fits (a human recording stays until replaced)."""
    if rev.audio_source == AudioSource.recording:
        return
    rev.audio_sha256 = rev.audio_ext = rev.audio_duration_ms = rev.audio_engine = rev.rendered_at = None
    rev.audio_source = None
    rev.render_status, rev.render_error = RenderStatus.none, None


# --- transitions --------------------------------------------------------------------------------

def submit_content(session: Session, content: Content, *, actor: Principal, settings: Any,
                   at: datetime | None = None, render_in_background: bool = True) -> Content:
    """Send the latest revision for approval and queue its audio, so the approver hears it; `at` (default
    now) is when, never before it was written. The demo renders in its own process (render_in_background
    false)."""
    _require_live(content)
    emergencies.require_not_ended(content, settings.tz)
    rev = latest_revision(session, content)
    at = _not_before(at, rev.created_at, "gửi duyệt", "soạn")
    emergencies.require_airable_end(rev, settings.tz)
    _require_writable(session, content, rev, actor)
    if rev.status not in (RevisionStatus.draft, RevisionStatus.rejected):
        raise Conflict(f"Chỉ gửi duyệt được bản nháp hoặc bản bị từ chối (trạng thái hiện tại: "
                       f"{STATUS_LABELS[ContentStatus(content.status)]}).")
    today = local_today(settings.tz)
    if rev.valid_until < today:
        raise Invalid(f"Tin đã hết hiệu lực từ {rev.valid_until:%d/%m/%Y}: hãy sửa thời gian hiệu lực trước khi "
                      "gửi duyệt.")
    areas = revision_areas(session, saved_id(rev))
    # The approver sees how the machine will read it; unreadable text is refused now, not at render.
    rev.spoken_text = speech.spoken_text(speech.text_to_read(rev.title, rev.body,
                                                             emergency=rev.level == ContentLevel.emergency),
                                         lexicon=speech.lexicon_for(session, areas), settings=settings)
    old = content.status
    rev.status, rev.submitted_by, rev.submitted_at = RevisionStatus.submitted, actor.user_id, at
    rev.decided_by = rev.decided_at = rev.reject_reason = None
    content.status = ContentStatus.submitted
    content.first_submitted_at = content.first_submitted_at or rev.submitted_at
    content.updated_at = at
    session.add_all([rev, content])
    _event(session, content, rev, actor, "submitted", old, content.status, at=at)
    if render_in_background and not rev.audio_sha256 and not render.render_running(session, rev):
        render.queue_render(session, rev, settings=settings, created_by=actor.user_id)
        _event(session, content, rev, actor, "render_queued", None, None, at=at)
    return content


def withdraw_content(session: Session, content: Content, *, actor: Principal, reason: str | None = None) -> Content:
    """Take a submission back to draft (to fix it before anyone decides)."""
    _require_live(content)
    rev = latest_revision(session, content)
    _require_writable(session, content, rev, actor)
    if rev.status != RevisionStatus.submitted:
        raise Conflict(f"Chỉ rút lại được tin đang chờ duyệt (trạng thái hiện tại: "
                       f"{STATUS_LABELS[ContentStatus(content.status)]}).")
    rev.status = RevisionStatus.draft
    content.status, content.updated_at = ContentStatus.draft, now_utc()
    session.add_all([rev, content])
    _event(session, content, rev, actor, "withdrawn", ContentStatus.submitted, ContentStatus.draft, reason)
    return content


def _decision_checks(session: Session, content: Content, actor: Principal, verb: str) -> ContentRevision:
    _require_live(content)
    emergencies.require_not_ended(content)
    rev = latest_revision(session, content)
    if actor.scope is not None:
        require_within(revision_areas(session, saved_id(rev)), actor.scope)
    if rev.status != RevisionStatus.submitted:
        raise Conflict(f"Chỉ {verb} được tin đang chờ duyệt (trạng thái hiện tại: "
                       f"{STATUS_LABELS[ContentStatus(content.status)]}).")
    return rev


def approve_content(session: Session, content: Content, *, actor: Principal, settings: Any,
                    render_in_background: bool = True, at: datetime | None = None,
                    heard_sha256: str | None = None) -> Content:
    """Approve the submitted revision; it airs from now on. Its audio is rendered by a task unless
    `render_in_background` is false (the demo renders in the caller's process with campaigns.render.render_now).
    `at` (default now) is the moment of the decision, never before the submission: the demo records
    its content as approved before the week of airtime history it simulates. `heard_sha256`, when
    given, is the audio the approver listened to: approval is refused (409) if the revision's audio is
    no longer that file, so what is approved is exactly what airs."""
    rev = latest_revision(session, content)
    if _wrote(session, content, rev, actor):
        raise Forbidden("Nguyên tắc bốn mắt: không được tự duyệt tin do chính mình soạn, sửa hoặc gửi duyệt.")
    rev = _decision_checks(session, content, actor, "duyệt")
    now = _not_before(at, rev.submitted_at, "duyệt", "gửi duyệt")
    emergencies.require_airable_end(rev, settings.tz, now)
    if heard_sha256 is not None and heard_sha256 != (rev.audio_sha256 or ""):
        raise Conflict("Âm thanh của tin đã thay đổi (hoặc chưa tạo xong) từ lúc bạn nghe: hãy nghe lại rồi duyệt.")
    if content.airing_revision_id is not None and content.airing_revision_id != rev.id:
        old = session.get(ContentRevision, content.airing_revision_id)
        if old is not None:
            old.status = RevisionStatus.superseded
            session.add(old)
    rev.status, rev.decided_by, rev.decided_at = RevisionStatus.approved, actor.user_id, now
    content.airing_revision_id = rev.id
    content.status, content.updated_at = ContentStatus.approved, now
    session.add_all([rev, content])
    session.flush()
    _event(session, content, rev, actor, "approved", ContentStatus.submitted, ContentStatus.approved, at=now)
    if rev.audio_sha256:
        rev.render_status = RenderStatus.ready
        session.add(rev)
        render.content_changed(session, saved_id(content), reason="approved")
    elif render.render_running(session, rev):
        pass  # the render queued on submission airs it when it is done (campaigns.render: "audio ready")
    elif render_in_background:
        render.queue_render(session, rev, settings=settings, created_by=actor.user_id)
        _event(session, content, rev, actor, "render_queued", None, None)
    return content


def _not_before(at: datetime | None, earlier: datetime | None, verb: str, earlier_verb: str) -> datetime:
    """`at` (default now), refused when it would put a step of the audit trail before the one it follows."""
    if at is None:
        return now_utc()
    if earlier is not None and at < as_utc(earlier):
        raise Invalid(f"Thời điểm {verb} không thể trước thời điểm {earlier_verb}.")
    return at


WRITING_ACTIONS = ("created", "edited", "revised", "submitted", "audio_uploaded")


def _wrote(session: Session, content: Content, rev: ContentRevision, actor: Principal) -> bool:
    """Did the caller write the item, or any part of this revision (text, recording, submission)?"""
    if actor.user_id is None:
        return False
    if actor.user_id in {content.created_by, rev.created_by, rev.submitted_by}:
        return True
    query = select(ContentEvent.id).where(ContentEvent.revision_id == rev.id, ContentEvent.user_id == actor.user_id,
                                          col(ContentEvent.action).in_(WRITING_ACTIONS))
    return session.exec(query.limit(1)).first() is not None


def reject_content(session: Session, content: Content, *, actor: Principal, reason: str) -> Content:
    rev = _decision_checks(session, content, actor, "từ chối")
    rev.status, rev.decided_by, rev.decided_at = RevisionStatus.rejected, actor.user_id, now_utc()
    rev.reject_reason = reason
    content.status, content.updated_at = ContentStatus.rejected, now_utc()
    session.add_all([rev, content])
    _event(session, content, rev, actor, "rejected", ContentStatus.submitted, ContentStatus.rejected, reason)
    return content


def archive_content(session: Session, content: Content, *, actor: Principal, reason: str | None = None) -> Content:
    """Stop airing and close the item (an expired or withdrawn bulletin); kept for the record."""
    _require_live(content)
    rev = latest_revision(session, content)
    _require_writable(session, content, rev, actor)
    old = content.status
    content.status, content.archived_at = ContentStatus.archived, now_utc()
    content.updated_at = content.archived_at
    session.add(content)
    _event(session, content, rev, actor, "archived", old, ContentStatus.archived, reason)
    if content.airing_revision_id is not None:
        render.content_changed(session, saved_id(content), reason="archived")
    return content


def retry_render(session: Session, content: Content, *, actor: Principal, settings: Any) -> Content:
    """Render the submitted or approved revision's audio again (after a failure, or a lexicon change)."""
    _require_live(content)
    latest = latest_revision(session, content)
    _require_writable(session, content, latest, actor)
    rev = latest if latest.status in (RevisionStatus.approved, RevisionStatus.submitted) else (
        session.get(ContentRevision, content.airing_revision_id) if content.airing_revision_id else None)
    if rev is None:
        raise Conflict("Chỉ tạo âm thanh cho tin đã gửi duyệt hoặc đã được duyệt.")
    if rev.audio_source == AudioSource.recording:
        raise Conflict("Tin dùng bản ghi âm của người đọc: không tạo âm thanh tự động.")
    if render.render_running(session, rev):
        raise Conflict("Âm thanh của tin đang được tạo; vui lòng chờ.")
    render.queue_render(session, rev, settings=settings, created_by=actor.user_id)
    _event(session, content, rev, actor, "render_queued", None, None)
    return content


@dataclass(frozen=True)
class Recording:
    sha256: str
    ext: str
    duration_ms: int


def attach_recording(session: Session, content: Content, recording: Recording, *, actor: Principal) -> Content:
    """A human recording replaces TTS for the latest revision (any state but archived)."""
    _require_live(content)
    rev = latest_revision(session, content)
    _require_writable(session, content, rev, actor)
    rev.audio_sha256, rev.audio_ext, rev.audio_duration_ms = recording.sha256, recording.ext, recording.duration_ms
    rev.audio_source, rev.audio_engine = AudioSource.recording, None
    rev.render_status, rev.render_error, rev.rendered_at = RenderStatus.ready, None, now_utc()
    content.updated_at = now_utc()
    session.add_all([rev, content])
    _event(session, content, rev, actor, "audio_uploaded", None, None)
    if content.airing_revision_id == rev.id:
        render.content_changed(session, saved_id(content), reason="recording")
    return content


def require_uploadable(session: Session, content: Content, *, actor: Principal) -> None:
    """Checked before the (slow) audio processing, so a refused caller costs nothing."""
    _require_live(content)
    _require_writable(session, content, latest_revision(session, content), actor)


# --- lists and views ----------------------------------------------------------------------------

def list_contents(session: Session, *, actor: Principal, status: str | None = None, campaign_id: int | None = None,
                  area_id: int | None = None, level: str | None = None, kind: str | None = None,
                  q: str | None = None, mine: bool = False, airing: bool = False, today: date | None = None,
                  limit: int = 100, offset: int = 0) -> tuple[list[Content], int]:
    query = select(Content)
    for scope in filter_scopes(session, actor.scope, area_id):
        touching = (select(ContentArea.content_id).join(Area, col(Area.id) == col(ContentArea.area_id))
                    .where(overlap_condition(scope)))
        query = query.where(col(Content.id).in_(touching))
    if status == "expired":
        query = query.where(Content.status == ContentStatus.approved, col(Content.valid_until) < (today or date.max))
    elif status is not None:
        query = query.where(Content.status == status)
    elif status is None:
        query = query.where(Content.status != ContentStatus.archived)
    if campaign_id is not None:
        query = query.where(Content.campaign_id == campaign_id)
    if level is not None:
        query = query.where(Content.level == level)
    if kind is not None:
        query = query.where(Content.kind == kind)
    if mine:
        query = query.where(Content.created_by == actor.user_id)
    if airing:
        query = query.where(col(Content.airing_revision_id).is_not(None), Content.status != ContentStatus.archived)
    if q and fold(q):
        query = query.where(col(Content.search_text).contains(fold(q), autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Content.updated_at).desc(), col(Content.id).desc())
                        .offset(offset).limit(limit))
    return list(rows), total


def contents_summary(session: Session, contents: list[Content], *, today: date) -> list[ContentSummary]:
    rev_ids = [c.latest_revision_id for c in contents if c.latest_revision_id]
    revs = {r.id: r for r in session.exec(select(ContentRevision).where(col(ContentRevision.id).in_(rev_ids)))}
    areas = _areas_by_revision(session, rev_ids)
    out = []
    for c in contents:
        rev = revs[c.latest_revision_id]
        out.append(ContentSummary(
            id=saved_id(c), title=c.title, kind=c.kind, level=c.level, status=c.status,
            status_label=STATUS_LABELS[ContentStatus(c.status)], expired=_expired(c, today),
            campaign_id=c.campaign_id, valid_from=c.valid_from, valid_until=c.valid_until,
            area_ids=areas[saved_id(rev)], unit_area_id=c.unit_area_id,
            airing=c.airing_revision_id is not None and c.status != ContentStatus.archived,
            has_audio=rev.audio_sha256 is not None, render_status=rev.render_status, created_by=c.created_by,
            updated_at=c.updated_at))
    return out


def content_public(session: Session, content: Content, *, today: date) -> ContentPublic:
    rev = latest_revision(session, content)
    airing = session.get(ContentRevision, content.airing_revision_id) if content.airing_revision_id else None
    areas = _areas_by_revision(session, [saved_id(r) for r in (rev, airing) if r is not None])
    return ContentPublic(
        id=saved_id(content), title=rev.title, body=rev.body, kind=content.kind,
        kind_label=KIND_LABELS[ContentKind(content.kind)], level=rev.level,
        level_label=CONTENT_LEVEL_LABELS[ContentLevel(rev.level)], language=content.language, status=content.status,
        status_label=STATUS_LABELS[ContentStatus(content.status)], expired=_expired(content, today),
        campaign_id=content.campaign_id, valid_from=rev.valid_from, valid_until=rev.valid_until,
        ends_at=rev.ends_at, ended_at=content.ended_at,
        area_ids=areas[saved_id(rev)], unit_area_id=content.unit_area_id, revision_id=saved_id(rev),
        revision=rev.number,
        created_by=content.created_by, created_at=content.created_at, updated_at=content.updated_at,
        submitted_at=rev.submitted_at, decided_at=rev.decided_at, reject_reason=rev.reject_reason,
        spoken_text=rev.spoken_text, voice=rev.voice, audio=_audio(rev),
        render=RenderPublic(status=rev.render_status, error=rev.render_error, task_id=rev.render_task_id),
        airing=None if airing is None or content.status == ContentStatus.archived else AiringPublic(
            revision_id=saved_id(airing), revision=airing.number, title=airing.title, level=airing.level,
            valid_from=airing.valid_from, valid_until=airing.valid_until, ends_at=airing.ends_at,
            area_ids=areas[saved_id(airing)],
            approved_at=airing.decided_at, audio=_audio(airing)),
    )


def history(session: Session, content: Content) -> list[ContentEventPublic]:
    events = session.exec(select(ContentEvent).where(ContentEvent.content_id == content.id)
                          .order_by(col(ContentEvent.at), col(ContentEvent.id)))
    return [ContentEventPublic(id=saved_id(e), at=e.at, user_id=e.user_id, username=e.username, action=e.action,
                               from_status=e.from_status, to_status=e.to_status, reason=e.reason,
                               revision_id=e.revision_id) for e in events]


def revisions(session: Session, content: Content) -> list[RevisionPublic]:
    revs = list(session.exec(select(ContentRevision).where(ContentRevision.content_id == content.id)
                             .order_by(col(ContentRevision.number))))
    areas = _areas_by_revision(session, [saved_id(r) for r in revs])
    return [RevisionPublic(id=saved_id(r), revision=r.number, status=r.status, title=r.title, body=r.body,
                           level=r.level,
                           valid_from=r.valid_from, valid_until=r.valid_until, area_ids=areas[saved_id(r)],
                           created_by=r.created_by, created_at=r.created_at, submitted_at=r.submitted_at,
                           decided_by=r.decided_by, decided_at=r.decided_at, reject_reason=r.reject_reason,
                           audio=_audio(r)) for r in revs]


# --- helpers ------------------------------------------------------------------------------------

def _audio(rev: ContentRevision) -> AudioPublic | None:
    if not rev.audio_sha256 or not rev.audio_ext or rev.audio_duration_ms is None:
        return None
    return AudioPublic(url=media_url(rev.audio_sha256, rev.audio_ext), duration_ms=rev.audio_duration_ms,
                       sha256=rev.audio_sha256, ext=rev.audio_ext, source=rev.audio_source or AudioSource.tts)


def _deployment_tz() -> tzinfo:
    from core.config import get_settings

    return get_settings().tz


def _expired(content: Content, today: date) -> bool:
    return content.status == ContentStatus.approved and content.valid_until < today


def _mirror(content: Content, rev: ContentRevision) -> None:
    content.title, content.level = rev.title, rev.level
    content.valid_from, content.valid_until, content.ends_at = rev.valid_from, rev.valid_until, rev.ends_at
    content.status = ContentStatus.approved if rev.status == RevisionStatus.superseded else rev.status
    content.search_text = search_text(rev.title, rev.body)


def _campaign(session: Session, campaign_id: int | None, actor: Principal) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not can_read_campaign(session, campaign, actor):
        raise Invalid(f"Chiến dịch mã {campaign_id} không tồn tại.")
    if campaign.archived:
        raise Invalid(f"Chiến dịch «{campaign.name}» đã kết thúc (lưu trữ).")
    return campaign


def _target_areas(session: Session, area_ids: list[int] | None, campaign: Campaign | None,
                  actor: Principal) -> list[Area]:
    """Explicit targets (inside the caller's subtree and the campaign's areas), or the default:
    the campaign's areas as far as they reach into the caller's subtree, else the caller's area."""
    if area_ids is not None:
        if not area_ids:
            raise Invalid("Tin cần ít nhất một địa bàn nhận.")
        areas = load_areas(session, area_ids)
        require_within(areas, actor.scope)
        if campaign is not None:
            camp = campaign_areas(session, saved_id(campaign))
            for area in areas:
                if not any(is_within(area, c) for c in camp):
                    raise Invalid(f"Địa bàn «{area.name}» không thuộc địa bàn của chiến dịch «{campaign.name}».")
        return areas
    if campaign is not None:
        chosen: list[Area] = []
        for area in campaign_areas(session, saved_id(campaign)):
            if is_within(area, actor.scope):
                chosen.append(area)
            elif actor.scope is not None and is_within(actor.scope, area):
                chosen.append(actor.scope)
        chosen = list({a.id: a for a in chosen}.values())
        if not chosen:
            raise Forbidden(f"Chiến dịch «{campaign.name}» không có địa bàn nào trong phạm vi được giao.")
        return chosen
    if actor.scope is None:
        raise Invalid("Cần chọn địa bàn nhận (area_ids) cho tin không thuộc chiến dịch nào.")
    return [actor.scope]


def _unit_area_id(session: Session, unit_area_id: int | None, actor: Principal) -> int | None:
    if unit_area_id is None:
        return actor.scope.id if actor.scope else None
    unit = load_areas(session, [unit_area_id])[0]
    require_within([unit], actor.scope)
    return unit.id


def _set_areas(session: Session, content_id: int, revision_id: int, area_ids: list[int]) -> None:
    replace_rows(session, session.exec(select(ContentArea).where(ContentArea.revision_id == revision_id)),
                 (ContentArea(revision_id=revision_id, area_id=area_id, content_id=content_id)
                  for area_id in dict.fromkeys(area_ids)))
    session.flush()


def _areas_by_revision(session: Session, revision_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if revision_ids:
        for link in session.exec(select(ContentArea).where(col(ContentArea.revision_id).in_(revision_ids))
                                 .order_by(col(ContentArea.area_id))):
            found[link.revision_id].append(link.area_id)
    return found


def _event(session: Session, content: Content, rev: ContentRevision | None, actor: Principal, action: str,
           from_status: str | None, to_status: str | None, reason: str | None = None,
           at: datetime | None = None) -> None:
    session.add(ContentEvent(content_id=saved_id(content), revision_id=rev.id if rev else None, at=at or now_utc(),
                             user_id=actor.user_id, username=actor.username, action=action,
                             from_status=from_status, to_status=to_status, reason=reason))
    session.flush()
