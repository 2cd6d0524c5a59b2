"""An in-test stand-in for the sync server, ONLY for unit tests of the desktop engine's own logic.

It speaks the shared protocol over httpx.MockTransport and keeps just enough state to answer like the
real server: per-client mutation numbers with stored answers, versions, a change feed with a cursor.
The real server is exercised by tests/desktop/sync/test_against_real_server.py.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.protocol import (
    PROTOCOL_HEADER,
    Change,
    Entity,
    MutationName,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushRequest,
    PushResponse,
)

Interceptor = Callable[[httpx.Request], httpx.Response | None]


class FakeSyncServer:
    def __init__(self) -> None:
        self.records: dict[uuid.UUID, dict[str, Any]] = {}
        self.feed: list[Change] = []
        self.results: dict[int, MutationResult] = {}
        self.last_mutation_id = 0
        self.applied_mutations: list[int] = []
        self.requests: list[httpx.Request] = []
        self.interceptors: list[Interceptor] = []  # consulted first; the first answer wins
        self.valid_tokens = {"token-1"}
        self.drop_push_answers = 0  # apply the push, then lose the answer
        self._lock = threading.Lock()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # ---- server-side changes made by "someone else" ----

    def put_ticket(self, ticket_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
        record = {**self.records.get(ticket_id, {}), **fields, "id": str(ticket_id)}
        record["version"] = record.get("version", 0) + 1
        self.records[ticket_id] = record
        self.feed.append(
            Change(entity=Entity.TICKET, id=ticket_id, version=record["version"], data=dict(record))
        )
        return record

    def put(self, entity: Entity, record_id: uuid.UUID, data: dict[str, Any] | None, version: int) -> None:
        self.feed.append(
            Change(entity=entity, id=record_id, version=version, data=data, deleted=data is None)
        )

    # ---- HTTP ----

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            for intercept in list(self.interceptors):
                answer = intercept(request)
                if answer is not None:
                    return answer
            if request.headers.get(PROTOCOL_HEADER) != "1":
                return _error(426, "update_required", "update")
            if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
                return _error(401, "token_expired", "expired")
            if request.url.path == "/sync/push":
                answer = self._push(PushRequest.model_validate_json(request.content))
                if self.drop_push_answers:
                    self.drop_push_answers -= 1
                    raise httpx.ReadError("connection reset after the server committed", request=request)
                return answer
            if request.url.path == "/sync/pull":
                return self._pull(request)
            return _error(404, "not_found", "no such route")

    def _push(self, body: PushRequest) -> httpx.Response:
        results = []
        for mutation in body.mutations:
            if mutation.mutation_id <= self.last_mutation_id:
                results.append(self.results[mutation.mutation_id])
                continue
            if mutation.mutation_id != self.last_mutation_id + 1:
                return _error(409, "mutation_gap", "gap")
            result = self._apply(
                mutation.mutation_id,
                mutation.name,
                mutation.entity_id,
                mutation.base_version,
                mutation.payload,
            )
            self.results[mutation.mutation_id] = result
            self.last_mutation_id = mutation.mutation_id
            self.applied_mutations.append(mutation.mutation_id)
            results.append(result)
        response = PushResponse(results=results, last_mutation_id=self.last_mutation_id)
        return httpx.Response(200, json=response.model_dump(mode="json"))

    def _apply(
        self,
        mutation_id: int,
        name: MutationName,
        ticket_id: uuid.UUID,
        base_version: int | None,
        payload: dict[str, Any],
    ) -> MutationResult:
        current = self.records.get(ticket_id)
        if name is MutationName.TICKET_SUBMIT:
            record = self.put_ticket(
                ticket_id,
                status="submitted",
                requested_by_name="Ana Nurse",
                **{k: payload.get(k) for k in ("ward_id", "priority", "notes", "lines")},
            )
            return MutationResult(
                mutation_id=mutation_id,
                status=MutationStatus.APPLIED,
                entity_id=ticket_id,
                new_version=record["version"],
            )
        assert current is not None
        if name is MutationName.TICKET_EDIT and base_version != current["version"]:
            return MutationResult(
                mutation_id=mutation_id,
                status=MutationStatus.CONFLICT,
                entity_id=ticket_id,
                code="version_conflict",
                reason="Someone changed this ticket first.",
                server_record=dict(current),
            )
        if name is MutationName.TICKET_EDIT:
            record = self.put_ticket(ticket_id, **{k: v for k, v in payload.items() if v is not None})
        elif name is MutationName.TICKET_CANCEL and current["status"] != "submitted":
            return MutationResult(
                mutation_id=mutation_id,
                status=MutationStatus.REJECTED,
                entity_id=ticket_id,
                code="invalid_transition",
                reason="The pharmacy has already acted on it.",
            )
        elif name is MutationName.TICKET_CANCEL:
            record = self.put_ticket(ticket_id, status="cancelled", cancel_reason=payload["reason"])
        else:
            raise AssertionError(f"the fake server does not do {name}")
        return MutationResult(
            mutation_id=mutation_id,
            status=MutationStatus.APPLIED,
            entity_id=ticket_id,
            new_version=record["version"],
        )

    def _pull(self, request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params.get("limit", 500))
        page = self.feed[start : start + limit]
        end = start + len(page)
        response = PullResponse(
            changes=page,
            cursor=str(end),
            has_more=end < len(self.feed),
            last_mutation_id=self.last_mutation_id,
            server_time=datetime.now(UTC),
        )
        return httpx.Response(200, content=response.model_dump_json())


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}})
    return httpx.Response(
        status, content=body, headers={"content-type": "application/json", **(headers or {})}
    )


def error_answer(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return _error(status, code, message, headers)
