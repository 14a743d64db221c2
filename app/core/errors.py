"""Typed application errors and their rendering as RFC 9457 problem documents."""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_SECONDS = 5


class AppError(Exception):
    """Base for errors a service raises on purpose; rendered as problem+json."""

    status_code: int = 400
    code: str = "bad_request"
    detail: str = "Bad request"
    # An error that must still persist what the request recorded (e.g. revoking a session on refresh
    # token reuse) sets this; the unit of work then commits before the error is rendered.
    commit_changes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.detail
        self.code = code or self.code
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"
    detail = "Not authenticated"

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    detail = "You do not have permission to do this"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    detail = "Not found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    detail = "Conflict"


class Unprocessable(AppError):
    status_code = 422
    code = "validation_error"
    detail = "Validation failed"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"
    detail = "Too many attempts; try again later"

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class BadGateway(AppError):
    status_code = 502
    code = "upstream_error"
    detail = "An upstream service answered with an error"


class GatewayTimeout(AppError):
    status_code = 504
    code = "upstream_timeout"
    detail = "An upstream service did not answer in time"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem(exc.status_code, exc.code, exc.detail, headers=exc.headers, extra=exc.extra)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    default = HTTPStatus(status).phrase
    detail = exc.detail if isinstance(exc.detail, str) else default
    if status == 404 and detail == default:
        detail = "No such resource"
    return problem(status, _HTTP_CODES.get(status, f"http_{status}"), detail, headers=dict(exc.headers or {}))


def _jsonable_loc(loc: tuple[int | str, ...]) -> list[int | str]:
    return [part if isinstance(part, int | str) else str(part) for part in loc]


def validation_issue(loc: Sequence[str | int], msg: str, kind: str) -> dict[str, Any]:
    """One entry of a 422's `errors`: the same shape for request validation and for services' own checks."""
    return {"loc": list(loc), "msg": msg, "type": kind}


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        validation_issue(
            _jsonable_loc(tuple(err.get("loc", ()))), str(err.get("msg", "")), str(err.get("type"))
        )
        for err in exc.errors()
    ]
    return problem(422, "validation_error", "The request is not valid", extra={"errors": errors})


def is_database_unavailable(exc: BaseException) -> bool:
    """True for errors meaning the database cannot be reached (as opposed to a bad query)."""
    if isinstance(exc, OSError | PoolTimeoutError | InterfaceError | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def _database_error(_: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        logger.warning("database unavailable: %s", type(exc).__name__)
        return problem(
            503,
            "database_unavailable",
            "The database is unavailable; try again shortly",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    return await _unhandled(_, exc)


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc)
    return problem(500, "internal_error", "Something went wrong on our side")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for db_error in (DBAPIError, PoolTimeoutError, OSError):
        app.add_exception_handler(db_error, _database_error)
    app.add_exception_handler(Exception, _unhandled)
