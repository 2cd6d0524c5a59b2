"""The changes a user can make on this workstation, as one call each (the UI's ops call these).

Each checks what the server would refuse for sure (payload shape, the ticket state machine for the
user's role on the status they see) before anything is queued, then queues the change with
`LocalStore.queue_mutation`: the optimistic row and the outbox entry in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from desktop.store.local_store import LocalStore, NotFound, OutboxEntry
from shared.booking import (
    AppointmentStatus,
    BookAppointment,
    CancelAppointment,
    RecordAttendance,
    RescheduleAppointment,
)
from shared.protocol import Entity, MutationName
from shared.roles import Role
from shared.tickets import (
    PAYLOADS,
    SubmitTicket,
    TicketAction,
    TicketStatus,
    TransitionRefused,
    check_transition,
)


def queue_ticket_submit(store: LocalStore, *, draft_id: uuid.UUID) -> OutboxEntry:
    """Submit a draft: the ticket (same id as the draft) appears as submitted and pending, the draft goes.

    Raises NotFound (no such draft), pydantic.ValidationError (the draft is incomplete), StorageUnavailable.
    """
    draft = next((d for d in store.drafts() if d.id == draft_id), None)
    if draft is None:
        raise NotFound(f"draft {draft_id} is not on this workstation")
    fields: dict[str, Any] = dict(draft.data)
    if draft.ward_id is not None:
        fields.setdefault("ward_id", str(draft.ward_id))
    payload = SubmitTicket.model_validate(fields)
    return store.queue_mutation(
        name=MutationName.TICKET_SUBMIT, entity_id=draft_id, payload=payload, consumes_draft=draft_id
    )


def queue_ticket_action(
    store: LocalStore, *, ticket_id: uuid.UUID, action: TicketAction, role: Role, payload: dict[str, Any]
) -> OutboxEntry:
    """Queue an action on a submitted ticket (edit, cancel, approve, dispatch...).

    Raises NotFound (ticket not cached), TransitionRefused (not allowed for `role` on the status the user
    sees), pydantic.ValidationError, StorageUnavailable.
    """
    if action is TicketAction.SUBMIT:
        raise TransitionRefused("invalid_transition", "Submit a ticket from its draft.")
    ticket = store.record(Entity.TICKET, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} is not on this workstation")
    check_transition(action, status=TicketStatus(ticket.data["status"]), role=role)
    checked = PAYLOADS[action].model_validate(payload)
    return store.queue_mutation(
        name=MutationName(f"ticket.{action.value}"), entity_id=ticket_id, payload=checked
    )


def queue_appointment_book(
    store: LocalStore,
    *,
    doctor_id: uuid.UUID,
    patient_id: uuid.UUID,
    starts_at: datetime,
    duration_minutes: int | None = None,
    room_id: uuid.UUID | None = None,
    reason: str = "",
    appointment_id: uuid.UUID | None = None,
) -> OutboxEntry:
    """Request an appointment (shown as requested until the server's booking saga confirms or refuses it)."""
    payload = BookAppointment(
        doctor_id=doctor_id,
        patient_id=patient_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        room_id=room_id,
        reason=reason,
    )
    return store.queue_mutation(
        name=MutationName.APPOINTMENT_BOOK, entity_id=appointment_id or uuid.uuid4(), payload=payload
    )


def queue_appointment_reschedule(
    store: LocalStore,
    *,
    appointment_id: uuid.UUID,
    starts_at: datetime,
    duration_minutes: int | None = None,
    room_id: uuid.UUID | None = None,
) -> OutboxEntry:
    """Move an appointment: the old one shows as cancelled, a new request appears at the new time."""
    payload = RescheduleAppointment(
        new_appointment_id=uuid.uuid4(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        room_id=room_id,
    )
    return store.queue_mutation(
        name=MutationName.APPOINTMENT_RESCHEDULE, entity_id=appointment_id, payload=payload
    )


def queue_appointment_cancel(store: LocalStore, *, appointment_id: uuid.UUID, reason: str) -> OutboxEntry:
    return store.queue_mutation(
        name=MutationName.APPOINTMENT_CANCEL,
        entity_id=appointment_id,
        payload=CancelAppointment(reason=reason),
    )


def queue_appointment_attendance(
    store: LocalStore, *, appointment_id: uuid.UUID, status: AppointmentStatus
) -> OutboxEntry:
    """The patient came (completed) or did not (no_show) to an appointment that has begun."""
    return store.queue_mutation(
        name=MutationName.APPOINTMENT_ATTENDANCE,
        entity_id=appointment_id,
        payload=RecordAttendance(status=status),  # type: ignore[arg-type]  # validated: completed|no_show
    )


def queue_notification_read(store: LocalStore, *, notification_id: uuid.UUID) -> OutboxEntry:
    return store.queue_mutation(name=MutationName.NOTIFICATION_READ, entity_id=notification_id, payload={})
