"""One place that turns domain and database errors into clear 4xx answers.

API clients get JSON ({"detail": ...}); a browser asking for a page (Accept: text/html, outside /api)
gets the same words as a readable page, for an unknown address (404) and for an unexpected fault (500).
"""

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.validation_text import error_clause, validation_message
from core.errors import Busy, Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, TooLarge, TooMany

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER_S = 2
BUSY = "Máy chủ đang bận, vui lòng thử lại sau ít giây."
STATUS_BY_ERROR = {NotFound: 404, Invalid: 422, Conflict: 409, Forbidden: 403, Gone: 410, TooMany: 429,
                   TooLarge: 413, Busy: 503}


# Starlette's stock English reasons, in the users' words; a detail a route wrote itself is kept as it is.
HTTP_WORDS = {
    404: "Không tìm thấy trang hoặc dữ liệu này. Địa chỉ có thể đã gõ sai hoặc đã bị xóa.",
    405: "Địa chỉ này không nhận kiểu yêu cầu đó.",
    406: "Không trả lời được theo định dạng yêu cầu.",
    415: "Định dạng dữ liệu gửi lên không được hỗ trợ.",
}
SERVER_FAULT = ("Máy chủ gặp lỗi ngoài dự kiến. Vui lòng thử lại; nếu lỗi còn lặp lại, "
                "hãy báo quản trị viên kèm thời điểm xảy ra.")
API_PATH = "/api/"
# (request, message, status) -> a page; set by the web pages (api.web.install_web) when they are mounted.
PageRenderer = Callable[[Request, str, int], Response]


def wants_page(request: Request) -> bool:
    """A browser navigating to a page, not an API client (which gets JSON whatever it accepts)."""
    return (not request.url.path.startswith(API_PATH)
            and "text/html" in request.headers.get("accept", "")
            and getattr(request.app.state, "error_page", None) is not None)


BAD_BODY = "Không đọc được dữ liệu gửi lên: biểu mẫu, tệp hoặc JSON bị hỏng hay sai định dạng."


def http_words(status_code: int, detail: Any) -> Any:
    try:
        stock = HTTPStatus(status_code).phrase
    except ValueError:
        stock = None
    if detail == stock:
        return HTTP_WORDS.get(status_code, detail)
    if status_code == 400 and isinstance(detail, str) and detail.isascii():
        # The body parsers' own English (multipart: 'The Content-Disposition header field "name" must be
        # provided.'); every message of ours is Vietnamese, with its diacritics.
        log.info("unreadable request body: %s", detail)
        return BAD_BODY
    return detail


def _status_for(exc: DomainError) -> int:
    for cls, code in STATUS_BY_ERROR.items():
        if isinstance(exc, cls):
            return code
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after_s", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse({"detail": exc.message}, status_code=_status_for(exc), headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = http_words(exc.status_code, exc.detail)
        if wants_page(request) and isinstance(detail, str):
            return request.app.state.error_page(request, detail, exc.status_code)
        return await http_exception_handler(request, StarletteHTTPException(exc.status_code, detail, exc.headers))

    @app.exception_handler(Exception)
    async def server_fault(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after this answer: the fault is still seen, never hidden.
        if wants_page(request):
            try:
                return request.app.state.error_page(request, SERVER_FAULT, 500)
            except Exception:  # noqa: BLE001  (a page that cannot render falls back to the JSON answer)
                log.exception("the error page itself failed")
        return JSONResponse({"detail": SERVER_FAULT}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Same shape as FastAPI's (loc, msg, type), but msg in Vietnamese: never pydantic's "Value error, ...".
        errors = [{"loc": err.get("loc", ()), "msg": error_clause(err), "type": err.get("type")}
                  for err in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors), "message": validation_message(exc.errors())},
                            status_code=422)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return JSONResponse({"detail": "Dữ liệu trùng lặp hoặc tham chiếu tới bản ghi không tồn tại."},
                            status_code=409)

    @app.exception_handler(UnicodeEncodeError)
    async def unencodable_text(_request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON lets a lone UTF-16 surrogate ("\\ud800") through; no database or file can store it.
        log.info("unencodable text: %s", exc)
        return JSONResponse({"detail": "Văn bản chứa ký tự không hợp lệ (nửa cặp UTF-16 đứng riêng): hãy nhập lại."},
                            status_code=422)

    @app.exception_handler(OverflowError)
    async def out_of_range(_request: Request, exc: OverflowError) -> JSONResponse:
        # A date at the calendar's edge (0001-01-01, 9999-12-31) overflows once a day is added or a time
        # zone applied: the caller asked for something impossible, the server is not broken.
        log.info("out of range: %s", exc)
        return JSONResponse({"detail": "Ngày hoặc giá trị nằm ngoài phạm vi xử lý được (quá xa trong quá khứ "
                                       "hoặc tương lai): hãy chọn ngày gần hơn."}, status_code=422)

    @app.exception_handler(DataError)
    async def data_error(_request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return JSONResponse({"detail": "Giá trị không hợp lệ với cơ sở dữ liệu (quá lớn hoặc sai định dạng)."},
                            status_code=422)

    # A server under load is busy, not broken: clients (agents) wait Retry-After and send the same again.
    def busy() -> JSONResponse:
        return JSONResponse({"detail": BUSY}, status_code=503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("database connection pool exhausted: %s", exc)
        return busy()

    @app.exception_handler(OperationalError)
    async def operational_error(request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" not in str(exc.orig):
            raise exc  # anything else is a real fault: a 500 and its traceback
        log.warning("SQLite busy for too long: %s %s", request.method, request.url.path)
        return busy()


class BodySizeLimit:
    """Caps every request body: a declared one over the limit is refused before anything is read, and a
    streamed one (chunked, no Content-Length) is cut off with a 413 as soon as it passes the limit, so
    nobody can fill the memory or the temp directory by not saying how much they send."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _message(self) -> str:
        return f"Yêu cầu quá lớn: tối đa {self.max_bytes // 1_000_000} MB."

    def _refusal(self) -> JSONResponse:
        return JSONResponse({"detail": self._message()}, status_code=413)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or {}).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refusal()(scope, receive, send)
            return
        received, started = 0, False

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises an HTTPException met while reading the body (not a 400 "parse error").
                    raise StarletteHTTPException(413, detail=self._message())
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except StarletteHTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await self._refusal()(scope, receive, send)


class AnonymousWriteGuard:
    """An API write that carries no credentials (no `Authorization` header, no session cookie) is answered
    401 before a byte of its body is read: nobody unknown can make the server parse, buffer or spool an
    upload only to be refused afterwards. Logging in and pairing a device are the writes made before one
    has credentials."""

    OPEN_WRITES = ("/api/v1/auth/token", "/api/v1/devices/pair")
    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, app: Any, session_cookie: str) -> None:
        self.app, self.cookie = app, session_cookie.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] in self.UNSAFE and scope["path"].startswith("/api/")
                and scope["path"] not in self.OPEN_WRITES):
            headers = dict(scope.get("headers") or {})
            if b"authorization" not in headers and self.cookie + b"=" not in headers.get(b"cookie", b""):
                refusal = JSONResponse({"detail": "Chưa đăng nhập: cần mã truy cập (Authorization: Bearer ...)."},
                                       status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

