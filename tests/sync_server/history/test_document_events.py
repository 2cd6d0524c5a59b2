"""A document becoming available, and its marking as entered in error, are events naming the patient:
written to the outbox with the change, and projected onto his timeline."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventType
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.history.consumer import HistoryProjector
from sync_server.messaging.consumers import deliver, envelope_of
from tests.conftest import Person
from tests.sync_server.documents.conftest import (  # noqa: F401 - the documents' fixtures
    Desk,
    Ward3,
    app,
    client,
    clock,
    desk,
    nurse,
    pdf,
    settings,
    store,
    store_kind,
    ward3,
)


@pytest.mark.parametrize("store_kind", ["local"], indirect=True)
def test_a_document_added_and_entered_in_error_reach_the_patients_history(
    client: TestClient,  # noqa: F811
    desk: Desk,  # noqa: F811
    nurse: Person,  # noqa: F811
    ward3: Ward3,  # noqa: F811
    session_factory: sessionmaker[Session],
) -> None:
    completed = desk.upload(nurse, ward3.patient.id, pdf())
    assert completed.status_code == 200, completed.text
    document_id = completed.json()["id"]
    marked = client.post(
        f"/documents/{document_id}/entered-in-error", json={"reason": "Wrong patient"}, headers=nurse.headers
    )
    assert marked.status_code == 200, marked.text

    with transaction(session_factory) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        envelopes = [envelope_of(r) for r in rows]
    assert [e.type for e in envelopes] == [EventType.DOCUMENT_ADDED, EventType.DOCUMENT_ENTERED_IN_ERROR]
    assert {e.payload["patient_id"] for e in envelopes} == {str(ward3.patient.id)}
    assert envelopes[1].payload["reason"] == "Wrong patient"
    assert envelopes[1].payload["marked_by"] == str(nurse.user.id)

    projector = HistoryProjector(client.app.state.history_store, clock=client.app.state.clock)  # type: ignore[attr-defined]
    for envelope in envelopes:
        deliver(session_factory, projector, envelope)
    timeline = client.get(f"/patients/{ward3.patient.id}/history", headers=nurse.headers).json()["entries"]
    assert [(e["title"], e["subject_id"]) for e in timeline] == [
        ("Document entered in error", document_id),
        ("Document added", document_id),
    ]
