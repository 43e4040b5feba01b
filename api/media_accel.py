"""Sending a stored audio file: by loaxa itself, or by nginx when LOAXA_MEDIA_ACCEL_PREFIX is set.

The route has already decided that the caller may have the file and that it is not a 304. With the prefix
set, the answer is an empty 200 whose X-Accel-Redirect names the file under nginx's `internal` location
(docs/nginx/loaxa.conf): nginx keeps this answer's Content-Type, Content-Disposition and Cache-Control,
the location repeats its ETag, and nginx answers Range (206/416) and HEAD from the file on disk, so the
bytes never pass through Python.
"""

from pathlib import Path
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import FileResponse

from core.config import Settings

ACCEL_HEADER = "X-Accel-Redirect"


def accel_uri(settings: Settings, path: Path) -> str | None:
    """Where nginx finds `path` (a file of the media store), or None when nginx is not in front."""
    prefix = settings.media_accel_prefix
    if prefix is None:
        return None
    relative = path.resolve().relative_to(settings.media_dir.resolve())
    return f"{prefix}/{quote(relative.as_posix())}"


def send_file(settings: Settings, path: Path, *, media_type: str, headers: dict[str, str],
              filename: str | None = None, disposition: str = "attachment") -> Response:
    uri = accel_uri(settings, path)
    if uri is None:
        return FileResponse(path, media_type=media_type, filename=filename, content_disposition_type=disposition,
                            headers=headers)
    accel = {**headers, ACCEL_HEADER: uri}
    if filename is not None:
        accel["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return Response(status_code=200, media_type=media_type, headers=accel)
