"""Documented error answers, so /openapi.json tells the truth about every status code."""

from __future__ import annotations

from typing import Any

from shared.errors import ErrorBody

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not signed in, or the token is expired or revoked",
    403: "The caller's role or scope does not allow this",
    404: "No such record",
    409: "Conflicts with the current state (duplicate, slot taken, invalid transition)",
    413: "Request body too large",
    415: "Unsupported content type",
    422: "The request failed validation",
    429: "Too many attempts; see Retry-After",
    503: "A dependency (the database or the message broker) is unavailable",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


# Every authenticated route can answer these.
AUTHED = (400, 401, 403, 422)
# Routes that take a body can also answer these.
WITH_BODY = (*AUTHED, 413, 415)
