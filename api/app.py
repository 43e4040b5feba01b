"""The FastAPI application: API under /api/v1, web pages, media files, and the embedded scheduler."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api.deps import make_write_gate
from api.errors import AnonymousWriteGuard, BodySizeLimit, install_error_handlers
from api.playlist_fast_lane import PlaylistNotModified
from api.routes import (
    areas,
    auth,
    campaigns,
    clusters,
    contents,
    devices,
    directives,
    health,
    lexicon,
    media,
    playlists,
    plays,
    quotas,
    relays,
    reports,
    slots,
    tasks,
    tts,
    users,
    voices,
)
from api.security_headers import SecurityHeaders
from api.web import SESSION_COOKIE
from api.wiring import wire_events
from core import tasks as task_queue
from core.config import Settings, get_settings
from core.db import make_engine, upgrade_database
from devices import push as device_push

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# Each router declares its own paths (prefix included) relative to /api/v1.
API_ROUTERS = [
    auth.router, areas.router, users.router, tasks.router,
    directives.router, campaigns.router, contents.router, quotas.router, lexicon.router, tts.router,
    slots.router, relays.router, playlists.router, clusters.router, plays.router, reports.router, devices.router,
    voices.router,
]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               migrate: bool = True, start_scheduler: bool | None = None) -> FastAPI:
    """Build the app. Tests pass their own engine (schema already made) and no scheduler."""
    wire_events()  # before anything can publish: raises if an event would go unhandled
    settings = settings or get_settings()
    settings.ensure_dirs()
    engine = engine or make_engine(settings.sqlalchemy_url)
    run_scheduler = settings.scheduler_enabled if start_scheduler is None else start_scheduler

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if migrate:
            upgrade_database(settings.sqlalchemy_url)
        task_queue.configure(engine, backend=settings.task_backend, workers=settings.task_workers,
                             redis_url=settings.redis_url)
        if settings.task_backend == "thread":
            task_queue.recover_unfinished(engine)
        device_push.configure(settings.mqtt_url)
        scheduler = None
        if run_scheduler:
            from scheduler.service import start_embedded

            scheduler = start_embedded(settings, engine)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            task_queue.shutdown()
            device_push.shutdown()

    app = FastAPI(
        title="loaxa",
        summary="Lịch phát thanh cho hệ thống loa truyền thanh cơ sở",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.write_gate = make_write_gate(settings, engine)
    install_error_handlers(app)
    # Innermost: the headers of every answer, its 304s too, still pass the middlewares below.
    app.add_middleware(PlaylistNotModified, engine=engine)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(AnonymousWriteGuard, session_cookie=SESSION_COOKIE)  # outermost: runs before the cap
    app.add_middleware(SecurityHeaders)
    app.include_router(health.router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    # Content-addressed audio (/media/{sha256}.{ext}), fetchable by devices without a token.
    app.include_router(media.router)
    from api.web import install_web

    install_web(app, settings)
    return app
