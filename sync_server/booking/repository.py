"""Every query of the booking domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from shared.availability import Closure, Schedule, WeeklyRule
from sync_server.booking.models import (
    BLOCKING,
    UNFINISHED,
    Appointment,
    AppointmentStatus,
    BookingSaga,
)

Interval = tuple[datetime, datetime]


def appointment(session: Session, appointment_id: uuid.UUID) -> Appointment | None:
    return session.get(Appointment, appointment_id)


@dataclass(frozen=True)
class BookableDoctor:
    """What booking needs to know of a doctor: who, where in the world, and when he can be booked."""

    id: uuid.UUID
    full_name: str
    time_zone: str
    default_slot_minutes: int
    active: bool
    schedule: Schedule


# Booking reads this for every request: one row, the rules and closures aggregated as JSON, instead of
# the ORM's joined load of two collections.
_BOOKABLE_DOCTOR = text(
    """
    SELECT d.id, d.full_name, d.time_zone, d.default_slot_minutes, d.active,
           (SELECT json_agg(json_build_array(r.weekday, r.starts, r.ends, r.valid_from, r.valid_until))
              FROM availability_rules r WHERE r.doctor_id = d.id) AS rules,
           (SELECT json_agg(json_build_array(x.starts_at, x.ends_at))
              FROM availability_exceptions x WHERE x.doctor_id = d.id) AS closures
      FROM doctors d
     WHERE d.id = :doctor_id
    """
)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def bookable_doctor(session: Session, doctor_id: uuid.UUID) -> BookableDoctor | None:
    """The doctor and his schedule (weekly rules, closures), or None when there is no such doctor."""
    row = session.connection().execute(_BOOKABLE_DOCTOR, {"doctor_id": doctor_id}).one_or_none()
    if row is None:
        return None
    slot_minutes = row.default_slot_minutes or 20
    schedule = Schedule(
        time_zone=row.time_zone,
        rules=tuple(
            WeeklyRule(
                weekday=weekday,
                starts=time.fromisoformat(starts),
                ends=time.fromisoformat(ends),
                valid_from=_day(valid_from),
                valid_until=_day(valid_until),
            )
            for weekday, starts, ends, valid_from, valid_until in row.rules or ()
        ),
        closures=tuple(
            Closure(datetime.fromisoformat(starts), datetime.fromisoformat(ends))
            for starts, ends in row.closures or ()
        ),
        slot_minutes=slot_minutes,
    )
    return BookableDoctor(
        id=row.id,
        full_name=row.full_name,
        time_zone=row.time_zone,
        default_slot_minutes=slot_minutes,
        active=row.active,
        schedule=schedule,
    )


def saga(session: Session, saga_id: uuid.UUID) -> BookingSaga | None:
    return session.get(BookingSaga, saga_id)


def saga_by_request(session: Session, *, started_by: uuid.UUID, client_request_id: str) -> BookingSaga | None:
    return session.scalars(
        select(BookingSaga).where(
            BookingSaga.started_by == started_by, BookingSaga.client_request_id == client_request_id
        )
    ).one_or_none()


def appointments_between(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    doctor_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[Appointment]:
    """Appointments overlapping [start, end), earliest first."""
    query = select(Appointment).where(Appointment.starts_at < end, Appointment.ends_at > start)
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    if patient_id is not None:
        query = query.where(Appointment.patient_id == patient_id)
    if room_id is not None:
        query = query.where(Appointment.room_id == room_id)
    if status is not None:
        query = query.where(Appointment.status == status)
    return list(session.scalars(query.order_by(Appointment.starts_at, Appointment.id).limit(limit)))


def _blocking() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (Appointment.status.in_([s.value for s in BLOCKING]), Appointment.overbooked.is_(False))


def conflicting(
    session: Session,
    *,
    column: str,
    value: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    exclude: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """The id of a held or confirmed appointment of this doctor/room/patient overlapping the range."""
    query = select(Appointment.id).where(
        getattr(Appointment, column) == value,
        *_blocking(),
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    if exclude is not None:
        query = query.where(Appointment.id != exclude)
    return session.scalars(query.limit(1)).first()


def busy(
    session: Session,
    *,
    doctor_id: uuid.UUID,
    patient_id: uuid.UUID,
    room_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """Time already taken from the doctor, the room or the patient in [start, end)."""
    whose = [Appointment.doctor_id == doctor_id, Appointment.patient_id == patient_id]
    if room_id is not None:
        whose.append(Appointment.room_id == room_id)
    rows = session.execute(
        select(Appointment.starts_at, Appointment.ends_at).where(
            or_(*whose), *_blocking(), Appointment.starts_at < end, Appointment.ends_at > start
        )
    )
    return [(row.starts_at, row.ends_at) for row in rows]


def claim_due_sagas(session: Session, *, owner: str, lease_seconds: float, limit: int) -> list[uuid.UUID]:
    """Lease up to `limit` unfinished sagas that are due and not leased by a live executor.

    SKIP LOCKED lets several replicas claim side by side without waiting on each other.
    """
    due = (
        select(BookingSaga.id)
        .where(
            BookingSaga.status.in_([s.value for s in UNFINISHED]),
            BookingSaga.next_attempt_at <= func.now(),
            or_(BookingSaga.lease_expires_at.is_(None), BookingSaga.lease_expires_at < func.now()),
        )
        .order_by(BookingSaga.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(BookingSaga)
        .where(BookingSaga.id.in_(due))
        .values(lease_owner=owner, lease_expires_at=func.now() + _seconds(lease_seconds))
        .returning(BookingSaga.id)
        .execution_options(synchronize_session=False)
    )
    return list(claimed.scalars())


def claim_saga(session: Session, *, saga_id: uuid.UUID, owner: str, lease_seconds: float) -> bool:
    """Lease one unfinished saga unless another live executor holds it."""
    claimed = session.execute(
        update(BookingSaga)
        .where(
            BookingSaga.id == saga_id,
            BookingSaga.status.in_([s.value for s in UNFINISHED]),
            or_(
                BookingSaga.lease_expires_at.is_(None),
                BookingSaga.lease_expires_at < func.now(),
                BookingSaga.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=func.now() + _seconds(lease_seconds))
        .returning(BookingSaga.id)
        .execution_options(synchronize_session=False)
    )
    return claimed.first() is not None


def orphaned_holds(session: Session, *, now: datetime, limit: int = 100) -> list[Appointment]:
    """Held appointments past their expiry whose saga is no longer running to release them."""
    active = select(BookingSaga.id).where(
        BookingSaga.id == Appointment.saga_id, BookingSaga.status.in_([s.value for s in UNFINISHED])
    )
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.status == AppointmentStatus.HELD.value,
                Appointment.hold_expires_at < now,
                ~active.exists(),
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _seconds(seconds: float) -> TextClause:
    return text("make_interval(secs => :lease_seconds)").bindparams(lease_seconds=seconds)
