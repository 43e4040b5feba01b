"""One place that turns domain and database errors into clear 4xx answers."""

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, TooLarge, TooMany

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER_S = 2
BUSY = "Máy chủ đang bận, vui lòng thử lại sau ít giây."
STATUS_BY_ERROR = {NotFound: 404, Invalid: 422, Conflict: 409, Forbidden: 403, Gone: 410, TooMany: 429,
                   TooLarge: 413}


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

    @app.exception_handler(DataError)
    async def data_error(_request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return JSONResponse({"detail": "Giá trị không hợp lệ với cơ sở dữ liệu (quá lớn hoặc sai định dạng)."},
                            status_code=422)


    # A server under load is busy, not broken: clients (agents) wait Retry-After and send the same again.
    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("database connection pool exhausted: %s", exc)
        return JSONResponse({"detail": BUSY}, status_code=503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})

    @app.exception_handler(OperationalError)
    async def operational_error(request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" not in str(exc.orig):
            raise exc  # anything else is a real fault: a 500 and its traceback
        log.warning("SQLite busy for too long: %s %s", request.method, request.url.path)
        return JSONResponse({"detail": BUSY}, status_code=503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})


class BodySizeLimit:
    """Refuses a request whose declared body is over the limit before anything is read or spooled."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = dict(scope.get("headers") or {}).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                limit_mb = self.max_bytes // 1_000_000
                response = JSONResponse({"detail": f"Yêu cầu quá lớn: tối đa {limit_mb} MB."}, status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
