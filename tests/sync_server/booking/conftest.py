"""A clinic to book in: a doctor open 08:00-18:00 Lisbon time every day, two rooms, three patients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from sync_server.auth.deps import Actor
from sync_server.auth.models import User
from sync_server.booking.models import Appointment, BookingSaga
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.directory.models import AvailabilityRule, Doctor, Patient, Room
from tests.conftest import make_test_settings

LISBON = ZoneInfo("Europe/Lisbon")
# A day a week or two ahead: always in the future, never in the past.
DAY = date.today() + timedelta(days=10)


def at(hour: int, minute: int = 0, *, day: date = DAY) -> datetime:
    """An instant on the booking day, in the doctor's (Lisbon) wall-clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=LISBON)


def booking_settings(**overrides: Any) -> Settings:
    # The runner thread is off so each test decides when recovery runs; events stay in the outbox.
    values: dict[str, Any] = {"booking_runner_enabled": False, "messaging_in_app": False}
    values.update(overrides)
    return make_test_settings(**values)


@pytest.fixture
def settings() -> Settings:
    return booking_settings()


def open_every_day(session: Session, doctor_id: uuid.UUID) -> None:
    for weekday in range(1, 8):
        session.add(AvailabilityRule(doctor_id=doctor_id, weekday=weekday, starts=time(8), ends=time(18)))


@dataclass
class Clinic:
    doctor: Doctor
    other_doctor: Doctor
    room: Room
    other_room: Room
    patients: list[Patient]


@pytest.fixture
def clinic(session_factory: sessionmaker[Session], doctor: Doctor, ward: Any) -> Clinic:
    with transaction(session_factory) as session:
        other = Doctor(
            full_name="Dr. Rui Sousa",
            specialty="Neurology",
            license_number="CRM-2002",
            time_zone="Europe/Lisbon",
            default_slot_minutes=30,
        )
        session.add(other)
        session.flush()
        open_every_day(session, doctor.id)
        open_every_day(session, other.id)
        rooms = [Room(name="Consultation 1", ward_id=ward.id), Room(name="Consultation 2", ward_id=ward.id)]
        patients = [
            Patient(mrn=f"MRN{n:05d}", full_name=name, birth_date=date(1970 + n, 1, 1), email=email)
            for n, (name, email) in enumerate(
                [
                    ("Maria Silva", "maria@example.org"),
                    ("João Pereira", None),
                    ("Inês Santos", "ines@example.org"),
                ]
            )
        ]
        session.add_all(rooms + patients)
    return Clinic(doctor=doctor, other_doctor=other, room=rooms[0], other_room=rooms[1], patients=patients)


def as_actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        session_id=uuid.uuid4(),
        ward_ids=frozenset(),
        doctor_id=user.doctor_id,
    )


def events(session_factory: sessionmaker[Session], event_type: str | None = None) -> list[OutboxMessage]:
    with transaction(session_factory) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if event_type is not None:
            query = query.where(OutboxMessage.event_type == event_type)
        return list(session.scalars(query))


def appointment(session_factory: sessionmaker[Session], appointment_id: uuid.UUID | str) -> Appointment:
    with transaction(session_factory) as session:
        found = session.get(Appointment, uuid.UUID(str(appointment_id)))
        assert found is not None
        return found


def sagas(session_factory: sessionmaker[Session]) -> list[BookingSaga]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(BookingSaga)))


OVERLAPS_SQL = """
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.id < b.id AND a.{col} = b.{col}
 AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
  AND NOT a.overbooked AND NOT b.overbooked
"""


def double_bookings(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Pairs of overlapping held/confirmed appointments per doctor, room and patient (all should be 0)."""
    with transaction(session_factory) as session:
        return {
            col: session.execute(text(OVERLAPS_SQL.format(col=col))).scalar_one()
            for col in ("doctor_id", "room_id", "patient_id")
        }


Book = Callable[..., Any]
