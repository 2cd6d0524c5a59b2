"""The booking rules: who may book what, which status moves are allowed, why a booking is refused,
and what the appointment.* events say. Saga steps (saga.py) and routes (api.py) both use these.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shared import availability as shared_availability
from shared.errors import ErrorCode
from shared.events import EventType
from shared.privacy import Access
from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.booking import feed as sync_appointments
from sync_server.booking import repository
from sync_server.booking.models import Appointment, AppointmentStatus
from sync_server.booking.repository import BookableDoctor
from sync_server.booking.schemas import LATEST, BookingRequest, RescheduleRequest
from sync_server.core.context import ClientInfo
from sync_server.core.errors import AppError, Conflict, Invalid, NotFound, PermissionDenied
from sync_server.core.outbox import emit_now
from sync_server.directory.models import Doctor, Patient, Room
from sync_server.privacy.service import PatientScope

S = AppointmentStatus
# An appointment as the ORM holds it, or as a row a saga step wrote with RETURNING (same attributes).
AppointmentFacts = Appointment | Row[Any]
PatientContact = repository.PatientContact | Row[Any, Any, Any]  # id, full_name, email

# --- refusals --------------------------------------------------------------------------------------


class SlotTaken(Conflict):
    code = ErrorCode.SLOT_TAKEN


class PatientDoubleBooked(Conflict):
    code = ErrorCode.PATIENT_DOUBLE_BOOKED


class OutsideAvailability(Conflict):
    code = ErrorCode.OUTSIDE_AVAILABILITY


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION


class HoldExpired(Conflict):
    code = ErrorCode.HOLD_EXPIRED


class BookingUnavailable(AppError):
    """The saga kept failing for temporary reasons (database busy or down) and gave up."""

    status_code = 503
    code = ErrorCode.BOOKING_UNAVAILABLE


# A saga's outcome stores the refusal's code; the API turns it back into the same typed error.
REFUSALS: dict[str, type[AppError]] = {
    cls.code.value: cls
    for cls in (
        SlotTaken,
        PatientDoubleBooked,
        OutsideAvailability,
        InvalidTransition,
        HoldExpired,
        BookingUnavailable,
        Invalid,
        Conflict,
    )
}

# --- status moves ----------------------------------------------------------------------------------

FORWARD: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.HELD, S.REJECTED}),
    S.HELD: frozenset({S.CONFIRMED, S.REJECTED}),
    S.CONFIRMED: frozenset({S.CANCELLED, S.COMPLETED, S.NO_SHOW}),
}
# The only backward moves, each an explicit, audited undo by a scheduler or an admin.
UNDO: dict[str, str] = {S.CANCELLED: S.CONFIRMED, S.NO_SHOW: S.CONFIRMED, S.COMPLETED: S.CONFIRMED}


def move(appointment: Appointment, to: str) -> None:
    """Move the appointment forward. Raises InvalidTransition for any other move."""
    if to not in FORWARD.get(appointment.status, frozenset()):
        raise InvalidTransition(
            f"an appointment that is {appointment.status} cannot become {to}",
            details={"appointment_id": str(appointment.id), "status": appointment.status, "to": to},
        )
    appointment.status = to


# --- who may do what -------------------------------------------------------------------------------

BOOKERS = (Role.SCHEDULER, Role.ADMIN, Role.DOCTOR)
READERS = (Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN)
UNDOERS = (Role.SCHEDULER, Role.ADMIN)


def check_calendar(actor: Actor, doctor_id: uuid.UUID) -> None:
    """A doctor books and manages only his own calendar; schedulers and admins manage every calendar."""
    if actor.role is Role.DOCTOR and actor.doctor_id != doctor_id:
        raise PermissionDenied("a doctor can only book and manage appointments in his own calendar")


def check_overbook(actor: Actor) -> None:
    if actor.role not in (Role.SCHEDULER, Role.ADMIN):
        raise PermissionDenied("only a scheduler or an admin can overbook")


# --- events ----------------------------------------------------------------------------------------


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def people(
    doctor: Doctor | BookableDoctor, patient: Patient | PatientContact, room: Room | None
) -> dict[str, Any]:
    """What an event needs to say about the people and the place, captured once per saga."""
    return {
        "doctor_name": doctor.full_name,
        "patient_name": patient.full_name,
        "patient_email": patient.email,
        "room_name": room.name if room else None,
        "time_zone": doctor.time_zone,
    }


def people_of(session: Session, appointment: Appointment) -> dict[str, Any]:
    doctor = session.get(Doctor, appointment.doctor_id)
    patient = session.get(Patient, appointment.patient_id)
    room = session.get(Room, appointment.room_id) if appointment.room_id else None
    assert doctor is not None and patient is not None  # foreign keys
    return people(doctor, patient, room)


def event_payload(appointment: AppointmentFacts, who: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The appointment.* payload; the email consumer relies on exactly these keys."""
    return {
        "appointment_id": str(appointment.id),
        "doctor_id": str(appointment.doctor_id),
        "doctor_name": who["doctor_name"],
        "patient_id": str(appointment.patient_id),
        "patient_name": who["patient_name"],
        "patient_email": who["patient_email"],
        "room_name": who["room_name"],
        "starts_at": iso(appointment.starts_at),
        "ends_at": iso(appointment.ends_at),
        "time_zone": who["time_zone"],
        "status": appointment.status,
        "saga_id": str(appointment.saga_id) if appointment.saga_id else None,
        **extra,
    }


def emit_event(
    session: Session, event: EventType, appointment: AppointmentFacts, who: dict[str, Any], **extra: Any
) -> None:
    """The appointment.* event and the sync feed entry, written now in the caller's transaction.

    `appointment` is the ORM object, or a row a saga step wrote with RETURNING. The outbox row goes in
    with a plain INSERT: no unit of work for a row nothing else refers to."""
    emit_now(
        session,
        event_type=event.value,
        aggregate_type="appointment",
        aggregate_id=appointment.id,
        payload=event_payload(appointment, who, **extra),
    )
    # Every appointment write ends here: the same transaction puts it on the sync feed.
    sync_appointments.on_appointment_event(session, event, appointment, extra)


# --- planning a booking (the saga's validate step) -------------------------------------------------


def alternatives(
    session: Session,
    *,
    doctor: BookableDoctor,
    patient_id: uuid.UUID,
    room_id: uuid.UUID | None,
    starts_at: datetime,
    duration: timedelta,
    now: datetime,
    limit: int = 5,
) -> list[dict[str, str]]:
    """The doctor's next free slots of this length from the requested time on, clear of the room's and
    the patient's other appointments too."""
    after = max(starts_at, now)
    horizon_days = 28
    taken = repository.busy(
        session,
        doctor_id=doctor.id,
        patient_id=patient_id,
        room_id=room_id,
        start=after,
        end=after + timedelta(days=horizon_days + 1),
    )
    slots = shared_availability.free_slots(
        doctor.schedule, after=after, busy=taken, duration=duration, limit=limit, horizon_days=horizon_days
    )
    return [{"starts_at": iso(s), "ends_at": iso(e)} for s, e in slots]


def overlap_refusal(
    session: Session, payload: dict[str, Any], *, constraint: str | None, now: datetime
) -> AppError | None:
    """The typed refusal for an overlap the database reported, naming the appointment in the way.

    `constraint` is the violated exclusion constraint, or None after a deadlock (then each guard is
    checked). Returns None when nothing overlaps any more (the other booking was rolled back).
    """
    starts_at = datetime.fromisoformat(payload["starts_at"])
    ends_at = datetime.fromisoformat(payload["ends_at"])
    checks = [("doctor_id", SlotTaken), ("room_id", SlotTaken), ("patient_id", PatientDoubleBooked)]
    if constraint is not None:
        checks = [c for c in checks if c[0].removesuffix("_id") in constraint] or checks
    for column, refusal in checks:
        value = payload.get(column)
        if value is None:
            continue
        other = repository.conflicting(
            session,
            column=column,
            value=uuid.UUID(value),
            starts_at=starts_at,
            ends_at=ends_at,
            exclude=uuid.UUID(payload["appointment_id"]),
        )
        if other is None:
            continue
        doctor = repository.bookable_doctor(session, uuid.UUID(payload["doctor_id"]))
        assert doctor is not None
        whose = {"doctor_id": "the doctor", "room_id": "the room", "patient_id": "the patient"}[column]
        return refusal(
            f"{whose} already has an appointment at that time",
            details={
                "conflicting_appointment_id": str(other),
                "alternatives": alternatives(
                    session,
                    doctor=doctor,
                    patient_id=uuid.UUID(payload["patient_id"]),
                    room_id=uuid.UUID(payload["room_id"]) if payload.get("room_id") else None,
                    starts_at=starts_at,
                    duration=ends_at - starts_at,
                    now=now,
                ),
            },
        )
    return None


_NO_CLIENT = ClientInfo(address="", name="booking")


def _load_references(
    session: Session, *, doctor_id: uuid.UUID, patient_id: uuid.UUID, room_id: uuid.UUID | None
) -> tuple[BookableDoctor, PatientContact, Room | None]:
    doctor, patient = repository.doctor_and_patient(session, doctor_id=doctor_id, patient_id=patient_id)
    if doctor is None or not doctor.active:
        raise Invalid(f"doctor {doctor_id} does not exist or is inactive", details={"field": "doctor_id"})
    if patient is None:
        raise Invalid(f"patient {patient_id} does not exist", details={"field": "patient_id"})
    room = None
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or not room.active:
            raise Invalid(f"room {room_id} does not exist or is inactive", details={"field": "room_id"})
    return doctor, patient, room


def _plan(
    session: Session,
    *,
    actor: Actor,
    doctor_id: uuid.UUID,
    patient_id: uuid.UUID,
    room_id: uuid.UUID | None,
    starts_at: datetime,
    duration_minutes: int | None,
    overbook: bool,
    overbook_reason: str | None,
    reason: str,
    notes: str,
    client_request_id: str | None,
    now: datetime,
) -> tuple[dict[str, Any], AppError | None]:
    check_calendar(actor, doctor_id)
    if overbook:
        check_overbook(actor)
    doctor, patient, room = _load_references(
        session, doctor_id=doctor_id, patient_id=patient_id, room_id=room_id
    )
    if actor.role is Role.DOCTOR:
        # A doctor books the patients in his care (or one he opened by breaking the glass): a booking
        # must not be a way into a stranger's record. The front desk books anyone.
        PatientScope(session, actor=actor, client=_NO_CLIENT, now=now).require(
            patient_id, at_least=Access.CARE
        )
    if starts_at < now - timedelta(minutes=1):
        raise Invalid("an appointment cannot start in the past", details={"field": "starts_at"})
    duration = timedelta(minutes=duration_minutes or doctor.default_slot_minutes)
    ends_at = starts_at + duration
    if ends_at > LATEST:
        raise Invalid(
            f"an appointment must end by {LATEST.date().isoformat()}", details={"field": "duration_minutes"}
        )
    payload = {
        "appointment_id": str(uuid.uuid4()),
        "doctor_id": str(doctor_id),
        "patient_id": str(patient_id),
        "room_id": str(room_id) if room_id else None,
        "starts_at": iso(starts_at),
        "ends_at": iso(ends_at),
        "reason": reason,
        "notes": notes,
        "overbooked": overbook,
        "overbook_reason": overbook_reason,
        "booked_by": str(actor.user_id),
        "client_request_id": client_request_id,
        "people": people(doctor, patient, room),
    }
    refusal: AppError | None = None
    # An overbooking is the scheduler's deliberate choice: it skips the opening-hours check too.
    if not overbook and not shared_availability.is_within_availability(doctor.schedule, starts_at, ends_at):
        refusal = OutsideAvailability(
            "the doctor is not available at that time",
            details={
                "alternatives": alternatives(
                    session,
                    doctor=doctor,
                    patient_id=patient_id,
                    room_id=room_id,
                    starts_at=starts_at,
                    duration=duration,
                    now=now,
                )
            },
        )
    return payload, refusal


def plan_booking(
    session: Session, *, actor: Actor, body: BookingRequest, now: datetime
) -> tuple[dict[str, Any], AppError | None]:
    """The saga payload for a booking, and the refusal if it already cannot succeed (outside hours).

    Raises PermissionDenied (another doctor's calendar, overbooking without the role) and Invalid
    (unknown or inactive doctor, patient or room; a start in the past).
    """
    return _plan(
        session,
        actor=actor,
        doctor_id=body.doctor_id,
        patient_id=body.patient_id,
        room_id=body.room_id,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        overbook=body.overbook,
        overbook_reason=body.overbook_reason,
        reason=body.reason,
        notes=body.notes,
        client_request_id=body.client_request_id,
        now=now,
    )


def plan_reschedule(
    session: Session, *, actor: Actor, old: Appointment, body: RescheduleRequest, now: datetime
) -> tuple[dict[str, Any], AppError | None]:
    """The saga payload for moving a confirmed appointment; same refusals as `plan_booking`, plus
    InvalidTransition when the old appointment is not confirmed."""
    check_calendar(actor, old.doctor_id)
    if old.status != S.CONFIRMED:
        raise InvalidTransition(
            f"only a confirmed appointment can be rescheduled; this one is {old.status}",
            details={"appointment_id": str(old.id), "status": old.status},
        )
    duration = body.duration_minutes or int((old.ends_at - old.starts_at).total_seconds() // 60)
    payload, refusal = _plan(
        session,
        actor=actor,
        doctor_id=body.doctor_id or old.doctor_id,
        patient_id=old.patient_id,
        room_id=body.room_id or old.room_id,
        starts_at=body.starts_at,
        duration_minutes=duration,
        overbook=body.overbook,
        overbook_reason=body.overbook_reason,
        reason=old.reason,
        notes=old.notes,
        client_request_id=body.client_request_id,
        now=now,
    )
    payload["previous_appointment_id"] = str(old.id)
    # The same patient cannot hold both slots at once, so an overlapping move is done in one step.
    new_start, new_end = (
        datetime.fromisoformat(payload["starts_at"]),
        datetime.fromisoformat(payload["ends_at"]),
    )
    payload["swap"] = new_start < old.ends_at and old.starts_at < new_end
    return payload, refusal


# --- changes outside sagas: cancel, complete / no-show, undo ----------------------------------------


def _load_for_change(session: Session, appointment_id: uuid.UUID) -> Appointment:
    appointment = repository.appointment(session, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment {appointment_id}")
    return appointment


def _flush(session: Session, appointment: Appointment) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "the appointment changed while you were editing it; reload and try again",
            details={"appointment_id": str(appointment.id)},
        ) from exc


def cancel(
    session: Session, *, actor: Actor, client: ClientInfo, appointment_id: uuid.UUID, reason: str
) -> Appointment:
    """Cancel a confirmed appointment: frees the slot, emits appointment.cancelled, audited.

    Raises NotFound, PermissionDenied (another doctor's calendar), InvalidTransition (not confirmed;
    a held one belongs to a booking still in flight).
    """
    appointment = _load_for_change(session, appointment_id)
    check_calendar(actor, appointment.doctor_id)
    move(appointment, S.CANCELLED)
    appointment.cancel_reason = reason
    _flush(session, appointment)
    emit_event(
        session, EventType.APPOINTMENT_CANCELLED, appointment, people_of(session, appointment), reason=reason
    )
    audit.record(
        session,
        actor=actor,
        client=client,
        action="appointment.cancel",
        entity="appointment",
        entity_id=appointment.id,
        details={"reason": reason},
    )
    return appointment


def record_attendance(
    session: Session,
    *,
    actor: Actor,
    client: ClientInfo,
    appointment_id: uuid.UUID,
    status: str,
    now: datetime,
) -> Appointment:
    """Mark a confirmed appointment completed or no_show once it has begun. Audited.

    Raises NotFound, PermissionDenied, InvalidTransition (not confirmed, or not begun yet).
    """
    appointment = _load_for_change(session, appointment_id)
    check_calendar(actor, appointment.doctor_id)
    if appointment.starts_at > now:
        raise InvalidTransition(
            f"the appointment has not begun yet; it cannot be marked {status}",
            details={"appointment_id": str(appointment.id), "starts_at": iso(appointment.starts_at)},
        )
    previous = appointment.status
    move(appointment, status)
    _flush(session, appointment)
    # The patient's history records it (issue 13); emit_event also puts it on the calendars' feed.
    event = EventType.APPOINTMENT_ATTENDED if status == S.COMPLETED else EventType.APPOINTMENT_MISSED
    emit_event(session, event, appointment, people_of(session, appointment), recorded_by=str(actor.user_id))
    audit.record(
        session,
        actor=actor,
        client=client,
        action="appointment.status",
        entity="appointment",
        entity_id=appointment.id,
        details={"from": previous, "to": status},
    )
    return appointment


def undo(
    session: Session,
    *,
    actor: Actor,
    client: ClientInfo,
    appointment_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> Appointment:
    """Take back a cancellation, a no-show or a completion: the appointment is confirmed again.

    Audited with the reason. A restored cancellation emits appointment.confirmed again, since the
    patient was told it was off. Raises NotFound, InvalidTransition (nothing to undo), SlotTaken or
    PatientDoubleBooked (the time has been given to someone else meanwhile).
    """
    appointment = _load_for_change(session, appointment_id)
    target = UNDO.get(appointment.status)
    if target is None:
        raise InvalidTransition(
            f"an appointment that is {appointment.status} has nothing to undo",
            details={"appointment_id": str(appointment.id), "status": appointment.status},
        )
    previous = appointment.status
    payload = {
        "appointment_id": str(appointment.id),
        "doctor_id": str(appointment.doctor_id),
        "patient_id": str(appointment.patient_id),
        "room_id": str(appointment.room_id) if appointment.room_id else None,
        "starts_at": iso(appointment.starts_at),
        "ends_at": iso(appointment.ends_at),
    }
    savepoint = session.begin_nested()
    appointment.status = target
    appointment.cancel_reason = None
    try:
        _flush(session, appointment)
        savepoint.commit()
    except IntegrityError as exc:
        savepoint.rollback()
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        refusal = overlap_refusal(session, payload, constraint=constraint, now=now)
        raise refusal or SlotTaken("the time has been given to someone else") from exc
    if previous == S.CANCELLED:
        emit_event(session, EventType.APPOINTMENT_CONFIRMED, appointment, people_of(session, appointment))
    else:  # a completion or no-show taken back: only the calendars need to know
        sync_appointments.record_appointment(session, appointment)
    audit.record(
        session,
        actor=actor,
        client=client,
        action="appointment.undo",
        entity="appointment",
        entity_id=appointment.id,
        details={"from": previous, "to": target, "reason": reason},
    )
    return appointment
