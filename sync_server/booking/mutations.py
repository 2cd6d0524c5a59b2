"""The appointment changes a desktop queues offline, as the sync push applies them: one handler per
mutation name (`handlers(engine)`, registered by the composition root). A booking or a move starts
exactly as the HTTP API starts one (`booking.api.start_booking`): its saga runs to its end in the push's
transaction, so the push answers with the outcome."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.booking import BookAppointment, CancelAppointment, RecordAttendance, RescheduleAppointment
from shared.protocol import Mutation, MutationName, MutationResult, MutationStatus
from sync_server.auth.deps import Actor
from sync_server.booking import repository
from sync_server.booking import service as booking
from sync_server.booking.api import IdempotencyKeyReused, start_booking
from sync_server.booking.feed import SYNC_ORIGIN
from sync_server.booking.models import Appointment, BookingSaga, SagaKind, SagaStatus
from sync_server.booking.saga import SagaEngine
from sync_server.booking.schemas import BookingRequest, RescheduleRequest
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Conflict, NotFound, PermissionDenied

Handler = Callable[[Session, Actor, ClientInfo, Mutation], "int | None | MutationResult"]


def _check_booker(actor: Actor) -> None:
    if actor.role not in booking.BOOKERS:
        raise PermissionDenied(f"A {actor.role.value} cannot book or change appointments.")


def _answer(mutation: Mutation, saga: BookingSaga) -> int | None | MutationResult:
    """The push's answer is the booking's outcome. A refusal keeps its effects (the rejected request and
    its alternatives reach the desktop by pull, the booker is notified), so it is a result, not an
    exception that would roll them back."""
    if saga.status == SagaStatus.COMPENSATED:
        outcome = saga.outcome or {}
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=MutationStatus.REJECTED,
            entity_id=mutation.entity_id,
            code=outcome.get("reason_code", "booking_unavailable"),
            reason=outcome.get("reason", "the booking was refused"),
        )
    return 1 if saga.status == SagaStatus.SUCCEEDED else None


def handlers(engine: SagaEngine) -> dict[MutationName, Handler]:
    """The appointment handlers, running sagas on this engine."""

    def start(
        session: Session,
        actor: Actor,
        client: ClientInfo,
        mutation: Mutation,
        *,
        kind: SagaKind,
        plan: tuple[dict[str, Any], Any],
        appointment_id: uuid.UUID,
        audit_details: dict[str, Any],
    ) -> int | None | MutationResult:
        """Start the booking as the HTTP API does, with the desktop's ids; answer with its outcome."""
        payload, refusal = plan
        payload["appointment_id"] = str(appointment_id)
        payload["origin"] = SYNC_ORIGIN
        earlier = repository.saga_by_request(
            session, started_by=actor.user_id, client_request_id=payload["client_request_id"]
        )
        fingerprint = f"sync:{mutation.name.value}:{mutation.entity_id}:" + json.dumps(
            mutation.payload, sort_keys=True, default=str
        )
        if earlier is not None:
            if earlier.payload.get("request", fingerprint) != fingerprint:
                raise IdempotencyKeyReused(
                    "This change's idempotency key was already used for a different change.",
                    details={"saga_id": str(earlier.id), "idempotency_key": str(mutation.idempotency_key)},
                )
            # The same request queued again under a new number: answer with how it went.
            return _answer(mutation, earlier)
        saga = start_booking(
            session,
            engine=engine,
            actor=actor,
            client=client,
            kind=kind,
            plan=(payload, refusal),
            fingerprint=fingerprint,  # the desktop's idempotency key stands for this exact change
            audit_details={"via": "sync", "mutation_id": mutation.mutation_id, **audit_details},
            deadline=time.monotonic() + engine.settings.booking_inline_wait_seconds,
        )
        return _answer(mutation, saga)

    def book(
        session: Session, actor: Actor, client: ClientInfo, mutation: Mutation
    ) -> int | None | MutationResult:
        _check_booker(actor)
        body = BookAppointment.model_validate(mutation.payload)
        if session.get(Appointment, mutation.entity_id) is not None:
            raise Conflict("An appointment with this id already exists.")
        request = BookingRequest(
            doctor_id=body.doctor_id,
            patient_id=body.patient_id,
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            room_id=body.room_id,
            reason=body.reason,
            client_request_id=str(mutation.idempotency_key),
        )
        plan = booking.plan_booking(session, actor=actor, body=request, now=datetime.now(UTC))
        return start(
            session,
            actor,
            client,
            mutation,
            kind=SagaKind.BOOK,
            plan=plan,
            appointment_id=mutation.entity_id,
            audit_details={},
        )

    def reschedule(
        session: Session, actor: Actor, client: ClientInfo, mutation: Mutation
    ) -> int | None | MutationResult:
        _check_booker(actor)
        body = RescheduleAppointment.model_validate(mutation.payload)
        old = repository.appointment(session, mutation.entity_id)
        if old is None:
            raise NotFound("The appointment to move no longer exists.")
        if session.get(Appointment, body.new_appointment_id) is not None:
            raise Conflict("An appointment with the new id already exists.")
        request = RescheduleRequest(
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            room_id=body.room_id,
            client_request_id=str(mutation.idempotency_key),
        )
        plan = booking.plan_reschedule(session, actor=actor, old=old, body=request, now=datetime.now(UTC))
        return start(
            session,
            actor,
            client,
            mutation,
            kind=SagaKind.RESCHEDULE,
            plan=plan,
            appointment_id=body.new_appointment_id,
            audit_details={"from": str(old.id)},
        )

    def cancel(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        _check_booker(actor)
        body = CancelAppointment.model_validate(mutation.payload)
        appointment = booking.cancel(
            session, actor=actor, client=client, appointment_id=mutation.entity_id, reason=body.reason
        )
        return appointment.version

    def attendance(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        _check_booker(actor)
        body = RecordAttendance.model_validate(mutation.payload)
        appointment = booking.record_attendance(
            session,
            actor=actor,
            client=client,
            appointment_id=mutation.entity_id,
            status=body.status.value,
            now=datetime.now(UTC),
        )
        return appointment.version

    return {
        MutationName.APPOINTMENT_BOOK: book,
        MutationName.APPOINTMENT_RESCHEDULE: reschedule,
        MutationName.APPOINTMENT_CANCEL: cancel,
        MutationName.APPOINTMENT_ATTENDANCE: attendance,
    }
