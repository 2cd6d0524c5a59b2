"""`warddesk-server history rebuild`, as an operator runs it: into an empty store it replays the outbox;
into a store that holds entries it refuses, with a clear message and exit status 1."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from shared.events import EventType
from sync_server.cli import app
from sync_server.core.db import transaction
from sync_server.history.store import PostgresHistoryStore
from tests.sync_server.history.conftest import Clinic, note_payload, payment_payload, write_events


def test_history_rebuild_fills_an_empty_store_once(
    monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory: sessionmaker[Session], clinic: Clinic
) -> None:
    monkeypatch.setenv("WARDDESK_DATABASE_URL", database_url)
    write_events(
        session_factory,
        [
            (EventType.NOTE_ADDED, note_payload(clinic.patient.id)),
            (EventType.PAYMENT_RECORDED, payment_payload(clinic.patient.id, clinic.doctor.id)),
            (EventType.NOTE_ADDED, {**note_payload(clinic.patient.id), "text": ""}),
        ],
    )
    runner = CliRunner()

    first = runner.invoke(app, ["history", "rebuild"])
    assert first.exit_code == 0, first.output
    assert "Replayed 3 event(s): 2 history entr(y/ies) written, 1 unusable event(s) skipped." in first.output
    with transaction(session_factory) as session:
        page = PostgresHistoryStore().page(session, clinic.patient.id)
    assert [e.kind.value for e in page.entries] == ["payment", "note"]

    again = runner.invoke(app, ["history", "rebuild"])
    assert again.exit_code == 1 and "not empty" in again.output
