"""Content-addressed audio: /media/{sha256}.{ext}, fetchable by devices with or without a token.

A file's name is its hash, so it never changes: the ETag is the sha256, caches may keep it for a
year, and Range requests let a device resume an interrupted download. Behind nginx the file is
normally served by nginx straight from the media directory (docs/nginx/loaxa.conf); when a request does
reach loaxa with LOAXA_MEDIA_ACCEL_PREFIX set, loaxa answers its 404/304 and hands the bytes to nginx.
"""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import FileResponse

from api.deps import SettingsDep
from api.media_accel import send_file
from core.errors import NotFound
from media.store import MediaStore
from playlists.formats import audio_media_type, etag_matches

router = APIRouter(tags=["media"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex sha256 of the file")]
Ext = Annotated[str, Path(pattern=r"^[a-z0-9]{1,10}$", description="File extension, e.g. mp3")]


@router.get("/media/{sha256}.{ext}", response_class=FileResponse,
            responses={200: {"content": {"audio/mpeg": {}}}, 206: {"description": "Partial content"},
                       304: {"description": "Not modified"}},
            summary="An audio file by content hash (no token needed; Range supported)")
@router.head("/media/{sha256}.{ext}", response_class=FileResponse, operation_id="media_file_head",
             summary="Headers of an audio file (size, ETag) without its bytes")
def media_file(settings: SettingsDep, sha256: Sha256, ext: Ext,
               if_none_match: Annotated[str | None, Header()] = None) -> Response:
    path = MediaStore(settings.media_dir).path_for(sha256, ext)
    if not path.is_file():
        raise NotFound("tệp âm thanh", f"{sha256}.{ext}")
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return send_file(settings, path, media_type=audio_media_type(ext), headers=headers)
