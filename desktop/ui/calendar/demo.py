"""Realistic, deterministic calendar data for screenshots and manual testing (no Qt, no storage)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from desktop.ops.calendar import AppointmentItem, DoctorColumn, InMemoryCalendar, OpenWindow, local_instant
from shared.booking import AppointmentStatus

PATIENTS = (
    "Maria Fernandes", "João Carvalho", "Ana Rita Sousa", "Pedro Almeida", "Beatriz Lopes",
    "Miguel Santos", "Inês Rodrigues", "Tiago Martins", "Carolina Pereira", "Rui Gonçalves",
    "Sofia Ribeiro", "Diogo Costa", "Leonor Oliveira", "Francisco Marques", "Mariana Teixeira",
    "Henrique Moreira", "Catarina Pinto", "Afonso Correia", "Matilde Mendes", "Gonçalo Nunes",
    "Margarida Vieira", "Duarte Monteiro", "Helena Cardoso", "Tomás Rocha", "Filipa Antunes",
    "Ricardo Azevedo", "Joana Barbosa", "André Fonseca", "Teresa Machado", "Vasco Figueiredo",
)  # fmt: skip
REASONS = (
    "Follow-up after discharge", "Blood pressure review", "Diabetes check", "Post-operative review",
    "Medication review", "New referral", "Test results", "Wound check", "Chest pain follow-up",
    "Annual review",
)  # fmt: skip
DOCTORS = (
    DoctorColumn(uuid.UUID(int=1), "Dr. Ana Ferreira", "Europe/Lisbon"),
    DoctorColumn(uuid.UUID(int=2), "Dr. Rui Matos", "Europe/Lisbon"),
    DoctorColumn(uuid.UUID(int=3), "Dr. Sofia Almeida", "Europe/Lisbon"),
    DoctorColumn(uuid.UUID(int=4), "Dr. Tiago Nunes", "Europe/Lisbon"),
)
SLOT = timedelta(minutes=20)


@dataclass(frozen=True)
class DemoCalendar:
    query: InMemoryCalendar
    doctors: tuple[DoctorColumn, ...]
    now: datetime


def _sessions(day: date) -> list[tuple[time, time]]:
    if day.weekday() >= 5:
        return []
    if day.weekday() == 4:  # Friday afternoons are for ward rounds
        return [(time(8, 0), time(13, 0))]
    return [(time(8, 0), time(12, 40)), (time(14, 0), time(18, 0))]


def demo_calendar(*, monday: date, now_local: time = time(10, 40), today_offset: int = 2) -> DemoCalendar:
    """A week of clinics for four doctors starting `monday`, 'now' being `today_offset` days in."""
    rng = random.Random(5)
    zone = DOCTORS[0].zone
    now = local_instant(monday + timedelta(days=today_offset), now_local, zone)
    appointments: list[AppointmentItem] = []
    windows: list[OpenWindow] = []
    for doctor in DOCTORS:
        for offset in range(7):
            day = monday + timedelta(days=offset)
            for opens, closes in _sessions(day):
                start, end = local_instant(day, opens, zone), local_instant(day, closes, zone)
                windows.append(OpenWindow(doctor_id=doctor.id, starts_at=start, ends_at=end))
                slot = start
                while slot + SLOT <= end:
                    if rng.random() < 0.72:
                        appointments.append(_appointment(rng, doctor=doctor, starts_at=slot, now=now))
                    slot += SLOT
        # An approved overbooking and an emergency fitted in over a booked slot: shown side by side.
        tuesday = monday + timedelta(days=1)
        for at, minutes in ((time(9, 0), 40), (time(9, 20), 20)):
            starts = local_instant(tuesday, at, zone)
            appointments.append(
                _appointment(rng, doctor=doctor, starts_at=starts, now=now, length=timedelta(minutes=minutes))
            )
    return DemoCalendar(
        query=InMemoryCalendar(appointments=appointments, open_windows=windows), doctors=DOCTORS, now=now
    )


def _appointment(
    rng: random.Random,
    *,
    doctor: DoctorColumn,
    starts_at: datetime,
    now: datetime,
    length: timedelta = SLOT,
) -> AppointmentItem:
    roll = rng.random()
    if starts_at + length <= now:
        status = (
            AppointmentStatus.COMPLETED
            if roll < 0.84
            else AppointmentStatus.NO_SHOW
            if roll < 0.9
            else AppointmentStatus.CANCELLED
        )
    elif roll < 0.62:
        status = AppointmentStatus.CONFIRMED
    elif roll < 0.74:
        status = AppointmentStatus.HELD
    elif roll < 0.88:
        status = AppointmentStatus.REQUESTED
    elif roll < 0.95:
        status = AppointmentStatus.CANCELLED
    else:
        status = AppointmentStatus.REJECTED
    return AppointmentItem(
        id=uuid.UUID(int=rng.getrandbits(128)),
        doctor_id=doctor.id,
        patient_name=rng.choice(PATIENTS),
        starts_at=starts_at.astimezone(UTC),
        ends_at=(starts_at + length).astimezone(UTC),
        status=status,
        pending=status is AppointmentStatus.REQUESTED and rng.random() < 0.6,
        reason=rng.choice(REASONS),
    )
