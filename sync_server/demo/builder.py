"""Loading the demo hospital into a database: deterministic, idempotent, in one transaction."""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from shared.booking import AppointmentStatus
from shared.events import EventEnvelope, EventType
from sync_server.audit import service as audit
from sync_server.auth.models import User, UserWard
from sync_server.auth.passwords import hash_password
from sync_server.booking import service as booking
from sync_server.booking.models import Appointment
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.demo import data
from sync_server.directory.availability import open_windows
from sync_server.directory.models import (
    AvailabilityException,
    AvailabilityRule,
    Doctor,
    Medication,
    Patient,
    Room,
    Ward,
)
from sync_server.history.consumer import HistoryProjector
from sync_server.payments.models import ANY_TYPE, ConsultationFee

CLI_CLIENT = ClientInfo(address="", name="warddesk-server demo-data")


class DemoConflict(Exception):
    """The database already holds some, but not all, of the demo's records (or clashing ones)."""


@dataclass
class DemoSummary:
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoPatient:
    mrn: str
    full_name: str
    birth_date: date
    email: str | None
    phone: str | None
    ward_code: str | None


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def demo_patients(count: int = data.DEMO_PATIENTS, *, seed: int = data.DEMO_SEED) -> list[DemoPatient]:
    """The demo's patients: the same list for the same seed, whatever the day."""
    rng = random.Random(seed)
    ward_codes = [code for code, _name, _floor in data.WARDS]
    patients = []
    for number in range(1, count + 1):
        portuguese = rng.random() < 0.75
        if portuguese:
            first = rng.choice(data.FIRST_NAMES_PT)
            surnames = rng.sample(data.SURNAMES_PT, 2)
            full_name = f"{first} {surnames[0]} {surnames[1]}"
            prefix = f"9{rng.choice('1236')}{rng.randint(0, 9)}"
            phone = f"+351 {prefix} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
            domain = "example.pt"
        else:
            first = rng.choice(data.FIRST_NAMES_EN)
            surnames = [rng.choice(data.SURNAMES_EN)]
            full_name = f"{first} {surnames[0]}"
            # 07700 900000-900999 is reserved by Ofcom for drama: never a real number.
            phone = f"+44 7700 900{rng.randint(0, 999):03d}"
            domain = "example.com"
        # Adults dominate a hospital's list; a few children for the paediatric ward.
        age_days = rng.randint(18 * 365, 95 * 365) if rng.random() < 0.88 else rng.randint(30, 17 * 365)
        birth_date = date(2026, 1, 1) - timedelta(days=age_days)
        email = f"{_ascii(first)}.{_ascii(surnames[-1])}{number}@{domain}" if rng.random() < 0.8 else None
        patients.append(
            DemoPatient(
                mrn=f"MRN-{100000 + number}",
                full_name=full_name,
                birth_date=birth_date,
                email=email,
                phone=phone if rng.random() < 0.9 else None,
                ward_code=rng.choice(ward_codes) if rng.random() < 0.5 else None,
            )
        )
    return patients


def _leave_week(today: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to Saturday 00:00 in Lisbon, two Mondays after `today` (so it is always ahead)."""
    monday = today + timedelta(days=7 - today.weekday() + 7)
    zone = ZoneInfo(data.DEMO_TIME_ZONE)
    starts = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    ends = starts + timedelta(days=5)
    return starts, ends


def _present(session: Session) -> dict[str, int]:
    """How many of the demo's own keys the database already holds, per kind."""
    checks = {
        "wards": select(func.count()).select_from(Ward).where(Ward.code.in_([w[0] for w in data.WARDS])),
        "rooms": select(func.count()).select_from(Room).where(Room.name.in_([r[0] for r in data.ROOMS])),
        "doctors": select(func.count())
        .select_from(Doctor)
        .where(Doctor.license_number.in_([d.license_number for d in data.DOCTORS])),
        "medications": select(func.count())
        .select_from(Medication)
        .where(Medication.code.in_([m[0] for m in data.FORMULARY])),
        "users": select(func.count())
        .select_from(User)
        .where(User.username.in_([u.username for u in data.USERS])),
        "patients": select(func.count())
        .select_from(Patient)
        .where(Patient.mrn.in_([p.mrn for p in demo_patients()])),
    }
    return {kind: session.scalar(query) or 0 for kind, query in checks.items()}


def _expected() -> dict[str, int]:
    return {
        "wards": len(data.WARDS),
        "rooms": len(data.ROOMS),
        "doctors": len(data.DOCTORS),
        "medications": len(data.FORMULARY),
        "users": len(data.USERS),
        "patients": data.DEMO_PATIENTS,
    }


def reset_database(factory: sessionmaker[Session]) -> None:
    """Empty every table of the database except Alembic's version (the demo's --reset). Irreversible."""
    with transaction(factory) as session:
        tables = session.scalars(
            text(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ).all()
        if tables:
            quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in tables)
            session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


def load_demo_hospital(factory: sessionmaker[Session], *, today: date | None = None) -> DemoSummary:
    """Load the demo hospital in one transaction, or report that it is already there.

    Raises DemoConflict when the database holds part of the demo or records that clash with it
    (run with --reset on a demo database to start over).
    """
    today = today or date.today()
    with transaction(factory) as session:
        # One loader at a time: a second concurrent run waits, then sees the demo as loaded.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('warddesk-demo-data'))"))
        present = _present(session)
        if present == _expected():
            return DemoSummary(loaded=False, counts=present)
        if any(present.values()):
            clashing = ", ".join(f"{count} {kind}" for kind, count in present.items() if count)
            raise DemoConflict(
                f"the database already holds part of the demo or clashing records ({clashing}); "
                "use --reset to empty a demo database and load it again"
            )
        counts = _build(session, today=today)
        audit.record(
            session,
            actor=None,
            username="cli",
            client=CLI_CLIENT,
            action="demo.load",
            entity="database",
            details=counts,
        )
    return DemoSummary(loaded=True, counts=counts)


def _book_demo_week(session: Session, *, doctors: list[Doctor], today: date) -> int:
    """About half of every doctor's slots over the next two weeks, so the calendars look like a real
    clinic's: confirmed ahead, completed behind, the odd cancellation. Never overlapping (the same
    exclusion constraints as real bookings guard these rows)."""
    rng = random.Random(data.DEMO_SEED)
    patients = list(session.scalars(select(Patient.id).order_by(Patient.mrn)))
    zone = ZoneInfo(data.DEMO_TIME_ZONE)
    start = datetime(today.year, today.month, today.day, tzinfo=zone) - timedelta(days=today.weekday())
    end = start + timedelta(days=14)
    now = datetime.now(UTC)
    rows: list[Appointment] = []
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    room_busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    turn = 0

    def free(intervals: list[tuple[datetime, datetime]], at: datetime, until: datetime) -> bool:
        return all(until <= begun or at >= ended for begun, ended in intervals)

    reasons = ["Follow-up", "First visit", "Test results", "Check-up", "Post-discharge review", ""]
    for doctor in doctors:
        slot = timedelta(minutes=doctor.default_slot_minutes)
        for window_start, window_end in open_windows(doctor, start, end):
            at = window_start
            while at + slot <= window_end:
                room_id = doctor.rules[0].room_id if doctor.rules else None
                patient_id = None
                for _ in range(len(patients)):
                    turn += 7  # spread each patient's visits over the fortnight
                    candidate = patients[turn % len(patients)]
                    if free(busy.get(candidate, []), at, at + slot):
                        patient_id = candidate
                        break
                room_free = room_id is None or free(room_busy.get(room_id, []), at, at + slot)
                if patient_id is not None and room_free and rng.random() < 0.55:
                    status = AppointmentStatus.COMPLETED if at + slot <= now else AppointmentStatus.CONFIRMED
                    if rng.random() < 0.06:
                        status = AppointmentStatus.CANCELLED
                    rows.append(
                        Appointment(
                            doctor_id=doctor.id,
                            patient_id=patient_id,
                            room_id=room_id,
                            starts_at=at,
                            ends_at=at + slot,
                            status=status,
                            reason=rng.choice(reasons),
                            cancel_reason="Patient asked to cancel"
                            if status == AppointmentStatus.CANCELLED
                            else None,
                        )
                    )
                    if status != AppointmentStatus.CANCELLED:
                        busy.setdefault(patient_id, []).append((at, at + slot))
                        if room_id is not None:
                            room_busy.setdefault(room_id, []).append((at, at + slot))
                at += slot
    session.add_all(rows)
    session.flush()
    return len(rows)


def _build(session: Session, *, today: date) -> dict[str, int]:
    wards = {
        code: Ward(id=uuid.uuid4(), code=code, name=name, floor=floor) for code, name, floor in data.WARDS
    }
    session.add_all(wards.values())
    # Rooms, doctors and patients point at wards without an ORM relationship: flush in FK order.
    session.flush()
    rooms = {
        name: Room(id=uuid.uuid4(), name=name, ward_id=wards[code].id if code else None, kind=kind)
        for name, code, kind in data.ROOMS
    }
    session.add_all(rooms.values())
    session.flush()

    doctors: dict[str, Doctor] = {}
    for spec in data.DOCTORS:
        doctor = Doctor(
            id=uuid.uuid4(),
            full_name=spec.full_name,
            specialty=spec.specialty,
            license_number=spec.license_number,
            email=spec.email,
            time_zone=data.DEMO_TIME_ZONE,
            default_slot_minutes=spec.slot_minutes,
            rules=[
                AvailabilityRule(weekday=weekday, starts=starts, ends=ends, room_id=rooms[spec.room].id)
                for weekday, stretches in sorted(spec.week.items())
                for starts, ends in stretches
            ],
        )
        if spec.license_number == data.DOCTOR_ON_LEAVE:
            starts_at, ends_at = _leave_week(today)
            doctor.exceptions = [
                AvailabilityException(kind="leave", starts_at=starts_at, ends_at=ends_at, note="Annual leave")
            ]
        doctors[spec.license_number] = doctor
    session.add_all(doctors.values())
    session.flush()
    session.add_all(
        ConsultationFee(doctor_id=doctors[licence].id, appointment_type=kind, amount=Decimal(amount))
        for licence, (any_type, follow_up) in data.CONSULTATION_FEES.items()
        for kind, amount in ((ANY_TYPE, any_type), (data.FOLLOW_UP, follow_up))
    )

    session.add_all(
        Medication(code=code, name=name, form=form, strength=strength, unit=unit, pack_size=pack)
        for code, name, form, strength, unit, pack in data.FORMULARY
    )
    patients = demo_patients()
    session.add_all(
        Patient(
            mrn=p.mrn,
            full_name=p.full_name,
            birth_date=p.birth_date,
            email=p.email,
            phone=p.phone,
            ward_id=wards[p.ward_code].id if p.ward_code else None,
        )
        for p in patients
    )
    session.flush()

    session.add_all(
        User(
            username=user.username,
            full_name=user.full_name,
            role=user.role,
            password_hash=hash_password(user.password),
            doctor_id=doctors[user.doctor_license].id if user.doctor_license else None,
            wards=[UserWard(ward_id=wards[code].id) for code in user.ward_codes],
        )
        for user in data.USERS
    )
    session.flush()
    appointments = _book_demo_week(session, doctors=list(doctors.values()), today=today)
    return {
        "appointments": appointments,
        "wards": len(wards),
        "rooms": len(rooms),
        "doctors": len(doctors),
        "availability_rules": sum(len(d.rules) for d in doctors.values()),
        "leave_exceptions": sum(len(d.exceptions) for d in doctors.values()),
        "consultation_fees": 2 * len(data.CONSULTATION_FEES),
        "medications": len(data.FORMULARY),
        "patients": len(patients),
        "users": len(data.USERS),
    }


# The demo's appointments are written straight into the tables, so no event ever told their patients'
# histories about them. `project_demo_history` tells them now, as the events would have: booked, then
# attended or cancelled, through the live consumer's own projection (the store and the desktops' feed).
_DEMO_EVENTS = uuid.UUID("5f0c3d2e-8a1b-4c7d-9e6f-0a1b2c3d4e5f")


def project_demo_history(factory: sessionmaker[Session], projector: HistoryProjector) -> int:
    """Give every demo appointment its history entries; returns how many events were projected. The
    event ids are derived from the appointments, so running it twice writes each entry once."""
    projected = 0
    with transaction(factory) as session:
        appointments = session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
        for appointment in appointments:
            who = booking.people_of(session, appointment)
            booked_at = min(appointment.created_at, appointment.starts_at - timedelta(days=3))
            events = [(EventType.APPOINTMENT_CONFIRMED, booked_at, {})]
            if appointment.status == AppointmentStatus.COMPLETED:
                events.append((EventType.APPOINTMENT_ATTENDED, appointment.ends_at, {}))
            elif appointment.status == AppointmentStatus.CANCELLED:
                reason = {"reason": appointment.cancel_reason}
                events.append(
                    (EventType.APPOINTMENT_CANCELLED, appointment.starts_at - timedelta(days=1), reason)
                )
            for event, at, extra in events:
                projector.handle(
                    session,
                    EventEnvelope(
                        message_id=uuid.uuid5(_DEMO_EVENTS, f"{appointment.id}:{event.value}"),
                        type=event.value,
                        occurred_at=at,
                        aggregate_type="appointment",
                        aggregate_id=str(appointment.id),
                        sequence=0,
                        payload=booking.event_payload(appointment, who, **extra),
                    ),
                )
                projected += 1
    return projected
