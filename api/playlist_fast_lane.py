"""The morning rush's commonest request in one query: a device asking for its own playlist with the ETag
it already has (`If-None-Match`) gets its 304 without the full route.

The route (api/routes/clusters.py) resolves the caller, its cluster and the playlist through the
dependency chain, several worker-thread hops and four queries: about 2 ms of CPU per request on the
development machine, more than half a core at 500 requests/s (bench/bench_media.py). Here one statement
checks the token (core.users.device_token_of: the same rule) and reads the current ETag together. Only
a sure 304 is answered here; anything else (another caller, a changed or missing playlist, a query
string, a database error) goes on to the route, which gives its own answer.
"""

import re
from datetime import date
from typing import Any

import anyio
import sqlalchemy as sa
from fastapi import Response
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.routes.clusters import not_modified
from core.db import MAX_ID
from core.timeutil import now_utc
from core.users import AccessToken, device_token_of
from playlists.formats import etag_matches
from playlists.models import IS_CURRENT, Playlist

PATH = re.compile(r"^/api/v1/clusters/([1-9][0-9]{0,9})/playlists/([0-9]{4}-[0-9]{2}-[0-9]{2})$")
# Threads answering here at once: each holds a pooled connection for one short query.
AT_ONCE = 8


class PlaylistNotModified:
    def __init__(self, app: Any, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self.limiter: anyio.CapacityLimiter | None = None  # made in the event loop, on first use

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string"):
            match = PATH.match(scope["path"])
            if match is not None:
                answer = await self._not_modified(scope, int(match[1]), match[2])
                if answer is not None:
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _not_modified(self, scope: Any, cluster_id: int, day_text: str) -> Response | None:
        headers = dict(scope["headers"])
        sent = headers.get(b"if-none-match", b"").decode("latin-1")
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if not sent or scheme.lower() != "bearer" or not token or cluster_id > MAX_ID:
            return None
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return None
        if self.limiter is None:
            self.limiter = anyio.CapacityLimiter(AT_ONCE)
        try:
            tag = await anyio.to_thread.run_sync(self._etag, token.strip(), cluster_id, day, limiter=self.limiter)
        except Exception:  # noqa: BLE001 - the route answers properly (503 when the database is busy...)
            return None
        if tag is None:
            return None
        etag = f'"{tag}"'
        return not_modified(etag) if etag_matches(sent, etag) else None

    def _etag(self, token: str, cluster_id: int, day: date) -> str | None:
        query = (select(Playlist.etag)
                 .join(AccessToken, sa.and_(device_token_of(token, cluster_id, now_utc()),
                                            col(AccessToken.cluster_id) == col(Playlist.cluster_id)))
                 .where(Playlist.cluster_id == cluster_id, Playlist.day == day, IS_CURRENT))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()
