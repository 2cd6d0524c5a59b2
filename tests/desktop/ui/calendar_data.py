"""Doctors, appointments and views the calendar tests share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from desktop.ops.calendar import AppointmentItem, DoctorColumn, InMemoryCalendar, OpenWindow
from shared.booking import AppointmentStatus

LISBON_DOCTOR = DoctorColumn(uuid.UUID(int=101), "Dr. Ana Ferreira", "Europe/Lisbon")
SAO_PAULO_DOCTOR = DoctorColumn(uuid.UUID(int=102), "Dr. Paulo Lima", "America/Sao_Paulo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def appointment(
    doctor: DoctorColumn,
    starts_at: datetime,
    *,
    minutes: int = 20,
    status: AppointmentStatus = AppointmentStatus.CONFIRMED,
    patient: str = "Maria Fernandes",
) -> AppointmentItem:
    return AppointmentItem(
        id=uuid.uuid4(),
        doctor_id=doctor.id,
        patient_name=patient,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
    )


def calendar(*appointments: AppointmentItem, windows: tuple[OpenWindow, ...] = ()) -> InMemoryCalendar:
    return InMemoryCalendar(appointments=appointments, open_windows=windows)
