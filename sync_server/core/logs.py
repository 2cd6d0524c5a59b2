"""Structured logs: one JSON object a line, carrying the request, workstation and saga ids of the work
that wrote it. Never patient data: messages name records by id, and the access log below writes the
route's template (`/patients/{patient_id}`), never the path or the query (which may hold a search)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("warddesk_request_id", default=None)
workstation_id: ContextVar[str | None] = ContextVar("warddesk_workstation_id", default=None)
saga_id: ContextVar[str | None] = ContextVar("warddesk_saga_id", default=None)

_SAFE_ID = re.compile(r"[A-Za-z0-9._:/() -]{1,64}")  # ids and client names ("WardDesk desktop")
access_log = logging.getLogger("warddesk.access")


@contextmanager
def saga_logged(saga: object) -> Iterator[None]:
    """Within the block, log lines carry this saga's id."""
    token = saga_id.set(str(saga))
    try:
        yield
    finally:
        saga_id.reset(token)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line with the ids of the work in progress."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (("request_id", request_id), ("workstation", workstation_id), ("saga_id", saga_id)):
            value = var.get()
            if value:
                entry[name] = value
        for field in ("method", "route", "status", "duration_ms"):
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_lines: bool, level: str = "INFO") -> None:
    """Send the process's logs to stderr, as JSON lines or as text."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _safe(value: bytes | None) -> str | None:
    if not value:
        return None
    text = value.decode("latin-1")[:64]
    return text if _SAFE_ID.fullmatch(text) else None


class RequestContext:
    """Gives every request an id (the caller's X-Request-ID when well-formed, echoed back), notes the
    workstation (X-WardDesk-Client), and writes one access log line when the answer starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = _safe(headers.get(b"x-request-id")) or uuid.uuid4().hex
        tokens = (request_id.set(rid), workstation_id.set(_safe(headers.get(b"x-warddesk-client"))))
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())],
                }
                route = getattr(scope.get("route"), "path", None) or "<unmatched>"
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    route,
                    message["status"],
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": message["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(tokens[0])
            workstation_id.reset(tokens[1])
