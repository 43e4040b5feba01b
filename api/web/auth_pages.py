"""Log in, log out and the language switch. The cookie keeps only a session id; the user behind it is
kept server-side (a "web" access token row), so the cookie is no bearer token for the API."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_ID_KEY, SessionDep, SettingsDep, session_principal
from api.web.common import FormDep, csrf_token, flash, form_value, redirect, render, tr, web_router
from api.web.i18n import LANGUAGES
from core.errors import DomainError, TooMany
from core.users import TOKEN_WEB, authenticate, logout

router = web_router()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never bounce a user to another host after logging in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    if session_principal(request, session) is not None:
        return redirect(_safe_next(next))
    csrf_token(request)
    return render(request, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login", response_class=HTMLResponse)
def login_submit(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    username = form_value(form, "username") or ""
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    target = _safe_next(form_value(form, "next"))
    if not username or not password:
        return render(request, "login.html", 422, next=target, username=username,
                      error="Vui lòng nhập tên đăng nhập và mật khẩu.")
    try:
        token = authenticate(session, username[:200], str(password)[:200],
                             max_failures=settings.login_max_failures,
                             window_seconds=settings.login_window_seconds,
                             token_minutes=settings.access_token_minutes,
                             client=request.client.host if request.client else "", kind=TOKEN_WEB)
    except DomainError as exc:
        session.rollback()
        return render(request, "login.html", 429 if isinstance(exc, TooMany) else 403,
                      next=target, username=username, error=exc.message)
    # A fresh session on login (no fixation); the language choice survives.
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session[SESSION_ID_KEY] = token
    csrf_token(request)
    return redirect(target)


@router.post("/logout")
def logout_submit(request: Request, session: SessionDep) -> RedirectResponse:
    principal = session_principal(request, session)
    if principal is not None:
        logout(session, principal)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    flash(request, tr(request, "Đã đăng xuất."))
    return redirect("/login")


@router.post("/lang")
def switch_language(request: Request, form: FormDep) -> RedirectResponse:
    lang = form_value(form, "lang")
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return redirect(_safe_next(form_value(form, "next")))
