"""Typed, expected failures and the one JSON error shape every 4xx answer uses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import ErrorBody, ErrorCode, ErrorDetail

log = logging.getLogger(__name__)


class AppError(Exception):
    """An expected failure with a stable machine-readable code and a message for people."""

    status_code = 400
    code = ErrorCode.BAD_REQUEST
    # A refusal whose record must stay (an audited failed sign-in, a revoked session): the request's
    # transaction commits what was written before it, instead of rolling it back.
    keeps_effects = False

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


class NotAuthenticated(AppError):
    status_code = 401
    code = ErrorCode.NOT_AUTHENTICATED


class PermissionDenied(AppError):
    status_code = 403
    code = ErrorCode.PERMISSION_DENIED


class NotFound(AppError):
    status_code = 404
    code = ErrorCode.NOT_FOUND


class Conflict(AppError):
    status_code = 409
    code = ErrorCode.CONFLICT


class Duplicate(Conflict):
    """A record with the same unique key (MRN, licence number, code...) already exists."""

    code = ErrorCode.DUPLICATE


class Invalid(AppError):
    status_code = 422
    code = ErrorCode.INVALID_REQUEST


class TooManyRequests(AppError):
    status_code = 429
    code = ErrorCode.RATE_LIMITED


class PayloadTooLarge(AppError):
    status_code = 413
    code = ErrorCode.PAYLOAD_TOO_LARGE


def error_response(
    status_code: int,
    code: ErrorCode | str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=str(code), message=message, details=details or {}))
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)


_STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID_REQUEST,
    429: ErrorCode.RATE_LIMITED,
}


def _describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    problems = []
    for err in errors[:50]:
        if err.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would be; say what it is instead.
            position = err.get("loc", ("body", "?"))[-1]
            reason = (err.get("ctx") or {}).get("error", "")
            problem = f"the body is not valid JSON: {reason} (at character {position})"
            problems.append({"field": "", "problem": problem})
            continue
        location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
        problems.append({"field": location, "problem": str(err.get("msg", "invalid"))})
    first = problems[0] if problems else {"field": "", "problem": "invalid request"}
    where = f"{first['field']}: " if first["field"] else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}{first['problem']}{more}", problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return error_response(
            exc.status_code, exc.code, exc.message, details=exc.details, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, problems = _describe_validation(list(exc.errors()))
        return error_response(422, ErrorCode.INVALID_REQUEST, message, details={"problems": problems})

    @app.exception_handler(DataError)
    async def _data_refused_by_database(request: Request, exc: DataError) -> JSONResponse:
        # SQLSTATE class 22: a value the database cannot store (a NUL character, a number or date out of
        # range). It came from the request, since our own values are valid, so it is bad input, not a 500.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(
            422,
            ErrorCode.INVALID_REQUEST,
            "A value in the request cannot be stored: it contains a NUL character or is out of range.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500, ErrorCode.INTERNAL_ERROR, "The server hit an unexpected error; it has been logged."
        )
