"""Desktops talking to the real sync server: push queued mutations, pull changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from shared.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.core.db import transaction
from sync_server.directory.models import AvailabilityRule, Doctor, Medication
from tests.conftest import Person


@dataclass
class Desktop:
    """One workstation of one signed-in person: its client id, mutation counter and pull cursor."""

    client: TestClient
    person: Person
    client_id: uuid.UUID = field(default_factory=uuid.uuid4)
    next_mutation: int = 1
    cursor: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {**self.person.headers, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}

    def mutation(
        self, name: str, entity_id: uuid.UUID, payload: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        """A queued mutation with the next number."""
        made = {
            "client_id": str(self.client_id),
            "mutation_id": self.next_mutation,
            "idempotency_key": str(uuid.uuid4()),
            "name": name,
            "entity_id": str(entity_id),
            "payload": payload,
            "made_at": datetime.now(UTC).isoformat(),
            **extra,
        }
        self.next_mutation += 1
        return made

    def push(self, *mutations: dict[str, Any]) -> Response:
        return self.client.post(
            "/sync/push",
            json={"client_id": str(self.client_id), "mutations": list(mutations)},
            headers=self.headers,
        )

    def pull(self, *, limit: int = 500, wait: float = 0, cursor: str | None = None) -> dict[str, Any]:
        """One pull from the desktop's cursor (or the one given); the cursor advances."""
        params: dict[str, Any] = {
            "cursor": self.cursor if cursor is None else cursor,
            "limit": limit,
            "client_id": str(self.client_id),
        }
        if wait:
            params["wait"] = wait
        answer = self.client.get("/sync/pull", params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        self.cursor = body["cursor"]
        return body

    def pull_all(self, *, limit: int = 500) -> list[dict[str, Any]]:
        """Pull until has_more is false; every change, in order."""
        changes: list[dict[str, Any]] = []
        while True:
            body = self.pull(limit=limit)
            changes += body["changes"]
            if not body["has_more"]:
                return changes


@pytest.fixture
def desktop(client: TestClient) -> Callable[[Person], Desktop]:
    def _desktop(person: Person) -> Desktop:
        return Desktop(client, person)

    return _desktop


@pytest.fixture
def formulary(session_factory: sessionmaker[Session]) -> list[Medication]:
    with transaction(session_factory) as session:
        items = [
            Medication(code="PARA500", name="Paracetamol", form="tablet", strength="500 mg", unit="tablet"),
            Medication(code="AMOX500", name="Amoxicillin", form="capsule", strength="500 mg", unit="capsule"),
        ]
        session.add_all(items)
    return items


@pytest.fixture
def open_all_week(session_factory: sessionmaker[Session], doctor: Doctor) -> Doctor:
    """The test doctor sees patients every day from 08:00 to 20:00 (Lisbon)."""
    with transaction(session_factory) as session:
        for weekday in range(1, 8):
            session.add(AvailabilityRule(doctor_id=doctor.id, weekday=weekday, starts=time(8), ends=time(20)))
    return doctor


def ticket_submission(ward_id: uuid.UUID, *, quantity: int = 30) -> dict[str, Any]:
    return {
        "ward_id": str(ward_id),
        "priority": "urgent",
        "notes": "running low",
        "lines": [
            {
                "line_id": str(uuid.uuid4()),
                "medication_code": "PARA500",
                "quantity": quantity,
                "unit": "tablet",
            }
        ],
    }


def of(changes: list[dict[str, Any]], entity: str) -> list[dict[str, Any]]:
    return [c for c in changes if c["entity"] == entity]
