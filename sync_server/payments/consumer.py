"""The "payment-refund-due" consumer: when an appointment is cancelled (or refused, or confirmed again by
an undo), its payments go back on the desk's feed with `refund_due` as it now stands, so the desk's
desktops show the refund due without asking."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from shared.events import EventEnvelope, EventType
from shared.payments import EntryType
from sync_server.messaging.consumers import PermanentFailure
from sync_server.payments import repository
from sync_server.payments.feed import record_entries


class RefundDueNotice:
    name = "payment-refund-due"
    event_types = frozenset(
        {
            EventType.APPOINTMENT_CANCELLED.value,
            EventType.APPOINTMENT_REJECTED.value,
            EventType.APPOINTMENT_CONFIRMED.value,
        }
    )

    def handle(self, session: Session, envelope: EventEnvelope) -> None:
        # The appointment.* payload names its appointment (the contract every consumer reads).
        named = envelope.payload.get("appointment_id", envelope.aggregate_id)
        try:
            appointment_id = uuid.UUID(str(named))
        except ValueError:
            raise PermanentFailure(f"{envelope.type}: {named!r} is not an appointment id") from None
        payments = [
            entry
            for entry in repository.entries(
                session, appointment_ids=repository.moved_from(session, appointment_id)
            )
            if entry.row.entry_type == EntryType.PAYMENT.value
        ]
        record_entries(session, payments)
