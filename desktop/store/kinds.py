"""What the cache knows of each kind of record and change: the payload model of every mutation the desktop
queues, which mutations create a record, and the columns copied out of a record for the screens to filter
on. A new record kind or mutation is registered here (the rest of the store follows these tables)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared import booking
from shared.documents import MarkEnteredInError, RegisterDocument
from shared.history import AddNote, AmendNote
from shared.payments import RecordPayment, RefundPayment
from shared.protocol import Entity, MutationName
from shared.tickets import PAYLOADS, TicketAction

# Mutations that create their record (no base version: the server has none yet).
CREATIONS = frozenset({MutationName.TICKET_SUBMIT, MutationName.APPOINTMENT_BOOK})


class _NoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


PAYLOAD_MODELS: dict[MutationName, type[BaseModel]] = {
    **{MutationName(f"ticket.{action.value}"): model for action, model in PAYLOADS.items()},
    MutationName.APPOINTMENT_BOOK: booking.BookAppointment,
    MutationName.APPOINTMENT_RESCHEDULE: booking.RescheduleAppointment,
    MutationName.APPOINTMENT_CANCEL: booking.CancelAppointment,
    MutationName.APPOINTMENT_ATTENDANCE: booking.RecordAttendance,
    MutationName.NOTIFICATION_READ: _NoPayload,
    MutationName.DOCUMENT_REGISTER: RegisterDocument,
    MutationName.DOCUMENT_ENTERED_IN_ERROR: MarkEnteredInError,
    MutationName.HISTORY_NOTE_ADD: AddNote,
    MutationName.HISTORY_NOTE_AMEND: AmendNote,
    MutationName.PAYMENT_RECORD: RecordPayment,
    MutationName.PAYMENT_REFUND: RefundPayment,
}
assert set(PAYLOAD_MODELS) == set(MutationName), "every mutation needs a payload model"
assert set(PAYLOADS) == set(TicketAction)


def entity_of(name: MutationName) -> Entity:
    prefix = name.value.split(".", 1)[0]
    return Entity.HISTORY_ENTRY if prefix == "history" else Entity(prefix)  # history.note_*: a timeline entry


# The columns the screens filter on, copied out of the record: (column, kind) per entity. "time" columns
# hold aware datetimes (ISO text in the record), the others text.
INDEXED: dict[Entity, tuple[tuple[str, str], ...]] = {
    Entity.TICKET: (
        ("ward_id", "text"),
        ("status", "text"),
        ("priority", "text"),
        ("needed_by", "time"),
        ("submitted_at", "time"),
    ),
    Entity.APPOINTMENT: (
        ("doctor_id", "text"),
        ("patient_id", "text"),
        ("starts_at", "time"),
        ("ends_at", "time"),
        ("status", "text"),
    ),
}
