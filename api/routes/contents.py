"""Content items ("tin, bài") and their approval workflow, audio and import."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import MAX_ID, ApproverUser, IdPath, OperatorUser, Reader, SessionDep, SettingsDep, require
from campaigns import contents as workflow
from campaigns import emergencies
from campaigns.importer import MAX_IMPORT_BYTES, import_contents
from campaigns.models import ContentKind, ContentStatus
from campaigns.recordings import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_DURATION_MS,
    upload_recording,
)
from campaigns.schemas import (
    ContentCreate,
    ContentEventPublic,
    ContentPublic,
    ContentSummary,
    ContentUpdate,
    ImportResultPublic,
    ReasonBody,
    RejectBody,
    RevisionPublic,
)
from core.levels import ContentLevel
from core.timeutil import local_today
from core.users import Principal, Role
from playlists.reach import Reach, content_reach
from tts.config import voices_dir

router = APIRouter(tags=["contents"])

OperatorOrApprover = Annotated[Principal, require(Role.operator, Role.approver)]


def _public(session, settings, content) -> ContentPublic:
    return workflow.content_public(session, content, today=local_today(settings.tz))


@router.post("/contents", response_model=ContentPublic, status_code=status.HTTP_201_CREATED,
             summary="Write a content item (a draft). Without area_ids it targets its campaign's areas.")
def create(session: SessionDep, principal: OperatorUser, settings: SettingsDep, body: ContentCreate) -> ContentPublic:
    return _public(session, settings, workflow.create_content(session, body, actor=principal,
                                                                  tz=settings.tz, voices=voices_dir(settings)))


@router.get("/contents", response_model=list[ContentSummary],
            summary="Content touching the caller's subtree, newest first (archived only when asked); "
                    "X-Total-Count header")
def list_(session: SessionDep, principal: Reader, settings: SettingsDep, response: Response,
          status_: Annotated[ContentStatus | None, Query(alias="status")] = None,
          expired: Annotated[bool, Query(description="Only approved items past their validity")] = False,
          airing: Annotated[bool, Query(description="Only items with an approved revision on air (even while a "
                                                    "newer revision awaits approval)")] = False,
          campaign_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          level: ContentLevel | None = None,
          kind: ContentKind | None = None,
          q: Annotated[str | None, Query(max_length=100)] = None,
          mine: bool = False,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[ContentSummary]:
    today = local_today(settings.tz)
    rows, total = workflow.list_contents(session, actor=principal, status="expired" if expired else status_,
                                        campaign_id=campaign_id, area_id=area_id, level=level, kind=kind, q=q,
                                        mine=mine, airing=airing, today=today, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return workflow.contents_summary(session, rows, today=today)


@router.post("/contents/import", response_model=ImportResultPublic, status_code=status.HTTP_201_CREATED,
             summary="Import items from a CSV or XLSX sheet (title, body, kind, level, valid_from, valid_until, "
                     "areas, campaign_id); all or nothing")
async def import_(session: SessionDep, principal: OperatorUser, settings: SettingsDep, file: UploadFile,
                  campaign_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
                  submit: Annotated[bool, Form()] = False) -> ImportResultPublic:
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    outcome = await run_in_threadpool(import_contents, session, raw, file.filename or "", actor=principal,
                                      settings=settings, campaign_id=campaign_id, submit=submit)
    return ImportResultPublic(created=len(outcome.ids), submitted=outcome.submitted, ids=outcome.ids)


@router.get("/contents/{content_id}", response_model=ContentPublic,
            summary="One item: its latest revision, spoken text, audio once ready, and what airs")
def get(session: SessionDep, principal: Reader, settings: SettingsDep, content_id: IdPath) -> ContentPublic:
    return _public(session, settings, workflow.get_content(session, content_id, actor=principal))


@router.patch("/contents/{content_id}", response_model=ContentPublic,
              summary="Edit an item. On an approved item this creates a new revision that needs approval; "
                      "the approved one keeps airing meanwhile")
def patch(session: SessionDep, principal: OperatorUser, settings: SettingsDep, content_id: IdPath,
          body: ContentUpdate) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.update_content(session, content, body, actor=principal,
                                                                  tz=settings.tz, voices=voices_dir(settings)))


@router.post("/contents/{content_id}/submit", response_model=ContentPublic, summary="Send for approval")
def submit(session: SessionDep, principal: OperatorUser, settings: SettingsDep, content_id: IdPath) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.submit_content(session, content, actor=principal, settings=settings))


@router.post("/contents/{content_id}/withdraw", response_model=ContentPublic,
             summary="Take a submission back to draft")
def withdraw(session: SessionDep, principal: OperatorUser, settings: SettingsDep, content_id: IdPath,
             body: ReasonBody | None = None) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.withdraw_content(session, content, actor=principal,
                                                               reason=body.reason if body else None))


class ApproveBody(BaseModel):
    audio_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="the audio the approver heard (audio.sha256 of the item): approval is refused (409) if the "
                    "item's audio is no longer that file, so exactly what was heard airs")


@router.post("/contents/{content_id}/approve", response_model=ContentPublic,
             summary="Approve (never your own item); it airs the audio rendered on submission (rendered now if "
                     "that failed)")
def approve(session: SessionDep, principal: ApproverUser, settings: SettingsDep, content_id: IdPath,
            body: ApproveBody | None = None) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.approve_content(session, content, actor=principal, settings=settings,
                                                               heard_sha256=body.audio_sha256 if body else None))


@router.post("/contents/{content_id}/reject", response_model=ContentPublic, summary="Reject, with a reason")
def reject(session: SessionDep, principal: ApproverUser, settings: SettingsDep, content_id: IdPath,
           body: RejectBody) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.reject_content(session, content, actor=principal, reason=body.reason))


@router.post("/contents/{content_id}/archive", response_model=ContentPublic,
             summary="Stop airing and close the item (kept for the record)")
def archive(session: SessionDep, principal: OperatorOrApprover, settings: SettingsDep, content_id: IdPath,
            body: ReasonBody | None = None) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.archive_content(session, content, actor=principal,
                                                              reason=body.reason if body else None))


@router.post("/contents/{content_id}/render", response_model=ContentPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Render the approved text's audio again (after a failure)")
def render(session: SessionDep, principal: OperatorOrApprover, settings: SettingsDep,
           content_id: IdPath) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.retry_render(session, content, actor=principal, settings=settings))


@router.post("/contents/{content_id}/audio", response_model=ContentPublic,
             responses={413: {"description": f"Over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"}},
             summary=f"Upload a human recording (MP3/WAV/OGG/M4A, at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB "
                     f"and {MAX_UPLOAD_DURATION_MS // 60_000} minutes) that replaces TTS; loudness-normalized like "
                     "TTS output")
def upload_audio(session: SessionDep, principal: OperatorUser, settings: SettingsDep, content_id: IdPath,
                 file: UploadFile) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    content = upload_recording(session, content, file.file, file.filename or "", actor=principal, settings=settings)
    return _public(session, settings, content)


@router.get("/contents/{content_id}/history", response_model=list[ContentEventPublic],
            summary="Audit trail: who did what, when, from which status to which, and why")
def history(session: SessionDep, principal: Reader, content_id: IdPath) -> list[ContentEventPublic]:
    return workflow.history(session, workflow.get_content(session, content_id, actor=principal))


@router.get("/contents/{content_id}/revisions", response_model=list[RevisionPublic],
            summary="Every revision of an item, oldest first")
def revisions(session: SessionDep, principal: Reader, content_id: IdPath) -> list[RevisionPublic]:
    return workflow.revisions(session, workflow.get_content(session, content_id, actor=principal))


class ReachPublic(BaseModel):
    content_id: int
    revision_id: int = Field(description="the latest revision: the one an approver decides on")
    level: str
    area_names: list[str]
    communes: int
    clusters: int
    valid_from: date
    valid_until: date
    ends_at: datetime | None = Field(description="emergencies: when it stops airing (local time)")
    ended_at: datetime | None = Field(description="set when it was ended with POST /contents/{id}/end")
    slot_plays: int = Field(description="emergencies: cluster-slots it will open from the first play to its end")
    first_play_at: datetime | None = Field(description="emergencies: first time it plays (local time)")
    last_play_at: datetime | None = Field(description="emergencies: last time it plays (local time)")
    first_play_text: str | None = Field(description="first_play_at as dd/mm/yyyy HH:MM")
    last_play_text: str | None = Field(description="last_play_at as dd/mm/yyyy HH:MM")
    ends_at_text: str | None = Field(description="ends_at as dd/mm/yyyy HH:MM")
    note: str


def reach_public(reach: Reach, tz) -> ReachPublic:
    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value is not None else None

    def text(value: datetime | None) -> str | None:
        return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value is not None else None

    return ReachPublic(
        content_id=reach.content_id, revision_id=reach.revision_id, level=reach.level, area_names=reach.area_names,
        communes=reach.communes, clusters=reach.clusters, valid_from=reach.valid_from, valid_until=reach.valid_until,
        ends_at=local(reach.ends_at), ended_at=local(reach.ended_at), slot_plays=reach.slot_plays,
        first_play_at=local(reach.first_play_at), last_play_at=local(reach.last_play_at),
        first_play_text=text(reach.first_play_at), last_play_text=text(reach.last_play_at),
        ends_at_text=text(reach.ends_at), note=reach.note)


@router.get("/contents/{content_id}/reach", response_model=ReachPublic,
            summary="What approving the latest revision reaches: communes, clusters and, for an emergency, the "
                    "first and last time it plays and its end")
def reach(session: SessionDep, principal: Reader, settings: SettingsDep, content_id: IdPath) -> ReachPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return reach_public(content_reach(session, content, tz=settings.tz), settings.tz)


@router.post("/contents/{content_id}/end", response_model=ContentPublic,
             summary="End an approved emergency now: it leaves the alerts and today's playlists (republished) and "
                     "devices are told to stop it. Ending an ended item answers 200 with the same state")
def end(session: SessionDep, principal: OperatorOrApprover, settings: SettingsDep, content_id: IdPath,
        body: ReasonBody | None = None) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    areas = workflow.revision_areas(session, content.airing_revision_id) if content.airing_revision_id else []
    emergencies.end_emergency(session, content, actor=principal, areas=areas, reason=body.reason if body else None)
    return _public(session, settings, content)
