"""Booking routes: book, reschedule, cancel, attendance, undo, calendars and saga polling.

Booking and rescheduling run their saga inline: the answer is 201 when it finished within
`booking_inline_wait_seconds`, 202 with the saga to poll otherwise, and the saga's typed refusal
(409 slot_taken, patient_double_booked, outside_availability...) when it was compensated.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import privacy
from shared.errors import ErrorCode
from shared.privacy import Access
from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor, checked_on_its_thread, require
from sync_server.booking import repository
from sync_server.booking import service as rules
from sync_server.booking.models import Appointment, BookingSaga, SagaKind, SagaStatus
from sync_server.booking.saga import SagaEngine, written_appointment
from sync_server.booking.schemas import (
    AppointmentOut,
    BookingAnswer,
    BookingRequest,
    CancelRequest,
    Instant,
    RescheduleRequest,
    SagaOut,
    StatusChange,
    UndoRequest,
)
from sync_server.core.clock import Now
from sync_server.core.context import Client, ClientInfo, DbSession
from sync_server.core.errors import AppError, Conflict, Invalid, NotFound, PermissionDenied, error_response
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.privacy.service import PatientScope

router = APIRouter(tags=["booking"])

Booker = Annotated[Actor, Depends(require(*rules.BOOKERS))]
Reader = Annotated[Actor, Depends(require(*rules.READERS))]
Undoer = Annotated[Actor, Depends(require(*rules.UNDOERS))]

_STILL_RUNNING: dict[int | str, dict[str, Any]] = {
    202: {"model": BookingAnswer, "description": "Still running: poll GET /sagas/{id}"}
}
_SAGA_ERRORS = errors(*WITH_BODY, 404, 409, 503)


def _engine(request: Request) -> SagaEngine:
    engine: SagaEngine = request.app.state.saga_engine
    return engine


def _answer(session: Session, saga: BookingSaga) -> BookingAnswer:
    appointment = written_appointment(session, saga.appointment_id) or repository.appointment(
        session, saga.appointment_id
    )
    return BookingAnswer(
        saga=SagaOut.model_validate(saga),
        appointment=AppointmentOut.model_validate(appointment) if appointment else None,
    )


def _refusal(saga: BookingSaga) -> AppError:
    outcome = saga.outcome or {}
    cls = rules.REFUSALS.get(outcome.get("reason_code", ""), Conflict)
    details = {
        **outcome.get("details", {}),
        "saga_id": str(saga.id),
        "appointment_id": str(saga.appointment_id),
    }
    return cls(outcome.get("reason", "the booking was refused"), details=details)


def _finish(session: Session, saga: BookingSaga) -> Response:
    """201 when done, 202 while running, the typed refusal when compensated. The refusal is an answer,
    not an exception: the request's transaction still commits the rejected request and its event."""
    if saga.status == SagaStatus.COMPENSATED:
        refusal = _refusal(saga)
        return error_response(refusal.status_code, refusal.code, refusal.message, details=refusal.details)
    answer = _answer(session, saga)
    # Serialised here, on the request's worker thread: the answer was just built from our own rows,
    # so FastAPI's second validation (one more thread-pool hop per booking) would add nothing.
    return Response(
        content=answer.model_dump_json(by_alias=True),
        media_type="application/json",
        status_code=201 if saga.status == SagaStatus.SUCCEEDED else 202,
    )


class IdempotencyKeyReused(Conflict):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


def request_fingerprint(what: str, body: BaseModel) -> str:
    """One text for the whole request a client_request_id stands for: any change of any field (duration,
    room, reason, notes, overbooking...) makes another request."""
    fields = body.model_dump(mode="json", exclude={"client_request_id"})
    canonical = json.dumps({"what": what, **fields}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def start_booking(
    session: Session,
    *,
    engine: SagaEngine,
    actor: Actor,
    client: ClientInfo,
    kind: SagaKind,
    plan: tuple[dict[str, Any], AppError | None],
    fingerprint: str,
    audit_details: dict[str, Any],
    deadline: float | None,
    alone: bool = False,
) -> BookingSaga:
    """Start a booking or a reschedule and run it to its end in the caller's transaction (which the
    caller commits): the one way a booking starts, for the HTTP API and for the sync push alike.

    `alone`: nothing else is in the caller's transaction (see SagaEngine.start).

    Raises IntegrityError when this person already used the plan's client_request_id."""
    payload, refusal = plan
    payload["request"] = fingerprint
    saga = engine.start(
        session,
        kind=kind,
        payload=payload,
        started_by=actor.user_id,
        client_request_id=payload["client_request_id"],
        refusal=refusal,
        deadline=deadline,
        alone=alone,
    )
    rows = [
        audit.entry_row(
            actor=actor,
            client=client,
            action=f"appointment.{kind.value}",
            entity="appointment",
            entity_id=payload["appointment_id"],
            details={"saga_id": str(saga.id), **audit_details},
        )
    ]
    if payload["overbooked"]:
        rows.append(
            audit.entry_row(
                actor=actor,
                client=client,
                action="appointment.overbook",
                entity="appointment",
                entity_id=payload["appointment_id"],
                details={"reason": payload["overbook_reason"]},
            )
        )
    audit.record_rows(session, rows)
    return saga


def _replay(
    session: Session, *, engine: SagaEngine, actor: Actor, key: str | None, expected: dict[str, Any]
) -> BookingSaga | None:
    """The saga an earlier call with the same idempotency key started, resumed if it was left running.

    Raises IdempotencyKeyReused when the key was used for a different request."""
    if key is None:
        return None
    saga = repository.saga_by_request(session, started_by=actor.user_id, client_request_id=key)
    if saga is None:
        return None
    stored = saga.payload.get("request")
    differs = (
        stored != expected["request"]
        if stored is not None
        # A saga from before whole-request fingerprints: compare what it kept of the request.
        else any(saga.payload.get(name) != value for name, value in expected.items() if name != "request")
    )
    if differs:
        raise IdempotencyKeyReused(
            "this client_request_id was already used for a different request; send a new key for a new"
            " request, or the same request unchanged to learn its outcome",
            details={"saga_id": str(saga.id), "client_request_id": key},
        )
    if saga.status in (SagaStatus.RUNNING, SagaStatus.COMPENSATING) and engine.claim(session, saga):
        engine.drive(session, saga, deadline=_deadline(engine))
    return saga


def _deadline(engine: SagaEngine) -> float:
    """How long a booking call waits for its outcome (then it answers 202 and the runner goes on)."""
    return time.monotonic() + engine.settings.booking_inline_wait_seconds


def _start_or_replay(
    session: Session,
    *,
    engine: SagaEngine,
    actor: Actor,
    key: str | None,
    expected: dict[str, Any],
    start: Callable[[], BookingSaga],
) -> BookingSaga:
    """Start the saga, or answer with the one an earlier call with the same key started.

    A first call is the common case, so the key is not looked up first: the unique constraint on
    (started_by, client_request_id) refuses a second saga, and only then is the earlier one read.
    A retry whose request no longer validates (its slot now in the past, its old appointment already
    moved) still answers with the earlier saga rather than the validation error.
    """
    try:
        return start()
    except (IntegrityError, AppError):
        # The key was used before, or two calls with the same key raced: the other one started it.
        session.rollback()
        saga = _replay(session, engine=engine, actor=actor, key=key, expected=expected)
        if saga is None:
            raise
        return saga


@router.post(
    "/appointments",
    response_model=BookingAnswer,
    status_code=201,
    responses={**_STILL_RUNNING, **_SAGA_ERRORS},
    summary="Book an appointment (runs the booking saga)",
)
@checked_on_its_thread(*rules.BOOKERS)
def book(
    session: DbSession,
    actor: Actor,
    client: Client,
    body: BookingRequest,
    request: Request,
    now: Now,
) -> Response:
    """Hold the slot and confirm it, in one transaction. 409 slot_taken / patient_double_booked /
    outside_availability name what is in the way and offer the doctor's next free slots. A retry with the same
    client_request_id and the same body answers with the same booking; the same key with any other
    body is 409 idempotency_key_reused."""
    engine = _engine(request)
    expected = {
        "doctor_id": str(body.doctor_id),
        "patient_id": str(body.patient_id),
        "starts_at": rules.iso(body.starts_at),
        "request": request_fingerprint("book", body),
    }

    def start() -> BookingSaga:
        plan = rules.plan_booking(session, actor=actor, body=body, now=now)
        return start_booking(
            session,
            engine=engine,
            actor=actor,
            client=client,
            kind=SagaKind.BOOK,
            plan=plan,
            fingerprint=expected["request"],
            audit_details={"overbook": body.overbook},
            deadline=_deadline(engine),
            alone=True,  # the request's transaction holds only the plan's reads
        )

    saga = _start_or_replay(
        session, engine=engine, actor=actor, key=body.client_request_id, expected=expected, start=start
    )
    return _finish(session, saga)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response_model=BookingAnswer,
    status_code=201,
    responses={**_STILL_RUNNING, **_SAGA_ERRORS},
    summary="Move a confirmed appointment (runs the reschedule saga)",
)
@checked_on_its_thread(*rules.BOOKERS)
def reschedule(
    session: DbSession,
    actor: Actor,
    client: Client,
    appointment_id: uuid.UUID,
    body: RescheduleRequest,
    request: Request,
    now: Now,
) -> Response:
    """Hold and confirm the new slot and cancel the old appointment, in one transaction. If the new
    slot cannot be had, the old appointment stays exactly as it was. Answers with the new appointment."""
    engine = _engine(request)
    expected = {
        "previous_appointment_id": str(appointment_id),
        "starts_at": rules.iso(body.starts_at),
        "request": request_fingerprint(f"reschedule:{appointment_id}", body),
    }

    def start() -> BookingSaga:
        old = repository.appointment(session, appointment_id)
        if old is None:
            raise NotFound(f"no appointment {appointment_id}")
        plan = rules.plan_reschedule(session, actor=actor, old=old, body=body, now=now)
        return start_booking(
            session,
            engine=engine,
            actor=actor,
            client=client,
            kind=SagaKind.RESCHEDULE,
            plan=plan,
            fingerprint=expected["request"],
            audit_details={"from": str(appointment_id), "overbook": body.overbook},
            deadline=_deadline(engine),
            alone=True,  # the request's transaction holds only the plan's reads
        )

    saga = _start_or_replay(
        session, engine=engine, actor=actor, key=body.client_request_id, expected=expected, start=start
    )
    return _finish(session, saga)


@router.get("/sagas/{saga_id}", response_model=BookingAnswer, responses=errors(*AUTHED, 404))
def saga_state(session: DbSession, actor: Booker, client: Client, saga_id: uuid.UUID) -> BookingAnswer:
    """Where a booking or reschedule stands, and how it ended (a rejection's reason and alternatives)."""
    saga = repository.saga(session, saga_id)
    if saga is None:
        raise NotFound(f"no booking saga {saga_id}")
    if actor.role is Role.DOCTOR and saga.payload.get("doctor_id") != str(actor.doctor_id):
        raise PermissionDenied("a doctor can only follow bookings in his own calendar")
    audit.record(
        session,
        actor=actor,
        client=client,
        action="booking_saga.read",
        entity="booking_saga",
        entity_id=saga.id,
    )
    return _answer(session, saga)


@router.get("/appointments", response_model=list[AppointmentOut], responses=errors(*AUTHED))
def calendar(
    session: DbSession,
    actor: Reader,
    client: Client,
    now: Now,
    start: Annotated[Instant, Query(description="Window start (with offset)")],
    end: Annotated[Instant, Query(description="Window end (with offset); at most 62 days after start")],
    doctor_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[AppointmentOut]:
    """Appointments overlapping [start, end), earliest first. Any clinical role reads calendars: in full
    where the patient is in the caller's care, without clinical notes for the front desk, and as busy
    blocks (no patient, reason or notes) otherwise."""
    if end <= start or end - start > timedelta(days=62):
        raise Invalid("end must be after start and at most 62 days later", details={"field": "end"})
    if patient_id is not None:
        # Busy blocks filtered by a patient would still tell when a stranger has appointments.
        PatientScope(session, actor=actor, client=client, now=now).require(patient_id)
    found = repository.appointments_between(
        session,
        start=start,
        end=end,
        doctor_id=doctor_id,
        patient_id=patient_id,
        room_id=room_id,
        status=status,
        limit=limit,
    )
    audit.record(
        session,
        actor=actor,
        client=client,
        action="appointment.list",
        entity="appointment",
        details={
            "doctor_id": str(doctor_id) if doctor_id else None,
            "patient_id": str(patient_id) if patient_id else None,
            "start": rules.iso(start),
            "end": rules.iso(end),
            "count": len(found),
        },
    )
    return _as_seen(session, actor, client, now, found)


def _as_seen(
    session: Session, actor: Actor, client: ClientInfo, now: datetime, found: list[Appointment]
) -> list[AppointmentOut]:
    """The appointments as the caller may see them: in full where the patient is in his care (or he
    broke the glass), without clinical notes for the front desk, as busy blocks otherwise."""
    scope = PatientScope(session, actor=actor, client=client, now=now)
    facts = scope.facts(list({a.patient_id for a in found}))
    reader = scope.reader
    seen: dict[uuid.UUID, Access] = {}
    shown: list[AppointmentOut] = []
    for appointment in found:
        if appointment.patient_id not in seen:
            known = facts.get(appointment.patient_id)
            seen[appointment.patient_id] = scope.seen(known).access if known else Access.NONE
        access = privacy.appointment_access(
            reader, doctor_id=appointment.doctor_id, patient=seen[appointment.patient_id]
        )
        record = privacy.redact_appointment(AppointmentOut.model_validate(appointment).model_dump(), access)
        if record is not None:
            shown.append(AppointmentOut.model_validate(record))
    return shown


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut, responses=errors(*AUTHED, 404))
def read_appointment(
    session: DbSession,
    actor: Reader,
    client: Client,
    now: Now,
    appointment_id: uuid.UUID,
) -> AppointmentOut:
    appointment = repository.appointment(session, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment {appointment_id}")
    audit.record(
        session,
        actor=actor,
        client=client,
        action="appointment.read",
        entity="appointment",
        entity_id=appointment.id,
    )
    return _as_seen(session, actor, client, now, [appointment])[0]


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=AppointmentOut,
    responses=errors(*WITH_BODY, 404, 409),
)
def cancel_appointment(
    session: DbSession,
    actor: Booker,
    client: Client,
    appointment_id: uuid.UUID,
    body: CancelRequest,
) -> AppointmentOut:
    """Cancel a confirmed appointment with a reason; the slot is free again at once."""
    appointment = rules.cancel(
        session, actor=actor, client=client, appointment_id=appointment_id, reason=body.reason
    )
    return AppointmentOut.model_validate(appointment)


@router.post(
    "/appointments/{appointment_id}/status",
    response_model=AppointmentOut,
    responses=errors(*WITH_BODY, 404, 409),
)
def record_attendance(
    session: DbSession,
    actor: Booker,
    client: Client,
    appointment_id: uuid.UUID,
    body: StatusChange,
) -> AppointmentOut:
    """Mark a confirmed appointment that has begun as completed or no_show (forward only)."""
    appointment = rules.record_attendance(
        session,
        actor=actor,
        client=client,
        appointment_id=appointment_id,
        status=body.status,
        now=datetime.now(UTC),
    )
    return AppointmentOut.model_validate(appointment)


@router.post(
    "/appointments/{appointment_id}/undo",
    response_model=AppointmentOut,
    responses=errors(*WITH_BODY, 404, 409),
)
def undo_status(
    session: DbSession,
    actor: Undoer,
    client: Client,
    appointment_id: uuid.UUID,
    body: UndoRequest,
) -> AppointmentOut:
    """Confirm again a cancelled, no-show or completed appointment (scheduler/admin, audited with the
    reason). 409 slot_taken if the time went to someone else meanwhile."""
    appointment = rules.undo(
        session,
        actor=actor,
        client=client,
        appointment_id=appointment_id,
        reason=body.reason,
        now=datetime.now(UTC),
    )
    return AppointmentOut.model_validate(appointment)
