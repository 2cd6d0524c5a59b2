"""Every query of the booking domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from shared.availability import Closure, Schedule, WeeklyRule
from sync_server.booking.models import (
    BLOCKING,
    BLOCKING_SQL,
    UNFINISHED,
    Appointment,
    AppointmentStatus,
    BookingSaga,
)
from sync_server.core import raw
from sync_server.directory.models import Patient

Interval = tuple[datetime, datetime]


# --- the booking saga's hot path: statements built once (building one per call costs its cache key) ---

_APPOINTMENTS: Table = Appointment.__table__  # type: ignore[assignment]
_INSERT_APPOINTMENT = insert(_APPOINTMENTS).returning(*_APPOINTMENTS.c)
_CONFIRM_HELD = (
    update(_APPOINTMENTS)
    .where(
        _APPOINTMENTS.c.id == bindparam("appointment_id"),
        _APPOINTMENTS.c.status == AppointmentStatus.HELD.value,
        or_(_APPOINTMENTS.c.hold_expires_at.is_(None), _APPOINTMENTS.c.hold_expires_at >= bindparam("now")),
    )
    .values(
        status=AppointmentStatus.CONFIRMED.value,
        hold_expires_at=None,
        version=_APPOINTMENTS.c.version + 1,
        updated_at=func.now(),
    )
    .returning(*_APPOINTMENTS.c)
)
_STATUS = select(_APPOINTMENTS.c.status, _APPOINTMENTS.c.hold_expires_at).where(
    _APPOINTMENTS.c.id == bindparam("appointment_id")
)


@lru_cache(maxsize=8)
def _insert_appointment(columns: tuple[str, ...]) -> raw.Statement:
    return raw.Statement(_INSERT_APPOINTMENT, columns=columns)


def insert_appointment(session: Session, values: dict[str, Any]) -> Any:
    """Write a new appointment (all its columns in `values`) and return its row. The exclusion
    constraints raise IntegrityError (23P01) when it would overlap a held or confirmed one."""
    return _insert_appointment(tuple(values)).one(session, values)


def confirm_held(session: Session, appointment_id: uuid.UUID, *, now: datetime) -> Row[Any] | None:
    """Held and not expired at `now` -> confirmed, in one guarded UPDATE; its new row, or None when the
    appointment was not held or its hold had expired (then nothing is written)."""
    return (
        session.connection()
        .execute(_CONFIRM_HELD, {"appointment_id": appointment_id, "now": now})
        .one_or_none()
    )


def appointment_status(session: Session, appointment_id: uuid.UUID) -> Row[Any, Any] | None:
    """(status, hold_expires_at) of an appointment, or None."""
    return session.connection().execute(_STATUS, {"appointment_id": appointment_id}).one_or_none()


_SAGAS: Table = BookingSaga.__table__  # type: ignore[assignment]
SAGA_STATE = (
    "status",
    "step",
    "outcome",
    "error",
    "attempts",
    "next_attempt_at",
    "lease_owner",
    "lease_expires_at",
)
_SAVE_SAGA_STATE = (
    update(_SAGAS)
    .where(_SAGAS.c.id == bindparam("saga_id"), _SAGAS.c.version == bindparam("expected_version"))
    .values(
        {
            **{name: bindparam(f"new_{name}") for name in SAGA_STATE},
            "version": _SAGAS.c.version + 1,
            "updated_at": func.now(),
        }
    )
    .returning(_SAGAS.c.version, _SAGAS.c.updated_at)
)


def save_saga_state(
    session: Session, *, saga_id: uuid.UUID, expected_version: int, state: dict[str, Any]
) -> Row[Any, Any] | None:
    """Write a saga's whole state (every name in SAGA_STATE) if its version is still `expected_version`.

    Returns (version, updated_at) after the write, or None when another executor moved the saga first
    (then nothing is written). The row stays locked until the transaction ends, so a second executor of
    the same step waits here, then finds the version changed."""
    params = {f"new_{name}": state[name] for name in SAGA_STATE}
    return (
        session.connection()
        .execute(_SAVE_SAGA_STATE, {"saga_id": saga_id, "expected_version": expected_version, **params})
        .one_or_none()
    )


SAGA_COLUMNS = tuple(c.name for c in _SAGAS.c if c.name not in ("created_at", "updated_at"))
_INSERT_SAGA = raw.Statement(
    insert(_SAGAS).returning(_SAGAS.c.created_at), columns=SAGA_COLUMNS, json=("payload", "outcome")
)


def insert_saga(session: Session, values: dict[str, Any]) -> Any:
    """Write a saga's row (every column in SAGA_COLUMNS) with one plain INSERT; returns (created_at,).
    Raises IntegrityError when its (started_by, client_request_id) was used before."""
    return _INSERT_SAGA.one(session, values)


_PATIENT = raw.Statement(
    select(Patient.id, Patient.full_name, Patient.email).where(Patient.id == bindparam("patient_id"))
)


def patient_contact(session: Session, patient_id: uuid.UUID) -> Row[Any, Any, Any] | None:
    """(id, full_name, email) of a patient, or None: what a booking's events say about him."""
    return _PATIENT.one_or_none(session, {"patient_id": patient_id})


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
_BOOKABLE_DOCTOR_SQL = text(
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

_BOOKABLE_DOCTOR = raw.Statement(_BOOKABLE_DOCTOR_SQL)

# A booking's two references in one round trip: the doctor with his schedule, and the patient's contact.
_DOCTOR_AND_PATIENT = raw.Statement(
    text(
        """
        SELECT d.id, d.full_name, d.time_zone, d.default_slot_minutes, d.active,
               (SELECT json_agg(json_build_array(r.weekday, r.starts, r.ends, r.valid_from, r.valid_until))
                  FROM availability_rules r WHERE r.doctor_id = d.id) AS rules,
               (SELECT json_agg(json_build_array(x.starts_at, x.ends_at))
                  FROM availability_exceptions x WHERE x.doctor_id = d.id) AS closures,
               p.id AS patient_id, p.full_name AS patient_name, p.email AS patient_email
          FROM (VALUES (1)) AS one (n)
          LEFT JOIN doctors d ON d.id = CAST(:doctor_id AS uuid)
          LEFT JOIN patients p ON p.id = CAST(:patient_id AS uuid)
        """
    )
)


@dataclass(frozen=True)
class PatientContact:
    """What a booking's events say about its patient."""

    id: uuid.UUID
    full_name: str
    email: str | None


def doctor_and_patient(
    session: Session, *, doctor_id: uuid.UUID, patient_id: uuid.UUID
) -> tuple[BookableDoctor | None, PatientContact | None]:
    """`bookable_doctor` and `patient_contact` in one query (None for either that does not exist)."""
    row = _DOCTOR_AND_PATIENT.one(session, {"doctor_id": doctor_id, "patient_id": patient_id})
    doctor = None if row.id is None else _bookable(row)
    patient = (
        None
        if row.patient_id is None
        else PatientContact(id=row.patient_id, full_name=row.patient_name, email=row.patient_email)
    )
    return doctor, patient


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def bookable_doctor(session: Session, doctor_id: uuid.UUID) -> BookableDoctor | None:
    """The doctor and his schedule (weekly rules, closures), or None when there is no such doctor."""
    row = _BOOKABLE_DOCTOR.one_or_none(session, {"doctor_id": doctor_id})
    return None if row is None else _bookable(row)


def _bookable(row: Any) -> BookableDoctor:
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


# Session.info key: the saga `SagaEngine.start` is running, before its row is written (see `saga_of`).
STARTING_SAGA = "booking_saga_starting"


def saga_of(session: Session, saga_id: uuid.UUID) -> BookingSaga | None:
    """A saga by id: the one being started in this session (not written yet), or its row."""
    starting: BookingSaga | None = session.info.get(STARTING_SAGA)
    if starting is not None and starting.id == saga_id:
        return starting
    return session.get(BookingSaga, saga_id)


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


# A refusal's queries (every losing request of a hot slot runs them): built once, on the driver's cursor.
_CONFLICTING = {
    column: raw.Statement(
        text(
            f"SELECT id FROM appointments WHERE {column} = CAST(:value AS uuid) AND {BLOCKING_SQL}"
            " AND starts_at < :ends_at AND ends_at > :starts_at AND id <> CAST(:exclude AS uuid) LIMIT 1"
        )
    )
    for column in ("doctor_id", "room_id", "patient_id")
}


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
    row = _CONFLICTING[column].one_or_none(
        session,
        {"value": value, "starts_at": starts_at, "ends_at": ends_at, "exclude": exclude or _NO_ID},
    )
    return None if row is None else row.id


_NO_ID = uuid.UUID(int=0)
_BUSY = raw.Statement(
    text(
        "SELECT starts_at, ends_at FROM appointments"
        " WHERE (doctor_id = CAST(:doctor_id AS uuid) OR patient_id = CAST(:patient_id AS uuid)"
        "        OR room_id = CAST(:room_id AS uuid))"
        f" AND {BLOCKING_SQL} AND starts_at < :end AND ends_at > :start"
    )
)


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
    rows = _BUSY.all(
        session,
        {"doctor_id": doctor_id, "patient_id": patient_id, "room_id": room_id, "start": start, "end": end},
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
