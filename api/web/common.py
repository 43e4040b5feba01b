"""What every page shares: templates, the logged-in user, CSRF, error pages, form parsing, formatting.

Web concerns only: which areas a page offers is api/web/area_choices.py; rules live in the domain packages."""

import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import SESSION_ID_KEY, SessionDep, session_principal
from api.errors import STATUS_BY_ERROR
from api.validation_text import validation_message
from api.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from campaigns.models import MAX_BODY_CHARS
from core import formatting, timeutil
from core.areas import LEVEL_LABELS, AreaLevel
from core.errors import DomainError, Forbidden
from core.users import ROLE_LABELS, Principal, Role

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


# --- language -------------------------------------------------------------------------------

def lang_of(request: Request) -> str:
    lang = request.session.get("lang", DEFAULT_LANGUAGE) if "session" in request.scope else DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def tr(request: Request, text: str) -> str:
    return translate(text, lang_of(request))


def trf(request: Request, msgid: str, /, **values: Any) -> str:
    """A message with values in it: the msgid keeps named placeholders ("Đã lưu “{name}”.") so the
    extractor and the translator see one literal text, and the values go in after the lookup.
    (Positional-only, so any placeholder name is free, `text` or `request` included.)"""
    return translate(msgid, lang_of(request)).format(**values)


# --- CSRF -----------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the login page makes one before anyone logs in)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


class CsrfFailed(Exception):
    pass


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token: a form field, or a header for htmx."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed


async def get_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(get_form)]


# --- who is logged in -----------------------------------------------------------------------

class LoginRequired(Exception):
    def __init__(self, next_url: str):
        super().__init__(next_url)
        self.next_url = next_url


def page_principal(request: Request, session: SessionDep) -> Principal:
    principal = session_principal(request, session)
    if principal is None or principal.role == Role.device:
        request.session.pop(SESSION_ID_KEY, None)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        raise LoginRequired(target)
    request.state.principal = principal
    return principal


WebUser = Annotated[Principal, Depends(page_principal)]


def roles(*allowed: Role):
    """A page dependency admitting only these roles (admin always)."""
    admitted = {Role.admin, *allowed}

    def check(principal: WebUser) -> Principal:
        if principal.role not in admitted:
            raise Forbidden("Vai trò của bạn không được dùng trang này.")
        return principal

    return Depends(check)


OperatorPage = Annotated[Principal, roles(Role.operator)]
ApproverPage = Annotated[Principal, roles(Role.approver)]
ReaderPage = Annotated[Principal, roles(Role.operator, Role.approver, Role.supervisor)]
AdminPage = Annotated[Principal, roles()]


# --- rendering ------------------------------------------------------------------------------

NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("/", "Tổng quan", (Role.operator, Role.approver, Role.supervisor)),
    ("/areas", "Địa bàn", (Role.operator, Role.supervisor)),
    ("/campaigns", "Chiến dịch", (Role.operator, Role.approver, Role.supervisor)),
    ("/contents", "Tin bài", (Role.operator, Role.approver, Role.supervisor)),
    ("/approvals", "Chờ duyệt", (Role.approver,)),
    ("/quotas", "Chỉ tiêu tin bài", (Role.operator, Role.approver, Role.supervisor)),
    ("/slots", "Lịch phát", (Role.operator, Role.supervisor)),
    ("/playlists", "Danh sách phát", (Role.operator, Role.approver, Role.supervisor)),
    ("/airtime", "Thời lượng", (Role.operator, Role.approver, Role.supervisor)),
    ("/fleet", "Thiết bị", (Role.operator, Role.approver, Role.supervisor)),
    ("/lexicon", "Từ điển phát âm", (Role.operator,)),
    ("/users", "Người dùng", ()),
]


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    return [(href, label) for href, label, allowed in NAV if principal.role == Role.admin or principal.role in allowed]


def _context(request: Request) -> dict[str, Any]:
    principal: Principal | None = getattr(request.state, "principal", None)
    lang = lang_of(request)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    return {
        "user": principal,
        "role_label": ROLE_LABELS.get(principal.role, "") if principal else "",
        "nav": nav_for(principal),
        "lang": lang,
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "flashes": flashes,
        "path": request.url.path,
    }


templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[_context])
templates.env.add_extension("jinja2.ext.i18n")


# jinja2.ext.i18n's _()/gettext/{% trans %} look the text up in the page's language (the context's `lang`).
@pass_context
def _page_gettext(ctx, text: str) -> str:
    return translate(text, ctx.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _page_ngettext(ctx, singular: str, plural: str, count: int) -> str:
    return translate(singular if count == 1 else plural, ctx.get("lang", DEFAULT_LANGUAGE))


templates.env.install_gettext_callables(_page_gettext, _page_ngettext, newstyle=False)  # type: ignore[attr-defined]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], {"kind": kind, "text": message}]


def redirect(url: str) -> RedirectResponse:
    """Post/redirect/get: 303 so the browser follows with a GET."""
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, message: str, status_code: int) -> HTMLResponse:
    if request.headers.get("hx-request"):
        return HTMLResponse(f'<p class="msg err" role="alert">{_escape(message)}</p>', status_code=status_code)
    return render(request, "error.html", status_code=status_code, message=message, status=status_code)


def app_error_page(request: Request, message: str, status_code: int) -> HTMLResponse:
    """The error page for an address no page route answered (404) or a fault (500): no page dependency ran,
    so the logged-in user (for the menu) is looked up here."""
    if "session" in request.scope and request.session.get(SESSION_ID_KEY) \
            and getattr(request.state, "principal", None) is None:
        from sqlmodel import Session

        with Session(request.app.state.engine) as session:
            principal = session_principal(request, session)
        if principal is not None and principal.role != Role.device:
            request.state.principal = principal
    return error_page(request, message, status_code)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def status_for(exc: DomainError) -> int:
    return next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)


class WebRoute(APIRoute):
    """Pages answer errors with pages: a domain error or bad query becomes a readable HTML message,
    a missing login becomes a redirect to the login page."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                url = f"/login?next={quote(exc.next_url)}"
                if request.headers.get("hx-request"):
                    return Response(status_code=204, headers={"HX-Redirect": url})
                return RedirectResponse(url, status_code=303)
            except CsrfFailed:
                return error_page(request, tr(request, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                                       "Vui lòng tải lại trang và thử lại."), 403)
            except DomainError as exc:
                return error_page(request, exc.message, status_for(exc))
            except RequestValidationError as exc:
                return error_page(request, validation_message(exc.errors()), 422)

        return wrapped


def web_router() -> APIRouter:
    return APIRouter(route_class=WebRoute, dependencies=[Depends(check_csrf)], include_in_schema=False)


# --- forms ----------------------------------------------------------------------------------

def form_error(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return validation_message(exc.errors())
    return exc.message


def form_value(form: FormData, key: str) -> str | None:
    """A trimmed text field; empty means absent."""
    value = form.get(key)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


# Days a page can be asked about (the API's own bounds for dates a broadcast schedule can mean).
MIN_PAGE_DAY, MAX_PAGE_DAY = date(1945, 1, 1), date(2100, 12, 31)


def parse_date(text: str | None) -> date | str | None:
    """dd/mm/yyyy (what users type) or yyyy-mm-dd; anything else is handed on for pydantic to reject."""
    if text is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return text


def parse_day_param(text: str | None, default: date, request: Request | None = None) -> date:
    """A day from the address (`?day=`, `?from=`…): blank means `default`. A day that cannot be read or is
    impossible (31/02, year 20266) also falls back to `default`, but never silently: with the request, the
    page says which day it shows instead."""
    if text is None or not text.strip():
        return default
    parsed = parse_date(text.strip())
    if isinstance(parsed, date) and MIN_PAGE_DAY <= parsed <= MAX_PAGE_DAY:
        return parsed
    if request is not None:
        flash(request, trf(request, "Ngày “{text}” không hợp lệ (nhập theo dạng dd/mm/yyyy, ví dụ {day}); "
                                    "đang hiển thị ngày {day}.", text=text[:40], day=f"{default:%d/%m/%Y}"), "err")
    return default


def form_ids(form: FormData, key: str) -> list[int]:
    ids = []
    for value in form.getlist(key):
        if isinstance(value, str) and value.strip().isdigit():
            ids.append(int(value.strip()))
    return ids


# --- labels ---------------------------------------------------------------------------------

def level_label(level: str) -> str:
    return LEVEL_LABELS.get(AreaLevel(level), level)


# --- formatting (Jinja filters) -------------------------------------------------------------

def _tz(ctx):
    return ctx["request"].app.state.settings.tz


# The formats are core.formatting's; these filters add the app's zone and the page's empty mark.

NO_VALUE = "—"


@pass_context
def fmt_date(ctx, value: date | datetime | None) -> str:
    if value is None:
        return ""
    return formatting.local_date_text(value, _tz(ctx)) if isinstance(value, datetime) else formatting.date_text(value)


@pass_context
def fmt_datetime(ctx, value: datetime | None) -> str:
    return "" if value is None else formatting.local_datetime_text(value, _tz(ctx))


@pass_context
def fmt_time(ctx, value: datetime | None) -> str:
    return "" if value is None else formatting.local_time_text(value, _tz(ctx))


def fmt_hm(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


def fmt_minutes(seconds: float | None) -> str:
    return formatting.minutes_text(seconds, empty=NO_VALUE)


def fmt_percent(ratio: float | None) -> str:
    return formatting.percent_label(ratio, empty=NO_VALUE)


def local_today(request: Request) -> date:
    """Today in the deployment's zone (core.timeutil.local_today with the app's settings.tz)."""
    return timeutil.local_today(request.app.state.settings.tz)


def tomorrow(request: Request) -> date:
    return local_today(request) + timedelta(days=1)


templates.env.filters.update(d=fmt_date, dt=fmt_datetime, t=fmt_time, hm=fmt_hm, dur=formatting.duration_text,
                             minutes=fmt_minutes, pct=fmt_percent, level_label=level_label,
                             thousands=formatting.thousands, shorten=formatting.shorten,
                             docno=formatting.document_number)
# The one content length limit, which the editor states and counts (the API's, campaigns.models).
templates.env.globals["body_limit"] = MAX_BODY_CHARS

