"""Server-rendered web pages (Jinja2 + a little htmx), served by the same app as the API.

Pages call the domain services directly with the request's session (never the HTTP API). The
signed cookie holds a session id whose user is kept server-side (api.deps.session_principal), which
api.deps.get_principal accepts too; every POST form carries a per-session CSRF token (hidden field,
or a header for htmx).
"""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.web.blank_params import DropBlankQueryParams
from core.config import Settings

SESSION_COOKIE = "loaxa_session"


def install_web(app: FastAPI, settings: Settings) -> None:
    """Mount static files, the session middleware and the page routers."""
    from api.web import (
        airtime_pages,
        areas_pages,
        auth_pages,
        campaign_pages,
        commemoration_pages,
        content_pages,
        dashboard,
        fleet_pages,
        import_pages,
        playlist_pages,
        quota_pages,
        relays_pages,
        slots_pages,
        speech_pages,
        tasks_pages,
        users_pages,
        voices_pages,
    )
    from api.web.common import STATIC_DIR, app_error_page
    from api.web.i18n import LANGUAGES, translations

    for lang in LANGUAGES:
        translations(lang)  # compile the catalogues now: a broken .po stops the start, not a page later

    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(), session_cookie=SESSION_COOKIE,
                       max_age=settings.access_token_minutes * 60, same_site="lax",
                       # Secure cookie when the deployment is served over TLS (browsers then never send it in clear).
                       https_only=(settings.public_base_url or "").lower().startswith("https://"))
    app.add_middleware(DropBlankQueryParams)
    app.state.error_page = app_error_page  # api/errors.py answers browsers' 404/500 with this page
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Fixed paths (/campaigns/commemorations, /contents/import) before the modules with /{id} paths.
    for module in (auth_pages, dashboard, areas_pages, users_pages, speech_pages, voices_pages, tasks_pages,
                   commemoration_pages, campaign_pages, import_pages, content_pages, quota_pages, slots_pages,
                   relays_pages, playlist_pages, airtime_pages, fleet_pages):
        app.include_router(module.router)
