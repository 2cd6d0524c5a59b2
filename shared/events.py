"""The versioned envelope every event travels in (outbox -> RabbitMQ or in-process -> consumers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ENVELOPE_VERSION = 1


class EventType(StrEnum):
    APPOINTMENT_REQUESTED = "appointment.requested"
    APPOINTMENT_CONFIRMED = "appointment.confirmed"
    APPOINTMENT_REJECTED = "appointment.rejected"
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    TICKET_SUBMITTED = "ticket.submitted"
    TICKET_EDITED = "ticket.edited"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_APPROVED = "ticket.approved"
    TICKET_REJECTED = "ticket.rejected"
    TICKET_PREPARATION_STARTED = "ticket.preparation_started"
    TICKET_DISPATCHED = "ticket.dispatched"
    TICKET_PARTIALLY_DISPATCHED = "ticket.partially_dispatched"
    TICKET_RECEIVED = "ticket.received"
    TICKET_CLOSED = "ticket.closed"
    # The patient's history (issue 13): attendance, documents, doctors' notes and payments.
    APPOINTMENT_ATTENDED = "appointment.attended"
    APPOINTMENT_MISSED = "appointment.missed"
    DOCUMENT_ADDED = "document.added"
    DOCUMENT_ENTERED_IN_ERROR = "document.entered_in_error"
    NOTE_ADDED = "history.note_added"
    NOTE_AMENDED = "history.note_amended"
    PAYMENT_RECORDED = "payment.recorded"
    PAYMENT_REFUNDED = "payment.refunded"


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = ENVELOPE_VERSION
    message_id: uuid.UUID
    type: str = Field(description="Routing key, e.g. appointment.confirmed")
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    sequence: int = Field(description="Position in the outbox; increases per aggregate")
    payload: dict[str, Any]
