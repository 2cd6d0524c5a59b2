"""The server's logs of a real flow (sign-in, search, booking, the patient e-mail consumer) are JSON lines
with request, workstation and saga ids, and never name a patient."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shared.roles import Role
from sync_server.app import create_app
from sync_server.core.db import transaction
from sync_server.core.logs import JsonFormatter
from sync_server.core.outbox import OutboxMessage
from tests.conftest import PASSWORD, make_test_settings
from tests.sync_server.booking.conftest import at


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(("httpx", "httpcore")):  # the test's own HTTP client, not the server
            self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def unpublished(session_factory) -> int:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
        return int(session.scalar(query) or 0)


def test_a_full_run_logs_ids_and_no_patient_name(  # type: ignore[no-untyped-def]
    database_url,
    session_factory,
    make_user,
    clinic,
    captured,
    tmp_path,
):
    settings = make_test_settings(relay_poll_seconds=0.05, mail_transport="files", mail_dir=tmp_path)
    desk = {"X-WardDesk-Client": "ward3-pc7"}
    scheduler = make_user(Role.SCHEDULER)
    with TestClient(create_app(settings, database_url=database_url)) as client:
        tokens = client.post(
            "/auth/token",
            data={"grant_type": "password", "username": scheduler.username, "password": PASSWORD},
            headers=desk,
        ).json()
        headers = {**desk, "Authorization": f"Bearer {tokens['access_token']}"}
        for patient in clinic.patients:
            assert (
                client.get("/patients", params={"q": patient.full_name}, headers=headers).status_code == 200
            )
        for n, patient in enumerate(clinic.patients):
            body = {
                "doctor_id": str(clinic.doctor.id),
                "patient_id": str(patient.id),
                "starts_at": at(9 + n).isoformat(),
                "room_id": str(clinic.room.id),
            }
            assert client.post("/appointments", json=body, headers=headers).status_code == 201
        for _ in range(200):  # the in-process relay hands the events to the e-mail consumer
            if unpublished(session_factory) == 0:
                break
            time.sleep(0.05)
        assert unpublished(session_factory) == 0

    entries = [json.loads(line) for line in captured.lines]
    assert any(e.get("route") == "/patients" and e.get("workstation") == "ward3-pc7" for e in entries)
    assert all(e.get("request_id") for e in entries if e["logger"] == "warddesk.access")
    assert any(e.get("saga_id") for e in entries)
    assert any("no e-mail address" in e["message"] for e in entries)  # the consumer ran and logged
    everything = "\n".join(captured.lines)
    for patient in clinic.patients:
        for part in [patient.full_name, *patient.full_name.split()]:
            assert part not in everything, f"the logs name a patient ({part!r})"
        assert patient.mrn not in everything
