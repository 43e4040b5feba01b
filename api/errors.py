"""One place that turns domain and database errors into clear 4xx answers."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import Busy, Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, TooLarge, TooMany

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER_S = 2
BUSY = "Máy chủ đang bận, vui lòng thử lại sau ít giây."
STATUS_BY_ERROR = {NotFound: 404, Invalid: 422, Conflict: 409, Forbidden: 403, Gone: 410, TooMany: 429,
                   TooLarge: 413, Busy: 503}


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

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in err.items() if k in ("loc", "msg", "type")} for err in exc.errors()]
        summary = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body') or 'body'}: {err['msg']}" for err in errors[:5]
        )
        return JSONResponse({"detail": jsonable_encoder(errors), "message": f"Dữ liệu không hợp lệ: {summary}"},
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
