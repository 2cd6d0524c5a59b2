"""GET /admin/sync-health: each workstation as its desktop describes itself on every sync request, the
outbox, stuck sagas and dead letters, for admins only (and audited)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from shared.protocol import DESKTOP_VERSION_HEADER, QUEUED_CHANGES_HEADER, WORKSTATION_HEADER
from shared.roles import Role
from sync_server.app import create_app
from sync_server.audit.models import AuditEntry
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.core.outbox import emit
from sync_server.messaging.failures import record
from tests.sync_server.sync.conftest import Desktop, formulary, ticket_submission  # noqa: F401

pytestmark = pytest.mark.usefixtures("formulary")

NOON = datetime(2030, 3, 5, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def app(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session], clock: Clock
) -> FastAPI:
    return create_app(settings, database_url=database_url, clock=clock)


def about(version: str, workstation: str, queued: str) -> dict[str, str]:
    return {DESKTOP_VERSION_HEADER: version, WORKSTATION_HEADER: workstation, QUEUED_CHANGES_HEADER: queued}


def health(client: TestClient, admin_headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    answer = client.get("/admin/sync-health", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_each_workstation_shows_the_version_name_queue_and_times_its_desktop_reported(  # type: ignore[no-untyped-def]
    client, sign_in, ward, clock
):
    admin = sign_in(Role.ADMIN)
    nurse = Desktop(client, sign_in(Role.NURSE))
    nurse.person.headers.update(about("1.4.2", "WARD3-PC07", "3"))
    answer = nurse.push(
        nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)),
        nurse.mutation("ticket.approve", uuid.uuid4(), {"lines": []}),
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "rejected"]
    clock.now = NOON + timedelta(minutes=2)
    doctor = Desktop(client, sign_in(Role.DOCTOR))  # only pulls: a desktop that never changed anything
    doctor.person.headers.update(about("1.3", "CONSULT-2", "0"))
    doctor.pull()

    report = health(client, admin.headers)

    desks = {desk["client_id"]: desk for desk in report["workstations"]}
    pushed, pulled = desks[str(nurse.client_id)], desks[str(doctor.client_id)]
    assert pushed["username"] == nurse.person.user.username
    assert (pushed["desktop_version"], pushed["workstation"], pushed["queued_changes"]) == (
        "1.4.2",
        "WARD3-PC07",
        3,
    )
    assert (pushed["settled"], pushed["refused"], pushed["conflicts"]) == (2, 1, 0)
    assert datetime.fromisoformat(pushed["last_push"]) == NOON and pushed["last_pull"] is None
    assert (pulled["desktop_version"], pulled["workstation"], pulled["queued_changes"]) == (
        "1.3",
        "CONSULT-2",
        0,
    )
    assert datetime.fromisoformat(pulled["last_sync"]) == NOON + timedelta(minutes=2)
    assert [desk["client_id"] for desk in report["workstations"]][:2] == [
        str(doctor.client_id),
        str(nurse.client_id),
    ]


def test_a_malformed_report_is_ignored_and_the_sync_still_works(client, sign_in, ward):  # type: ignore[no-untyped-def]
    admin = sign_in(Role.ADMIN)
    nurse = Desktop(client, sign_in(Role.NURSE))
    nurse.person.headers.update(about("1.4.2", "WARD3-PC07", "3"))
    nurse.pull()
    nurse.person.headers.update(about("1.5-beta; drop table", "\x07" * 3, "-4"))

    assert (
        nurse.push(nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id))).status_code
        == 200
    )
    nurse.pull()

    [desk] = [
        d for d in health(client, admin.headers)["workstations"] if d["client_id"] == str(nurse.client_id)
    ]
    assert (desk["desktop_version"], desk["workstation"], desk["queued_changes"]) == (
        "1.4.2",
        "WARD3-PC07",
        3,
    )


def test_the_report_counts_the_outbox_stuck_sagas_and_dead_letters(  # type: ignore[no-untyped-def]
    client, sign_in, session_factory
):
    admin = sign_in(Role.ADMIN)
    with transaction(session_factory) as session:
        emit(
            session,
            event_type="appointment.confirmed",
            aggregate_type="appointment",
            aggregate_id="a-1",
            payload={},
        )
        session.execute(text("UPDATE outbox SET occurred_at = :at"), {"at": NOON - timedelta(minutes=10)})
        session.execute(
            text(
                "INSERT INTO booking_sagas (id, kind, status, step, version, attempts, next_attempt_at,"
                " appointment_id, started_by, payload)"
                " VALUES (:id, 'book', 'running', 'confirm', 1, 3, :due, :appt, :user, '{}')"
            ),
            {
                "id": uuid.uuid4(),
                "due": NOON - timedelta(hours=1),
                "appt": uuid.uuid4(),
                "user": admin.user.id,
            },
        )
    record(session_factory, consumer="recorder", message_id=uuid.uuid4(), error=RuntimeError("no"), dead=True)

    report = health(client, admin.headers)

    assert report["outbox"] == {"backlog": 1, "oldest_age_seconds": 600.0}
    assert [(s["status"], s["step"], s["attempts"]) for s in report["stuck_sagas"]] == [
        ("running", "confirm", 3)
    ]
    assert report["dead_letters"] == 1
    with transaction(session_factory) as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == admin.user.id)).all()
    assert "sync_health.read" in actions


@pytest.mark.parametrize("role", [Role.NURSE, Role.DOCTOR, Role.PHARMACIST, Role.SCHEDULER])
def test_only_an_admin_sees_sync_health(client, sign_in, role):  # type: ignore[no-untyped-def]
    person = sign_in(role)
    assert client.get("/admin/sync-health", headers=person.headers).status_code == 403
    assert client.get("/admin/sync-health").status_code == 401
