"""Tables of the campaigns package: directives, campaigns, content items with their revisions and
audit trail, and content quotas.

A content item ("tin, bài") is a `Content` row plus one `ContentRevision` per version of its text.
Approved text is immutable: editing an approved item makes a new revision that needs approval again,
while the approved one (`Content.airing_revision_id`) keeps airing until the new one replaces it.
`Content.title/level/valid_from/valid_until/status` mirror the *latest* revision (what the editor
works on); what airs is read from the airing revision (see campaigns.eligibility).
Target areas belong to a revision (`ContentArea.revision_id`), so an edit can retarget without
moving what already airs.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from core.db import UTCDateTime
from core.levels import ContentLevel
from core.timeutil import now_utc

MAX_TITLE_CHARS = 300
# A bulletin item is 30 s - 5 min of speech (~600 words); 10,000 characters is ~15 minutes read
# at 130 words/min. Longer text is a document, not a broadcast item: split it.
MAX_BODY_CHARS = 10_000
MAX_DIRECTIVE_TEXT_CHARS = 200_000
MAX_REASON_CHARS = 2000
MAX_AREAS = 500


class ContentKind(StrEnum):
    news = "news"  # tin
    exemplar = "exemplar"  # gương điển hình tiên tiến, người tốt việc tốt (ĐHTT, NTVT)
    announcement = "announcement"  # thông báo
    notice = "notice"  # thông tin cần biết, khuyến cáo
    music = "music"  # nhạc, nhạc hiệu


KIND_LABELS = {
    ContentKind.news: "Tin, bài",
    ContentKind.exemplar: "Gương ĐHTT, NTVT",
    ContentKind.announcement: "Thông báo",
    ContentKind.notice: "Thông tin cần biết",
    ContentKind.music: "Nhạc, nhạc hiệu",
}


class ContentStatus(StrEnum):
    """Status of a content item: the status of its latest revision, or archived."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    archived = "archived"


STATUS_LABELS = {
    ContentStatus.draft: "Bản nháp",
    ContentStatus.submitted: "Chờ duyệt",
    ContentStatus.approved: "Đã duyệt",
    ContentStatus.rejected: "Bị từ chối",
    ContentStatus.archived: "Đã lưu trữ",
}


class RevisionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    superseded = "superseded"  # was approved, replaced by a newer approved revision or archived


class RenderStatus(StrEnum):
    none = "none"  # not asked for yet (drafts)
    queued = "queued"
    ready = "ready"
    failed = "failed"


class AudioSource(StrEnum):
    tts = "tts"
    recording = "recording"


def tone_in_audio(audio_source: str | None) -> bool:
    """Whether an emergency's audio already starts with the alert tone: a TTS render has it (the
    speech pipeline's `alert_tone`), an uploaded recording does not (the device plays its own then)."""
    return audio_source == AudioSource.tts


class QuotaPeriod(StrEnum):
    monthly = "monthly"  # every calendar month between starts_on and ends_on
    deadline = "deadline"  # once, between starts_on and ends_on (the deadline)


# --- directives --------------------------------------------------------------------------------

class Directive(SQLModel, table=True):
    """A "kế hoạch" or "công văn" that asks for propaganda of a movement."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=100, index=True)  # "205/KH-UBND-LĐLĐ"
    issued_on: date | None = None
    issuer: str = Field(max_length=300)
    title: str = Field(max_length=500)  # the "V/v ..." line
    starts_on: date | None = None
    ends_on: date | None = None
    full_text: str | None = Field(default=None, sa_type=sa.Text)
    search_text: str = Field(default="", sa_type=sa.Text)  # campaigns.search.fold of number, issuer, title
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class DirectiveArea(SQLModel, table=True):
    """A recipient area of a directive ("Kính gửi"). A directive without recipients is national."""

    directive_id: int = Field(foreign_key="directive.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


# --- campaigns ---------------------------------------------------------------------------------

class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_type=sa.Text)
    starts_on: date
    ends_on: date
    # Per cluster: each cluster under the campaign's areas should air this much per week.
    target_minutes_per_week: float | None = None
    color: str = Field(default="#1f77b4", max_length=7)
    # Keys of campaigns.commemorations.COMMEMORATIONS the campaign builds toward ("thi-dua-ai-quoc").
    commemorations: list[str] = Field(default_factory=list, sa_type=JSON)
    archived: bool = False
    search_text: str = Field(default="", sa_type=sa.Text)  # campaigns.search.fold of the name
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class CampaignDirective(SQLModel, table=True):
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    directive_id: int = Field(foreign_key="directive.id", primary_key=True, index=True)


class CampaignArea(SQLModel, table=True):
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


# --- content -----------------------------------------------------------------------------------

class Content(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    kind: str = Field(default=ContentKind.news, max_length=16)
    language: str = Field(default="vi", max_length=8)
    # Mirrors of the latest revision, for lists and filters.
    title: str = Field(max_length=MAX_TITLE_CHARS)
    level: str = Field(default=ContentLevel.normal, max_length=16, index=True)
    valid_from: date
    valid_until: date
    # Emergencies only: the instant it stops airing (mirror of the latest revision's).
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "End now" (POST /contents/{id}/end): from this instant the item airs nowhere, for good.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: int | None = Field(default=None, foreign_key="app_user.id")
    status: str = Field(default=ContentStatus.draft, max_length=16, index=True)
    # The unit that supplies the item (counts toward its quotas); by default the author's area.
    unit_area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    # Plain ids (no FK): content and revision reference each other.
    latest_revision_id: int | None = Field(default=None, index=True)
    airing_revision_id: int | None = Field(default=None, index=True)
    first_submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    search_text: str = Field(default="", sa_type=sa.Text)  # campaigns.search.fold of the latest title and body
    created_by: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class ContentRevision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    content_id: int = Field(foreign_key="content.id", index=True)
    number: int = 1
    title: str = Field(max_length=MAX_TITLE_CHARS)
    body: str = Field(sa_type=sa.Text)
    level: str = Field(default=ContentLevel.normal, max_length=16)
    valid_from: date
    valid_until: date
    # Emergencies only: the instant the approved text stops airing (approved with it); null for other levels.
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=RevisionStatus.draft, max_length=16, index=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reject_reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)
    # How the machine reads the text (tts.normalizer), set on submission and by the render.
    spoken_text: str | None = Field(default=None, sa_type=sa.Text)
    audio_sha256: str | None = Field(default=None, max_length=64)
    audio_ext: str | None = Field(default=None, max_length=10)
    audio_duration_ms: int | None = None
    audio_source: str | None = Field(default=None, max_length=16)
    audio_engine: str | None = Field(default=None, max_length=64)
    render_status: str = Field(default=RenderStatus.none, max_length=16)
    render_error: str | None = Field(default=None, max_length=2000)
    render_task_id: int | None = None
    rendered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An installed voice (tts.voices) chosen for this item; None: the voice of its areas (core.areas.area_voice),
    # else the deployment's default. Part of the audio: a change drops it and the item is rendered again.
    voice: str | None = Field(default=None, max_length=40)


class ContentArea(SQLModel, table=True):
    """A target area of one revision (any level; a cluster is targeted through any ancestor)."""

    revision_id: int = Field(foreign_key="contentrevision.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)
    content_id: int = Field(foreign_key="content.id", index=True)


class ContentEvent(SQLModel, table=True):
    """The audit trail: every transition and change of a content item."""

    id: int | None = Field(default=None, primary_key=True)
    content_id: int = Field(foreign_key="content.id", index=True)
    revision_id: int | None = None
    at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)


# --- quotas ------------------------------------------------------------------------------------

class QuotaRule(SQLModel, table=True):
    """"Each commune at least 01 exemplar a month": units under `area_id` at `unit_level` must
    supply `min_count` items of `kind` per period."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    directive_id: int | None = Field(default=None, foreign_key="directive.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    unit_level: str = Field(default="commune", max_length=16)
    kind: str | None = Field(default=ContentKind.exemplar, max_length=16)
    min_count: int = 1
    max_count: int | None = None
    period: str = Field(default=QuotaPeriod.monthly, max_length=16)
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
