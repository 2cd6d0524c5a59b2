"""A small clinic for the history tests (a doctor's patient, a ward's patient, a stranger), the two history
stores (PostgreSQL, and DynamoDB through moto's server mode, spoken to over HTTP), and events written to
the outbox and delivered to the history consumer as the relay would."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventEnvelope
from sync_server.app import create_app
from sync_server.booking.models import Appointment
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.core.outbox import emit
from sync_server.directory.models import Doctor, Patient, Ward
from sync_server.history.consumer import HistoryProjector
from sync_server.history.store import DynamoHistoryStore, HistoryStore, PostgresHistoryStore
from sync_server.messaging.consumers import Delivery, deliver, envelope_of
from tests.conftest import make_test_settings

NOW = datetime(2031, 3, 5, 12, 0, tzinfo=UTC)


class FixedClock:
    """The server's clock in these tests: moved by hand, never the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """A real DynamoDB endpoint (moto's server mode) for the session, in this process."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def dynamodb_settings(endpoint: str, **overrides: Any) -> Settings:
    """Settings naming a fresh DynamoDB table (moto's backends are per process: names must not clash)."""
    values: dict[str, Any] = {
        "messaging_in_app": False,
        "history_store": "dynamodb",
        "history_endpoint_url": endpoint,
        "history_table": f"history-{uuid.uuid4().hex[:12]}",
    }
    return make_test_settings(**{**values, **overrides})


def dynamo_store(endpoint: str) -> DynamoHistoryStore:
    client = boto3.client(
        "dynamodb",
        region_name="eu-west-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    store = DynamoHistoryStore(client, table=f"history-{uuid.uuid4().hex[:12]}")
    store.ensure_table()
    return store


@pytest.fixture(params=["postgres", "dynamodb"])
def store(request: pytest.FixtureRequest) -> HistoryStore:
    """Each history store, empty."""
    if request.param == "dynamodb":
        return dynamo_store(request.getfixturevalue("dynamodb_endpoint"))
    return PostgresHistoryStore()


@pytest.fixture
def app(settings: Settings, database_url: str, session_factory: sessionmaker[Session], clock: FixedClock):  # type: ignore[no-untyped-def]
    return create_app(settings, database_url=database_url, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


@dataclass
class Clinic:
    """The test doctor's patient (an appointment with him), the test ward's admitted patient, and a
    stranger nobody in the tests cares for."""

    doctor: Doctor
    ward: Ward
    patient: Patient  # booked with the doctor
    admitted: Patient  # admitted to the ward
    stranger: Patient
    appointment: Appointment


@pytest.fixture
def clinic(session_factory: sessionmaker[Session], ward: Ward, doctor: Doctor) -> Clinic:
    with transaction(session_factory) as session:

        def patient(key: str, ward_id: uuid.UUID | None) -> Patient:
            made = Patient(mrn=f"MRN-{key}", full_name=f"Patient {key.title()}", birth_date=date(1970, 1, 1))
            made.ward_id = ward_id
            session.add(made)
            return made

        mine, admitted, stranger = patient("mine", None), patient("admitted", ward.id), patient("other", None)
        session.flush()
        appointment = Appointment(
            doctor_id=doctor.id,
            patient_id=mine.id,
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW - timedelta(days=1) + timedelta(minutes=20),
            status="confirmed",
            reason="chest pain",
            notes="clinical",
        )
        session.add(appointment)
    return Clinic(doctor, ward, mine, admitted, stranger, appointment)


# --- events ---------------------------------------------------------------------------------------------


def appointment_payload(appointment_id: uuid.UUID, doctor_id: uuid.UUID, patient_id: uuid.UUID) -> dict:  # type: ignore[type-arg]
    starts = datetime(2031, 3, 4, 11, 0, tzinfo=UTC)
    return {
        "appointment_id": str(appointment_id),
        "doctor_id": str(doctor_id),
        "doctor_name": "Dr. Ana Costa",
        "patient_id": str(patient_id),
        "patient_name": "Patient Mine",
        "patient_email": "mine@example.org",
        "room_name": "Room 3.12",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=20)).isoformat(),
        "time_zone": "Europe/Lisbon",
        "status": "confirmed",
        "saga_id": str(uuid.uuid4()),
    }


def payment_payload(patient_id: uuid.UUID, doctor_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "appointment_id": str(uuid.uuid4()),
        "patient_id": str(patient_id),
        "doctor_id": str(doctor_id),
        "amount": "150.00",
        "currency": "BRL",
        "method": "card",
        "desk": "Desk 1",
        "recorded_by": str(uuid.uuid4()),
        **extra,
    }


def note_payload(
    patient_id: uuid.UUID, text: str = "Stable, review in a week.", **extra: Any
) -> dict[str, Any]:
    return {
        "note_id": str(uuid.uuid4()),
        "patient_id": str(patient_id),
        "noted_on": "2031-03-05",
        "text": text,
        "amends": None,
        "reason": None,
        "author_id": str(uuid.uuid4()),
        "author_name": "Dr. Ana Costa",
        **extra,
    }


Event = tuple[str, dict[str, Any]]


def write_events(
    session_factory: sessionmaker[Session], events: list[Event], *, start: datetime = NOW
) -> list[EventEnvelope]:
    """The events as committed outbox rows, a second apart from `start`; their envelopes."""
    with transaction(session_factory) as session:
        rows = []
        for n, (event_type, payload) in enumerate(events):
            row = emit(
                session,
                event_type=event_type,
                aggregate_type=event_type.split(".")[0],
                aggregate_id=uuid.uuid4(),
                payload=payload,
            )
            row.occurred_at = start + timedelta(seconds=n)
            rows.append(row)
        session.flush()
        return [envelope_of(row) for row in rows]


def deliver_all(
    session_factory: sessionmaker[Session], projector: HistoryProjector, envelopes: list[EventEnvelope]
) -> list[Delivery]:
    return [deliver(session_factory, projector, envelope) for envelope in envelopes]


@pytest.fixture
def projector(store: HistoryStore, clock: FixedClock) -> HistoryProjector:
    return HistoryProjector(store, clock=clock)
