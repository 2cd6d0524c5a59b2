"""Appointments on the change feed, and the booker told how an offline booking ended.

Booking calls `on_appointment_event` wherever it emits an appointment.* event, which is after every
write of an appointment, in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from shared import privacy
from shared.events import EventType
from shared.protocol import Entity
from sync_server.booking.models import Appointment, SagaKind, SagaStatus
from sync_server.booking.repository import saga_of
from sync_server.directory.feed import record_patients
from sync_server.feed.changes import record_change
from sync_server.staff_notifications import service as staff_notifications

SYNC_ORIGIN = "sync"  # set in the saga payload by sync/push.py


def appointment_record(
    appointment: Appointment | Row[Any], *, alternatives: list[Any] | None = None
) -> dict[str, Any]:
    """The JSON `data` of a Change for Entity.APPOINTMENT. `alternatives`: the next free slots offered
    with a rejection."""
    return {
        "id": appointment.id,
        "doctor_id": appointment.doctor_id,
        "patient_id": appointment.patient_id,
        "room_id": appointment.room_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status,
        "reason": appointment.reason,
        "notes": appointment.notes,
        "cancel_reason": appointment.cancel_reason,
        "rejection_code": appointment.rejection_code,
        "rejection_message": appointment.rejection_message,
        "alternatives": alternatives or [],
        "overbooked": appointment.overbooked,
        "rescheduled_from_id": appointment.rescheduled_from_id,
        "rescheduled_to_id": appointment.rescheduled_to_id,
        "booked_by": appointment.booked_by,
        "client_request_id": appointment.client_request_id,
        "version": appointment.version,
    }


def record_appointment(
    session: Session, appointment: Appointment | Row[Any], *, alternatives: list[Any] | None = None
) -> None:
    """Put the appointment's current state on its doctor's feed, and on the front desk's calendar
    without clinical notes (flushed state)."""
    record = appointment_record(appointment, alternatives=alternatives)
    audiences = privacy.appointment_audiences(appointment.doctor_id)
    views = {}
    for audience, access in audiences.items():
        if access is not privacy.Access.CARE:
            redacted = privacy.redact_appointment(record, access)
            assert redacted is not None
            views[audience] = redacted
    record_change(
        session,
        entity=Entity.APPOINTMENT,
        entity_id=appointment.id,
        version=appointment.version,
        scopes=sorted(audiences),
        data=record,
        views=views,
    )


def on_appointment_event(
    session: Session, event: EventType, appointment: Appointment | Row[Any], extra: dict[str, Any]
) -> None:
    """Feed the appointment (and the one it was moved from) and its patient (who may now be in this
    doctor's care), and tell a desktop booker the outcome."""
    record_appointment(session, appointment, alternatives=extra.get("alternatives"))
    record_patients(session, [appointment.patient_id])
    previous_id = extra.get("previous_appointment_id")
    if previous_id:
        previous = session.get(Appointment, uuid.UUID(str(previous_id)))
        if previous is not None:
            record_appointment(session, previous)
    _tell_booker(session, event, appointment, extra)


_OUTCOME_TITLES = {
    EventType.APPOINTMENT_CONFIRMED: "Appointment confirmed",
    EventType.APPOINTMENT_RESCHEDULED: "Appointment moved",
    EventType.APPOINTMENT_REJECTED: "Appointment request refused",
    EventType.APPOINTMENT_CANCELLED: "Appointment could not be kept",
}


def _tell_booker(
    session: Session, event: EventType, appointment: Appointment | Row[Any], extra: dict[str, Any]
) -> None:
    if appointment.saga_id is None or appointment.booked_by is None or event not in _OUTCOME_TITLES:
        return
    saga = saga_of(session, appointment.saga_id)
    if saga is None or saga.payload.get("origin") != SYNC_ORIGIN or saga.appointment_id != appointment.id:
        return
    # Only the saga's final word: a reschedule's confirmation is followed by "moved".
    if event is EventType.APPOINTMENT_CONFIRMED and saga.kind != SagaKind.BOOK:
        return
    if event is EventType.APPOINTMENT_CANCELLED and saga.status != SagaStatus.COMPENSATED:
        return
    when = appointment.starts_at.isoformat(timespec="minutes")
    if event in (EventType.APPOINTMENT_REJECTED, EventType.APPOINTMENT_CANCELLED):
        body = f"{when}: {extra.get('reason') or appointment.rejection_message or 'refused'}"
    else:
        body = f"{when} is booked."
    staff_notifications.notify(
        session,
        user_id=appointment.booked_by,
        kind=event.value,
        title=_OUTCOME_TITLES[event],
        body=body,
        entity=Entity.APPOINTMENT,
        entity_id=appointment.id,
    )
