"""Request and response shapes of directives, campaigns, content and quotas (the public API surface).

Long on purpose: the package's whole public API surface (request and response shapes) on one page, which docs
and OpenAPI mirror.

Limits are part of the contract and shown in the OpenAPI schema: a content body is 1 to
MAX_BODY_CHARS characters; validity ends on or after it starts; at most MAX_AREAS target areas.
"""

import re
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, PlainSerializer, field_validator, model_validator

from campaigns.commemorations import Observance, ObservanceKind
from campaigns.models import (
    MAX_AREAS,
    MAX_BODY_CHARS,
    MAX_DIRECTIVE_TEXT_CHARS,
    MAX_REASON_CHARS,
    MAX_TITLE_CHARS,
    ContentKind,
    QuotaPeriod,
)
from core.areas import AreaLevel
from core.config import get_settings
from core.db import MAX_ID
from core.formatting import thousands
from core.levels import ContentLevel
from core.timeutil import to_local

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
AreaIds = Annotated[list[Id], Field(max_length=MAX_AREAS)]
# Dates a broadcast schedule can mean; keeps a fuzzer's year 1 or 9999 from reaching date arithmetic.
MIN_DATE, MAX_DATE = date(1945, 1, 1), date(2100, 12, 31)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _local(value: datetime) -> datetime:
    return to_local(value, get_settings().tz)


# Stored in UTC, answered in the deployment's zone (+07:00).
LocalDateTime = Annotated[datetime, PlainSerializer(_local, return_type=datetime)]


def clean_text(value: str | None, what: str, *, max_chars: int, multiline: bool = True) -> str | None:
    """Trim; refuse blank text, control characters and text over the limit (messages in Vietnamese)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError(f"{what} không được để trống.")
    if len(value) > max_chars:
        raise ValueError(f"{what} dài {thousands(len(value))} ký tự, vượt giới hạn {thousands(max_chars)} ký tự.")
    if _CONTROL_RE.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise ValueError(f"{what} chứa ký tự điều khiển không hợp lệ.")
    return value


def check_date(value: date | None, what: str) -> date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"{what} phải nằm trong khoảng {MIN_DATE:%d/%m/%Y} - {MAX_DATE:%d/%m/%Y}.")
    return value


def check_period(start: date | None, end: date | None, what: str = "Ngày kết thúc") -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{what} ({end:%d/%m/%Y}) trước ngày bắt đầu ({start:%d/%m/%Y}).")


def _text(max_chars: int, *, required: bool = False, description: str | None = None):
    # The schema shows the limit; the validator gives the Vietnamese message.
    return Field(... if required else None, description=description,
                 json_schema_extra={"minLength": 1, "maxLength": max_chars})


# --- directives --------------------------------------------------------------------------------

class DirectiveFields(BaseModel):
    number: str | None = _text(100, description='Số, ký hiệu, e.g. "205/KH-UBND-LĐLĐ"')
    issued_on: date | None = None
    issuer: str | None = _text(300, description='Cơ quan ban hành, e.g. "UBND tỉnh Lào Cai"')
    title: str | None = _text(500, description='Trích yếu ("V/v ...")')
    starts_on: date | None = None
    ends_on: date | None = None
    full_text: str | None = Field(default=None, json_schema_extra={"maxLength": MAX_DIRECTIVE_TEXT_CHARS})
    area_ids: AreaIds | None = Field(default=None, description="Nơi nhận (địa bàn); trống: toàn quốc")

    @field_validator("number", "issuer", "title")
    @classmethod
    def _short_text(cls, value, info):
        limits = {"number": 100, "issuer": 300, "title": 500}
        names = {"number": "Số hiệu văn bản", "issuer": "Cơ quan ban hành", "title": "Trích yếu"}
        return clean_text(value, names[info.field_name], max_chars=limits[info.field_name], multiline=False)

    @field_validator("full_text")
    @classmethod
    def _full_text(cls, value):
        return clean_text(value, "Toàn văn", max_chars=MAX_DIRECTIVE_TEXT_CHARS) if value else None

    @field_validator("issued_on", "starts_on", "ends_on")
    @classmethod
    def _dates(cls, value):
        return check_date(value, "Ngày")

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_period(self.starts_on, self.ends_on)
        return self


class DirectiveCreate(DirectiveFields):
    number: str = _text(100, required=True, description='Số, ký hiệu, e.g. "205/KH-UBND-LĐLĐ"')
    issuer: str = _text(300, required=True, description='Cơ quan ban hành, e.g. "UBND tỉnh Lào Cai"')
    title: str = _text(500, required=True, description='Trích yếu ("V/v ...")')


class DirectiveUpdate(DirectiveFields):
    """Partial update: only the fields sent change."""


class DirectivePublic(BaseModel):
    id: int
    number: str
    issued_on: date | None
    issuer: str
    title: str
    starts_on: date | None
    ends_on: date | None
    area_ids: list[int]
    campaign_ids: list[int]
    full_text: str | None = None
    created_at: LocalDateTime


# --- campaigns ---------------------------------------------------------------------------------

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class CampaignFields(BaseModel):
    name: str | None = _text(300)
    description: str | None = Field(default=None, json_schema_extra={"maxLength": 5000})
    starts_on: date | None = None
    ends_on: date | None = None
    area_ids: AreaIds | None = None
    target_minutes_per_week: float | None = Field(
        default=None, ge=0, le=7 * 24 * 60,
        description="Per cluster: minutes of this campaign's content each cluster under its areas should air per week")
    color: str | None = Field(default=None, pattern=COLOR_PATTERN, description="#rrggbb; chosen if omitted")
    commemorations: list[str] | None = Field(
        default=None, max_length=50, description="Keys of commemorative days the campaign builds toward, e.g. "
                                                  '"thi-dua-ai-quoc" (11/6); see GET /campaigns/commemorations')
    directive_ids: list[Id] | None = Field(default=None, max_length=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        return clean_text(value, "Tên chiến dịch", max_chars=300, multiline=False)

    @field_validator("description")
    @classmethod
    def _description(cls, value):
        return clean_text(value, "Mô tả", max_chars=5000) if value else None

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, value):
        return check_date(value, "Ngày")

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_period(self.starts_on, self.ends_on)
        return self


class CampaignCreate(CampaignFields):
    name: str = _text(300, required=True)
    starts_on: date
    ends_on: date
    area_ids: AreaIds = Field(description="Target areas (any level); at least one")
    directive: DirectiveCreate | None = Field(
        default=None, description="The directive behind the campaign, created (or found by number and issuer)")

    @field_validator("area_ids")
    @classmethod
    def _some_areas(cls, value):
        if not value:
            raise ValueError("Chiến dịch cần ít nhất một địa bàn.")
        return value


class CampaignUpdate(CampaignFields):
    archived: bool | None = None


class ObservancePublic(BaseModel):
    """A dated commemorative day or statutory day off (`campaigns.commemorations.Observance`)."""

    key: str | None
    name: str
    date: date
    kind: ObservanceKind = ObservanceKind.commemoration
    years: int | None = None

    @classmethod
    def of(cls, observance: Observance) -> "ObservancePublic":
        o = observance
        return cls(key=o.key, name=o.name, date=o.on, kind=o.kind, years=o.years)


class DirectiveBrief(BaseModel):
    id: int
    number: str
    issuer: str
    title: str
    issued_on: date | None


class CampaignPublic(BaseModel):
    id: int
    name: str
    description: str | None
    starts_on: date
    ends_on: date
    target_minutes_per_week: float | None
    color: str
    area_ids: list[int]
    directive_ids: list[int]
    directives: list[DirectiveBrief]
    commemorations: list[ObservancePublic]
    archived: bool
    active: bool
    content_counts: dict[str, int]
    created_at: LocalDateTime


# --- content -----------------------------------------------------------------------------------

BODY_DESCRIPTION = (f"The text read on air: 1 to {MAX_BODY_CHARS:,} characters (about 15 minutes read aloud); "
                    "longer text must be split into several items")


class ContentFields(BaseModel):
    title: str | None = _text(MAX_TITLE_CHARS)
    body: str | None = _text(MAX_BODY_CHARS, description=BODY_DESCRIPTION)
    campaign_id: Id | None = None
    level: ContentLevel | None = None
    kind: ContentKind | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    valid_from: date | None = None
    valid_until: date | None = None
    ends_at: datetime | None = Field(default=None, description="Emergencies only: when it stops airing (inside "
                                     "its validity; without a zone: local time); default 23:59:59 local time of "
                                     "valid_until")
    area_ids: AreaIds | None = Field(default=None, description="Target areas; default: the campaign's areas "
                                                               "(within the author's subtree). Required for "
                                                               "emergencies")
    unit_area_id: Id | None = Field(default=None, description="Submitting unit (for quotas); default: the "
                                                              "author's area")
    voice: str | None = Field(default=None, max_length=40,
                              description="An installed voice (`loaxa tts voices add`, GET /api/v1/voices) to read "
                                          "this item with; null: the voice of its areas, else the default")

    @field_validator("title")
    @classmethod
    def _title(cls, value):
        return clean_text(value, "Tiêu đề", max_chars=MAX_TITLE_CHARS, multiline=False)

    @field_validator("body")
    @classmethod
    def _body(cls, value):
        return clean_text(value, "Nội dung", max_chars=MAX_BODY_CHARS)

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _dates(cls, value):
        return check_date(value, "Ngày hiệu lực")

    @field_validator("ends_at")
    @classmethod
    def _ends_at(cls, value):
        if value is not None:
            check_date(value.date(), "Thời điểm kết thúc")
        return value

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_period(self.valid_from, self.valid_until, "Ngày hết hiệu lực")
        return self


class ContentCreate(ContentFields):
    title: str = _text(MAX_TITLE_CHARS, required=True)
    body: str = _text(MAX_BODY_CHARS, required=True, description=BODY_DESCRIPTION)
    level: ContentLevel = ContentLevel.normal
    kind: ContentKind = ContentKind.news
    language: str = Field(default="vi", pattern=r"^[a-z]{2,3}$")
    valid_from: date | None = Field(default=None, description="Required, except for emergencies (default today)")
    valid_until: date | None = Field(default=None, description="Required, except for emergencies (default: "
                                     "valid_from, or the day of ends_at)")


class ContentUpdate(ContentFields):
    """Partial update. On an approved item this makes a new revision that needs approval again."""


class RejectBody(BaseModel):
    reason: str = _text(MAX_REASON_CHARS, required=True)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value):
        return clean_text(value, "Lý do từ chối", max_chars=MAX_REASON_CHARS)


class ReasonBody(BaseModel):
    reason: str | None = Field(default=None, json_schema_extra={"maxLength": MAX_REASON_CHARS})

    @field_validator("reason")
    @classmethod
    def _reason(cls, value):
        return clean_text(value, "Lý do", max_chars=MAX_REASON_CHARS) if value else None


class AudioPublic(BaseModel):
    url: str
    duration_ms: int
    sha256: str
    ext: str
    source: str  # "tts" | "recording"


class RenderPublic(BaseModel):
    status: str  # none | queued | ready | failed
    error: str | None
    task_id: int | None


class AiringPublic(BaseModel):
    """The approved revision that airs (may differ from the latest while an edit awaits approval)."""

    revision_id: int
    revision: int
    title: str
    level: str
    valid_from: date
    valid_until: date
    ends_at: LocalDateTime | None = None
    area_ids: list[int]
    approved_at: LocalDateTime | None
    audio: AudioPublic | None


class ContentPublic(BaseModel):
    id: int
    title: str
    body: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    language: str
    status: str
    status_label: str
    expired: bool
    campaign_id: int | None
    valid_from: date
    valid_until: date
    ends_at: LocalDateTime | None = None  # emergencies: when it stops airing
    ended_at: LocalDateTime | None = None  # set once "end now" was used
    area_ids: list[int]
    unit_area_id: int | None
    revision_id: int
    revision: int
    created_by: int | None
    created_at: LocalDateTime
    updated_at: LocalDateTime
    submitted_at: LocalDateTime | None
    decided_at: LocalDateTime | None
    reject_reason: str | None
    spoken_text: str | None
    voice: str | None = None  # chosen for this item; null: its areas' voice or the default
    audio: AudioPublic | None
    render: RenderPublic
    airing: AiringPublic | None


class ContentSummary(BaseModel):
    id: int
    title: str
    kind: str
    level: str
    status: str
    status_label: str
    expired: bool
    campaign_id: int | None
    valid_from: date
    valid_until: date
    area_ids: list[int]
    unit_area_id: int | None
    airing: bool
    has_audio: bool
    render_status: str
    created_by: int | None
    updated_at: LocalDateTime


class ContentEventPublic(BaseModel):
    id: int
    at: LocalDateTime
    user_id: int | None
    username: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    revision_id: int | None


class RevisionPublic(BaseModel):
    id: int
    revision: int
    status: str
    title: str
    body: str
    level: str
    valid_from: date
    valid_until: date
    area_ids: list[int]
    created_by: int | None
    created_at: LocalDateTime
    submitted_at: LocalDateTime | None
    decided_by: int | None
    decided_at: LocalDateTime | None
    reject_reason: str | None
    audio: AudioPublic | None


class ImportResultPublic(BaseModel):
    created: int
    submitted: int
    ids: list[int]


# --- quotas ------------------------------------------------------------------------------------

class QuotaFields(BaseModel):
    name: str | None = _text(300)
    directive_id: Id | None = None
    campaign_id: Id | None = None
    area_id: Id | None = Field(default=None, description="Units below this area must supply the content")
    unit_level: AreaLevel | None = Field(default=None, description="Which areas are the units (default commune)")
    kind: ContentKind | None = None
    min_count: int | None = Field(default=None, ge=1, le=1000)
    max_count: int | None = Field(default=None, ge=1, le=1000)
    period: QuotaPeriod | None = None
    starts_on: date | None = None
    ends_on: date | None = Field(default=None, description="Last day (for period=deadline: the deadline)")
    note: str | None = Field(default=None, json_schema_extra={"maxLength": 2000})

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        return clean_text(value, "Tên chỉ tiêu", max_chars=300, multiline=False)

    @field_validator("note")
    @classmethod
    def _note(cls, value):
        return clean_text(value, "Ghi chú", max_chars=2000) if value else None

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, value):
        return check_date(value, "Ngày")

    @model_validator(mode="after")
    def _checks(self) -> Self:
        check_period(self.starts_on, self.ends_on)
        if self.min_count is not None and self.max_count is not None and self.max_count < self.min_count:
            raise ValueError("Số tối đa phải lớn hơn hoặc bằng số tối thiểu.")
        return self


class QuotaCreate(QuotaFields):
    name: str = _text(300, required=True)
    area_id: Id
    unit_level: AreaLevel = AreaLevel.commune
    kind: ContentKind | None = ContentKind.exemplar
    min_count: int = Field(default=1, ge=1, le=1000)
    period: QuotaPeriod = QuotaPeriod.monthly
    starts_on: date
    ends_on: date


class QuotaUpdate(QuotaFields):
    pass


class QuotaPublic(BaseModel):
    id: int
    name: str
    directive_id: int | None
    campaign_id: int | None
    area_id: int
    unit_level: str
    kind: str | None
    min_count: int
    max_count: int | None
    period: str
    starts_on: date
    ends_on: date
    note: str | None


class UnitCompliance(BaseModel):
    area_id: int
    area_name: str
    submitted: int = Field(description="Items submitted in the period (approved or awaiting approval)")
    approved: int
    on_time: bool | None = Field(description="For deadlines: the minimum was submitted by the deadline")
    met: bool
    last_submitted_at: LocalDateTime | None


class RuleCompliance(BaseModel):
    rule: QuotaPublic
    period_start: date
    period_end: date
    units: int
    met: int
    behind: int
    rows: list[UnitCompliance]


class ComplianceReport(BaseModel):
    on: date
    rules: list[RuleCompliance]
