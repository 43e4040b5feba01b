"""Content items ("tin, bài") and their approval workflow, audio and import."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from api.deps import MAX_ID, ApproverUser, IdPath, OperatorUser, Reader, SessionDep, SettingsDep, require
from campaigns import contents as workflow
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

router = APIRouter(tags=["contents"])

OperatorOrApprover = Annotated[Principal, require(Role.operator, Role.approver)]


def _public(session, settings, content) -> ContentPublic:
    return workflow.content_public(session, content, today=local_today(settings.tz))


@router.post("/contents", response_model=ContentPublic, status_code=status.HTTP_201_CREATED,
             summary="Write a content item (a draft). Without area_ids it targets its campaign's areas.")
def create(session: SessionDep, principal: OperatorUser, settings: SettingsDep, body: ContentCreate) -> ContentPublic:
    return _public(session, settings, workflow.create_content(session, body, actor=principal))


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
    return _public(session, settings, workflow.update_content(session, content, body, actor=principal))


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


@router.post("/contents/{content_id}/approve", response_model=ContentPublic,
             summary="Approve (never your own item); the audio is rendered in the background")
def approve(session: SessionDep, principal: ApproverUser, settings: SettingsDep, content_id: IdPath) -> ContentPublic:
    content = workflow.get_content(session, content_id, actor=principal)
    return _public(session, settings, workflow.approve_content(session, content, actor=principal, settings=settings))


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
