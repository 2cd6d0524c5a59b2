"""The desk's payments against the real server and PostgreSQL: a hospital in São Paulo (so its day is not
UTC's), a doctor, patients with appointments, and the server's clock moved by hand."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.app import create_app
from sync_server.auth.models import User
from sync_server.booking.models import Appointment
from sync_server.core.actor import Actor
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.directory.models import Doctor, Patient
from tests.conftest import Person, make_test_settings

HOSPITAL_ZONE = "America/Sao_Paulo"  # UTC-3 all year: the hospital's midnight is 03:00 UTC
# 2031-03-05 12:00 in São Paulo.
NOW = datetime(2031, 3, 5, 15, 0, tzinfo=UTC)
TODAY = date(2031, 3, 5)


class FixedClock:
    """The server's clock in these tests: moved by hand, never the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings() -> Settings:
    return make_test_settings(
        messaging_in_app=False, hospital_name="Hospital São Lucas", hospital_time_zone=HOSPITAL_ZONE
    )


@pytest.fixture
def app(settings: Settings, database_url: str, session_factory: sessionmaker[Session], clock: FixedClock):  # type: ignore[no-untyped-def]
    return create_app(settings, database_url=database_url, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


@pytest.fixture
def scheduler(sign_in: Callable[..., Person]) -> Person:
    return sign_in(Role.SCHEDULER)


@pytest.fixture
def admin(sign_in: Callable[..., Person]) -> Person:
    return sign_in(Role.ADMIN)


@dataclass
class Clinic:
    """The doctor's patients and their appointments, made straight in the database."""

    factory: sessionmaker[Session]
    doctor: Doctor

    def appointment(self, *, status: str = "confirmed", name: str = "Maria Conceição") -> Appointment:
        with transaction(self.factory) as session:
            patient = Patient(mrn=f"MRN-{uuid.uuid4().hex[:8]}", full_name=name, birth_date=date(1960, 4, 2))
            session.add(patient)
            session.flush()
            starts = NOW + timedelta(hours=len(session.query(Appointment).all()) + 1)
            appointment = Appointment(
                doctor_id=self.doctor.id,
                patient_id=patient.id,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=20),
                status=status,
            )
            session.add(appointment)
        return appointment

    def reschedule(self, appointment: Appointment) -> Appointment:
        """Move the appointment to a later time, as the booking saga does: the old one is cancelled and
        linked to the new one."""
        with transaction(self.factory) as session:
            old = session.get(Appointment, appointment.id)
            assert old is not None
            starts = old.starts_at + timedelta(days=1)
            new = Appointment(
                doctor_id=old.doctor_id,
                patient_id=old.patient_id,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=20),
                status="confirmed",
                rescheduled_from_id=old.id,
            )
            session.add(new)
            session.flush()
            old.status, old.cancel_reason, old.rescheduled_to_id = "cancelled", "rescheduled", new.id
        return new

    def set_status(self, appointment_id: uuid.UUID, status: str) -> None:
        with transaction(self.factory) as session:
            found = session.get(Appointment, appointment_id)
            assert found is not None
            found.status = status


@pytest.fixture
def clinic(session_factory: sessionmaker[Session], doctor: Doctor) -> Clinic:
    return Clinic(session_factory, doctor)


def desk_actor(user: User) -> Actor:
    """A scheduler acting at the desk, for tests that call the service directly."""
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role.SCHEDULER,
        session_id=uuid.uuid4(),
        ward_ids=frozenset(),
        doctor_id=None,
    )


def payment_body(appointment_id: uuid.UUID, amount: Any = "150.00", **overrides: Any) -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "appointment_id": str(appointment_id),
        "amount": amount,
        "method": "cash",
        "desk": "Front desk 1",
        **overrides,
    }


def pay(client: TestClient, person: Person, body: dict[str, Any]) -> Response:
    return client.post("/payments", json=body, headers=person.headers)


def refund(
    client: TestClient, person: Person, payment_id: str, amount: str | None = None, **overrides: Any
) -> Response:
    body: dict[str, Any] = {
        "refund_id": str(uuid.uuid4()),
        "reason": "Appointment cancelled",
        "desk": "Front desk 1",
        **overrides,
    }
    if amount is not None:
        body["amount"] = amount
    return client.post(f"/payments/{payment_id}/refunds", json=body, headers=person.headers)


def pdf_text(data: bytes) -> str:
    """The text a PDF shows, read back by a PDF parser."""
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
