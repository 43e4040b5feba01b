"""A cluster's published playlists in every form, and its active alerts (what a device pulls)."""

import datetime as dt
import secrets
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.background import BackgroundTask

from api.deps import DeviceOrReaderCluster, IdPath, ReaderCluster, SessionDep, SettingsDep
from api.media_accel import send_file
from core.config import Settings
from core.timeutil import local_today
from media.store import MediaStore, media_url
from playlists.formats import (
    M3U8_MEDIA_TYPE,
    bundle_manifest,
    current_etag,
    etag_matches,
    explanation_json,
    load_view,
    m3u8,
    playlist_json,
    programme_file,
    quoted_etag,
    write_bundle,
)
from playlists.priority_orders import SlotClash, priority_clashes
from playlists.queries import cluster_alerts

router = APIRouter(tags=["clusters"])

SlotIndex = Annotated[int, Path(ge=0, le=1000)]


class ItemOut(BaseModel):
    position: int
    kind: str
    content_id: int | None
    revision_id: int | None
    title: str
    campaign_id: int | None
    level: str
    starts_at: datetime
    duration_ms: int
    audio_url: str | None = Field(description="null for a relay")
    sha256: str | None = Field(description="null for a relay")
    ext: str | None
    relay_id: int | None = Field(default=None, description="kind relay: the relay programme")
    stream_url: str | None = Field(default=None, description="kind relay: the live stream to play for duration_ms")


class SlotOut(BaseModel):
    index: int
    name: str
    starts_at: datetime
    ends_at: datetime
    unused_ms: int | None
    programme_url: str | None
    items: list[ItemOut]


class PlaylistOut(BaseModel):
    cluster_id: int
    date: dt.date
    version: int
    etag: str
    built_at: datetime
    slots: list[SlotOut]


class AlertOut(BaseModel):
    content_id: int
    title: str
    audio_url: str | None
    sha256: str | None
    duration_ms: int | None
    issued_at: datetime
    valid_until: date
    ends_at: datetime | None = Field(default=None, description="when it stops airing (it leaves this list then)")
    tone_in_audio: bool = Field(default=False, description="the audio already starts with the alert tone (a TTS "
                                "render): the device plays none of its own; false: it plays its tone first")


def base_url(request: Request, settings: Settings) -> str:
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def not_modified(etag: str) -> Response:
    """The 304 of every playlist form (also answered by api/playlist_fast_lane.py before the route)."""
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})


def _unchanged(session: Session, cluster_id: int, day: date, if_none_match: str | None,
               suffix: str = "") -> Response | None:
    """The 304 for a device that already has this version, from the ETag alone (no items loaded); None when
    the form must be made (changed, or no playlist: load_view then answers the 404)."""
    if not if_none_match:
        return None
    tag = current_etag(session, cluster_id, day)
    if tag is None:
        return None
    etag = f'"{tag}{suffix}"'
    return not_modified(etag) if etag_matches(if_none_match, etag) else None


@router.get("/clusters/{cluster_id}/playlists/{day}.m3u8", response_class=Response,
            responses={200: {"content": {M3U8_MEDIA_TYPE: {}}}, 304: {"description": "Not modified"}},
            summary="The day's playlist as an extended M3U with HLS VOD tags (ffmpeg, mpv, VLC play it as is)")
def playlist_m3u8(request: Request, session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster,
                  cluster_id: IdPath, day: date,
                  slot: Annotated[int | None, Query(ge=0, le=1000, description="Only this slot's items")] = None,
                  if_none_match: Annotated[str | None, Header()] = None) -> Response:
    suffix = f"-m3u8{'' if slot is None else f'-{slot}'}"
    if (unchanged := _unchanged(session, cluster_id, day, if_none_match, suffix)) is not None:
        return unchanged
    view = load_view(session, cluster_id, day)
    etag = quoted_etag(view, suffix)
    body = m3u8(view, settings.tz, base_url(request, settings), slot_index=slot)
    return Response(body, media_type=M3U8_MEDIA_TYPE, headers={"ETag": etag, "Cache-Control": "no-cache"})


@router.get("/clusters/{cluster_id}/playlists/{day}/bundle", response_class=FileResponse,
            responses={200: {"content": {"application/zip": {}}}, 304: {"description": "Not modified"}},
            summary="The day's playlist as a zip: manifest.json and every audio file named by its sha256 "
                    "(relays are live streams: listed in the manifest's not_in_bundle)")
def playlist_bundle(request: Request, session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster,
                    cluster_id: IdPath, day: date,
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    if (unchanged := _unchanged(session, cluster_id, day, if_none_match, "-zip")) is not None:
        return unchanged
    view = load_view(session, cluster_id, day)
    etag = quoted_etag(view, "-zip")
    store = MediaStore(settings.media_dir)
    manifest = bundle_manifest(view, settings.tz, base_url(request, settings))
    out = store.tmp_dir() / f"bundle-{cluster_id}-{day.isoformat()}-{secrets.token_hex(6)}.zip"
    write_bundle(view, manifest, store, out)
    name = f"loaxa-{cluster_id}-{day.isoformat()}-v{view.playlist.version}.zip"
    return FileResponse(out, media_type="application/zip", filename=name,
                        headers={"ETag": etag, "Cache-Control": "no-cache"},
                        background=BackgroundTask(out.unlink, missing_ok=True))


@router.get("/clusters/{cluster_id}/playlists/{day}/programme/{slot_index}.mp3", response_class=FileResponse,
            responses={200: {"content": {"audio/mpeg": {}}}, 304: {"description": "Not modified"}},
            summary="One slot as a single continuous MP3 (for stations that play one file from a PC)")
def playlist_programme(session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster, cluster_id: IdPath,
                       day: date, slot_index: SlotIndex,
                       if_none_match: Annotated[str | None, Header()] = None) -> Response:
    view = load_view(session, cluster_id, day)
    sha256, path = programme_file(session, MediaStore(settings.media_dir), view, slot_index)
    etag = f'"{sha256}"'
    if etag_matches(if_none_match, etag):
        return not_modified(etag)
    name = f"loaxa-{cluster_id}-{day.isoformat()}-slot{slot_index}.mp3"
    # Authorised above (the cluster's device or a reader of it): behind nginx, nginx sends the bytes.
    return send_file(settings, path, media_type="audio/mpeg", filename=name, disposition="inline",
                     headers={"ETag": etag, "Cache-Control": "no-cache"})


@router.get("/clusters/{cluster_id}/playlists/{day}/explain",
            summary="Why eligible content is not in the playlist (slot full, not valid, no audio...)")
def playlist_explain(session: SessionDep, _cluster: DeviceOrReaderCluster, cluster_id: IdPath, day: date) -> dict:
    return explanation_json(load_view(session, cluster_id, day))


@router.get("/clusters/{cluster_id}/playlists/{day}", response_model=PlaylistOut,
            responses={304: {"description": "Not modified (If-None-Match matched the ETag)"}},
            summary="The day's published playlist (JSON, with an ETag)")
def playlist(request: Request, session: SessionDep, settings: SettingsDep, _cluster: DeviceOrReaderCluster,
             cluster_id: IdPath, day: date, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    if (unchanged := _unchanged(session, cluster_id, day, if_none_match)) is not None:
        return unchanged
    view = load_view(session, cluster_id, day)
    etag = quoted_etag(view)
    return JSONResponse(playlist_json(view, settings.tz, base_url(request, settings)),
                        headers={"ETag": etag, "Cache-Control": "no-cache"})


@router.get("/clusters/{cluster_id}/playlists/{day}/priority-clashes", response_model=list[SlotClash],
            summary="Slots where higher-level and the commune's own priority items clash, with the order in force "
                    "(default or an operator's) and a note; reorder with PUT /priority-orders")
def playlist_priority_clashes(session: SessionDep, cluster: ReaderCluster, cluster_id: IdPath,
                              day: date) -> list[SlotClash]:
    return priority_clashes(session, load_view(session, cluster_id, day), cluster)


@router.get("/clusters/{cluster_id}/alerts", response_model=list[AlertOut],
            summary="Active emergency items for the cluster (approved, valid today, targeted at it)")
def alerts(request: Request, session: SessionDep, settings: SettingsDep,
           cluster: DeviceOrReaderCluster) -> list[AlertOut]:
    today = local_today(settings.tz)
    base = base_url(request, settings)
    return [AlertOut(content_id=a.content_id, title=a.title,
                     audio_url=base + media_url(a.sha256, a.ext) if a.sha256 and a.ext else None,
                     sha256=a.sha256, duration_ms=a.duration_ms, issued_at=a.issued_at.astimezone(settings.tz),
                     valid_until=a.valid_until,
                     ends_at=a.ends_at.astimezone(settings.tz) if a.ends_at else None,
                     tone_in_audio=a.tone_in_audio)
            for a in cluster_alerts(session, cluster, today)]
