"""The history as the server runs it: DynamoDB chosen by the settings (its table made at start), the
outbox relayed in-process to the history consumer, and a note a doctor writes on his patient's timeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from shared.roles import Role
from sync_server.core.config import Settings
from sync_server.history.store import DynamoHistoryStore
from tests.conftest import Person
from tests.sync_server.history.conftest import Clinic, dynamodb_settings
from tests.sync_server.messaging.conftest import eventually


@pytest.fixture
def settings(dynamodb_endpoint: str) -> Settings:
    return dynamodb_settings(dynamodb_endpoint, messaging_in_app=True, relay_poll_seconds=0.05)


def test_a_note_reaches_the_dynamodb_timeline_through_the_in_process_relay(
    client: TestClient, settings: Settings, sign_in: Callable[..., Person], clinic: Clinic
) -> None:
    store = client.app.state.history_store  # type: ignore[attr-defined]
    assert isinstance(store, DynamoHistoryStore) and store.table == settings.history_table
    dynamodb: Any = boto3.client(
        "dynamodb", region_name="eu-west-1", endpoint_url=settings.history_endpoint_url
    )
    keys = dynamodb.describe_table(TableName=settings.history_table)["Table"]["KeySchema"]
    assert [(k["AttributeName"], k["KeyType"]) for k in keys] == [
        ("patient_id", "HASH"),
        ("sort_key", "RANGE"),
    ]

    doctor = sign_in(Role.DOCTOR)
    body = {"note_id": str(uuid.uuid4()), "noted_on": "2031-03-05", "text": "Seen in clinic."}
    assert (
        client.post(f"/patients/{clinic.patient.id}/notes", json=body, headers=doctor.headers).status_code
        == 201
    )

    def timeline() -> list[dict[str, Any]]:
        answer = client.get(f"/patients/{clinic.patient.id}/history", headers=doctor.headers)
        return list(answer.json()["entries"])

    eventually(lambda: len(timeline()) == 1)
    [entry] = timeline()
    assert (entry["kind"], entry["subject_id"], entry["details"]["text"]) == (
        "note",
        body["note_id"],
        "Seen in clinic.",
    )
