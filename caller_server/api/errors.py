"""The one error shape of the API: `{"error": {"code": str, "message": str}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from caller_server.contract import MAX_RESULTS_PER_REQUEST

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
    503: "busy",
}
MESSAGES = {
    401: "Please sign in again.",
    403: "Only organisers may do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
    500: "The server hit a problem. Please try again later.",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.headers = headers


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def _printable(part: object) -> str:
    """A location part safe to echo: an answer key may hold NUL or a lone surrogate, and
    a lone surrogate cannot even be encoded into the UTF-8 reply."""
    text = str(part)[:64]
    return "".join(c if c.isprintable() and not "\ud800" <= c <= "\udfff" else "?" for c in text)


def _describe(err: dict[str, Any]) -> str:
    loc = [
        _printable(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")
    ]
    where = ".".join(loc) or "the request"
    msg = str(err.get("msg", "is invalid"))
    if err.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    if err.get("type") == "missing":
        return f"{where} is missing."
    return f"{where}: {msg}."


def _too_many_results(errors: list[dict[str, Any]]) -> bool:
    return any(
        e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "results")
        for e in errors
    )


# PostgreSQL's ways of giving up on a lock (psycopg's class names); SQLite says "locked".
_LOCK_GIVE_UPS = {"LockNotAvailable", "DeadlockDetected", "SerializationFailure"}
BUSY_RETRY_AFTER_S = 2


def lock_gave_up(exc: OperationalError) -> bool:
    """The database gave up waiting for a lock (SQLite's busy timeout on an overloaded
    machine, a PostgreSQL deadlock): nothing was written, so trying again is safe."""
    orig = exc.orig
    return type(orig).__name__ in _LOCK_GIVE_UPS or "database is locked" in str(orig)


def install(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    async def _database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        if not lock_gave_up(exc):
            raise exc  # the guard logs it (by type only) and answers 500
        log.warning("database busy (%s); answered 503", type(exc.orig).__name__)
        return error_response(
            503,
            "busy",
            "The server is busy. Please try again in a moment.",
            {"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 400:  # FastAPI's "error parsing the body": a validation error for us
            return error_response(422, "validation_error", "The request body is not valid JSON.")
        message = MESSAGES.get(status) or (exc.detail if isinstance(exc.detail, str) else "")
        return error_response(
            status,
            CODES.get(status, "error"),
            message or "Request failed.",
            getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if _too_many_results(errors):
            return error_response(
                413,
                "payload_too_large",
                f"At most {MAX_RESULTS_PER_REQUEST} results may be sent in one request.",
            )
        message = " ".join(_describe(e) for e in errors[:3]) or "The request is invalid."
        return error_response(422, "validation_error", message)
