"""The admin's questions to the server: sync health and the dead-letter queue (GET /admin/sync-health,
/admin/dead-letters...), over the signed-in session's SyncClient. No Qt.

Answers are read leniently (fields a newer server adds are ignored) but checked: an answer that is not
what this desktop expects raises RequestRefused(code "unreadable_answer"), never a crash further on.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.sync.client import RequestRefused


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WorkstationHealth(_Answer):
    client_id: uuid.UUID
    username: str
    workstation: str | None = None
    desktop_version: str | None = None
    last_push: datetime | None = None
    last_pull: datetime | None = None
    last_sync: datetime | None = None
    queued_changes: int | None = None
    settled: int = 0
    refused: int = 0
    conflicts: int = 0


class StuckSaga(_Answer):
    saga_id: uuid.UUID
    kind: str
    status: str
    step: str
    attempts: int
    next_attempt_at: datetime
    error: str | None = None


class OutboxHealth(_Answer):
    backlog: int
    oldest_age_seconds: float


class SyncHealth(_Answer):
    generated_at: datetime
    workstations: list[WorkstationHealth]
    stuck_sagas: list[StuckSaga]
    outbox: OutboxHealth
    dead_letters: int


class DeadLetter(_Answer):
    consumer: str
    message_id: uuid.UUID
    event_type: str | None = None
    reason: str | None = None
    last_error: str | None = None
    attempts: int | None = None
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    dead_since: datetime | None = None


class DeadLetterDetail(_Answer):
    consumer: str
    message_id: uuid.UUID
    event_type: str | None = None
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    error: str = ""
    attempts: int = 0
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    dead_since: datetime | None = None
    resolution: str | None = None
    resolved_by: str | None = None
    resolution_reason: str | None = None
    occurred_at: datetime | None = None
    payload: Any = None


class DeadLetterOutcome(_Answer):
    done_now: bool
    dead_letter: DeadLetterDetail


class _DeadLetters(_Answer):
    dead_letters: list[DeadLetter] = Field(max_length=10_000)


class JsonRequests(Protocol):
    def request_json(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any: ...


def _read(model: type[_Answer], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise RequestRefused(
            "The server sent an answer this desktop cannot read.", status=200, code="unreadable_answer"
        ) from exc


def _one(consumer: str, message_id: uuid.UUID) -> str:
    return f"/admin/dead-letters/{quote(consumer, safe='')}/{message_id}"


class AdminClient:
    """Raises the SyncClient's typed errors: Offline, ServerUnavailable, SignInRequired, RequestRefused."""

    def __init__(self, http: JsonRequests) -> None:
        self._http = http

    def sync_health(self) -> SyncHealth:
        return _read(SyncHealth, self._http.request_json("GET", "/admin/sync-health"))  # type: ignore[no-any-return]

    def dead_letters(self, *, limit: int = 500) -> list[DeadLetter]:
        body = self._http.request_json("GET", "/admin/dead-letters", params={"limit": limit})
        return list(_read(_DeadLetters, body).dead_letters)

    def dead_letter(self, consumer: str, message_id: uuid.UUID) -> DeadLetterDetail:
        return _read(DeadLetterDetail, self._http.request_json("GET", _one(consumer, message_id)))  # type: ignore[no-any-return]

    def replay(self, consumer: str, message_id: uuid.UUID) -> DeadLetterOutcome:
        """Safe to repeat: the server answers done_now=False for one replayed already."""
        answer = self._http.request_json("POST", _one(consumer, message_id) + "/replay")
        return _read(DeadLetterOutcome, answer)  # type: ignore[no-any-return]

    def discard(self, consumer: str, message_id: uuid.UUID, *, reason: str) -> DeadLetterOutcome:
        answer = self._http.request_json(
            "POST", _one(consumer, message_id) + "/discard", json={"reason": reason}
        )
        return _read(DeadLetterOutcome, answer)  # type: ignore[no-any-return]
