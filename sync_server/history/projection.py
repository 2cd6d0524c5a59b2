"""From an event to an entry of the patient's timeline: one pure function, used live (the history
consumer) and by the rebuild, so both give the same store.

Titles and summaries are plain English for logs and API readers; the desktop translates by `event_type`
and `kind`, so every fact shown is in `details` too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.events import EventEnvelope, EventType
from shared.history import HistoryEntry, HistoryKind, sort_key

E = EventType

APPOINTMENT_TITLES = {
    E.APPOINTMENT_REQUESTED: "Appointment requested",
    E.APPOINTMENT_CONFIRMED: "Appointment confirmed",
    E.APPOINTMENT_RESCHEDULED: "Appointment moved",
    E.APPOINTMENT_CANCELLED: "Appointment cancelled",
    E.APPOINTMENT_REJECTED: "Appointment request refused",
    E.APPOINTMENT_ATTENDED: "Attended the appointment",
    E.APPOINTMENT_MISSED: "Missed the appointment",
}
TICKET_EVENTS = frozenset(t for t in EventType if t.value.startswith("ticket."))
DOCUMENT_TITLES = {
    E.DOCUMENT_ADDED: "Document added",
    E.DOCUMENT_ENTERED_IN_ERROR: "Document entered in error",
}
NOTE_TITLES = {E.NOTE_ADDED: "Doctor's note", E.NOTE_AMENDED: "Doctor's note amended"}
PAYMENT_TITLES = {E.PAYMENT_RECORDED: "Consultation paid", E.PAYMENT_REFUNDED: "Payment refunded"}

# Every event type the history consumer subscribes to (and the rebuild replays).
HISTORY_EVENT_TYPES = frozenset(
    t.value for t in (*APPOINTMENT_TITLES, *TICKET_EVENTS, *DOCUMENT_TITLES, *NOTE_TITLES, *PAYMENT_TITLES)
)

# What of an appointment event the timeline keeps (never the patient's e-mail, nor the saga's plumbing).
_APPOINTMENT_FIELDS = (
    "appointment_id",
    "doctor_id",
    "doctor_name",
    "room_name",
    "starts_at",
    "ends_at",
    "time_zone",
    "status",
    "reason",
    "previous_appointment_id",
)
_DOCUMENT_FIELDS = ("document_id", "appointment_id", "kind", "title", "filename", "content_type", "reason")
_PAYMENT_FIELDS = (
    "payment_id",
    "refund_id",
    "appointment_id",
    "doctor_id",
    "amount",
    "currency",
    "method",
    "authorisation_number",
    "desk",
    "receipt_number",
    "reason",
)
# What doctors and nurses see of a payment: that it happened, never how much or how.
_CLINICAL_PAYMENT_FIELDS = frozenset({"payment_id", "refund_id", "appointment_id", "doctor_id"})
_CLINICAL_PAYMENT_SUMMARY = {
    E.PAYMENT_RECORDED.value: "Paid at the desk",
    E.PAYMENT_REFUNDED.value: "Refunded at the desk",
}


class UnusableEvent(ValueError):
    """An event of a history type whose payload cannot make an entry (a missing or malformed field)."""


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise UnusableEvent(f"{field} is not a UUID: {value!r}") from None


def _optional_uuid(value: Any, field: str) -> uuid.UUID | None:
    return None if value in (None, "") else _uuid(value, field)


def _picked(payload: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: payload[field] for field in fields if payload.get(field) not in (None, "")}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _local(moment: Any, zone: Any) -> str:
    """'2030-03-05 14:20' in the doctor's zone (the wall time people booked), or as sent if unreadable."""
    try:
        when = datetime.fromisoformat(str(moment))
        if zone:
            when = when.astimezone(ZoneInfo(str(zone)))
    except (ValueError, ZoneInfoNotFoundError):
        return str(moment)
    return when.strftime("%Y-%m-%d %H:%M")


def patient_of(envelope: EventEnvelope) -> uuid.UUID | None:
    """The patient an event names, if any (a refill ticket normally names a ward only).
    Raises UnusableEvent for a patient id that is not a UUID."""
    payload = envelope.payload
    found = payload.get("patient_id")
    if found is None and isinstance(payload.get("ticket"), dict):
        found = payload["ticket"].get("patient_id")
    return _optional_uuid(found, "patient_id")


def project(envelope: EventEnvelope) -> HistoryEntry | None:
    """The timeline entry an event makes, or None when it names no patient or is not a history event.
    Raises UnusableEvent when a history event's payload cannot make an entry."""
    if envelope.type not in HISTORY_EVENT_TYPES:
        return None
    patient_id = patient_of(envelope)
    if patient_id is None:
        return None
    event = EventType(envelope.type)
    payload = envelope.payload
    if event in APPOINTMENT_TITLES:
        facts = _appointment(event, payload)
    elif event in TICKET_EVENTS:
        facts = _ticket(event, payload)
    elif event in DOCUMENT_TITLES:
        facts = _document(event, payload)
    elif event in NOTE_TITLES:
        facts = _note(event, payload)
    else:
        facts = _payment(event, payload)
    try:
        return HistoryEntry(
            patient_id=patient_id,
            sort_key=sort_key(envelope.occurred_at, envelope.message_id),
            event_id=envelope.message_id,
            event_type=envelope.type,
            occurred_at=envelope.occurred_at,
            **facts,
        )
    except ValueError as exc:
        raise UnusableEvent(f"{envelope.type}: {exc}") from None


def _appointment(event: EventType, payload: dict[str, Any]) -> dict[str, Any]:
    details = _picked(payload, _APPOINTMENT_FIELDS)
    when = _local(payload.get("starts_at"), payload.get("time_zone"))
    summary = f"{payload.get('doctor_name') or 'Doctor'}, {when}"
    if payload.get("room_name"):
        summary += f", {payload['room_name']}"
    if payload.get("reason"):
        summary += f": {payload['reason']}"
    return {
        "kind": HistoryKind.APPOINTMENT,
        "title": APPOINTMENT_TITLES[event],
        "summary": summary,
        "subject_id": str(_uuid(payload.get("appointment_id"), "appointment_id")),
        "author_id": _optional_uuid(payload.get("recorded_by"), "recorded_by"),
        "details": details,
    }


def _ticket(event: EventType, payload: dict[str, Any]) -> dict[str, Any]:
    ticket = _mapping(payload.get("ticket"))
    actor = _mapping(payload.get("actor"))
    ticket_id = ticket.get("id") or payload.get("ticket_id")
    action = str(payload.get("action") or event.value.removeprefix("ticket.")).replace("_", " ")
    details = {
        "ticket_id": str(_uuid(ticket_id, "ticket_id")),
        "action": payload.get("action"),
        "status": ticket.get("status"),
        "ward_id": ticket.get("ward_id"),
    }
    return {
        "kind": HistoryKind.TICKET,
        "title": f"Refill ticket {action}",
        "summary": str(ticket.get("status") or ""),
        "subject_id": details["ticket_id"],
        "author_id": _optional_uuid(actor.get("id"), "actor.id"),
        "author_name": actor.get("name"),
        "details": {k: v for k, v in details.items() if v is not None},
    }


def _document(event: EventType, payload: dict[str, Any]) -> dict[str, Any]:
    document_id = _uuid(payload.get("document_id"), "document_id")
    summary = str(payload.get("title") or "")
    if event is E.DOCUMENT_ENTERED_IN_ERROR and payload.get("reason"):
        summary += f" ({payload['reason']})"
    author = payload.get("marked_by") if event is E.DOCUMENT_ENTERED_IN_ERROR else payload.get("uploaded_by")
    return {
        "kind": HistoryKind.DOCUMENT,
        "title": DOCUMENT_TITLES[event],
        "summary": summary,
        "subject_id": str(document_id),
        "author_id": _optional_uuid(author, "author"),
        "details": _picked(payload, _DOCUMENT_FIELDS),
    }


def _note(event: EventType, payload: dict[str, Any]) -> dict[str, Any]:
    note_id = _uuid(payload.get("note_id"), "note_id")
    text = str(payload.get("text") or "")
    if not text:
        raise UnusableEvent(f"{event.value}: a note without text")
    details: dict[str, Any] = {"note_id": str(note_id), "text": text, "noted_on": payload.get("noted_on")}
    if event is E.NOTE_AMENDED:
        details["amends"] = str(_uuid(payload.get("amends"), "amends"))
        details["reason"] = payload.get("reason")
    return {
        "kind": HistoryKind.NOTE,
        "title": NOTE_TITLES[event],
        "summary": text if len(text) <= 200 else text[:199] + "…",
        "subject_id": str(note_id),
        "author_id": _uuid(payload.get("author_id"), "author_id"),
        "author_name": payload.get("author_name"),
        "details": details,
    }


def _payment(event: EventType, payload: dict[str, Any]) -> dict[str, Any]:
    payment_id = _uuid(payload.get("payment_id"), "payment_id")
    subject = _uuid(payload.get("refund_id"), "refund_id") if event is E.PAYMENT_REFUNDED else payment_id
    details = _picked(payload, _PAYMENT_FIELDS)
    for field in ("amount", "currency", "method"):
        if field not in details:
            raise UnusableEvent(f"{event.value}: no {field}")
    # Money is a decimal string on the wire; a float here would be a bug upstream, refused.
    if isinstance(details["amount"], float):
        raise UnusableEvent(f"{event.value}: the amount is a float")
    details["amount"] = str(details["amount"])
    method = str(details["method"]).replace("_", " ")
    summary = f"{details['amount']} {details['currency']} by {method}"
    if details.get("desk"):
        summary += f" at {details['desk']}"
    if event is E.PAYMENT_REFUNDED and details.get("reason"):
        summary += f": {details['reason']}"
    return {
        "kind": HistoryKind.PAYMENT,
        "title": PAYMENT_TITLES[event],
        "summary": summary,
        "subject_id": str(subject),
        "author_id": _optional_uuid(payload.get("recorded_by"), "recorded_by"),
        "author_name": payload.get("recorded_by_name"),
        "details": details,
    }


def clinical_view(entry: HistoryEntry) -> HistoryEntry:
    """The entry as doctors and nurses see it: a payment without its amount, currency, method or reason."""
    if entry.kind is not HistoryKind.PAYMENT:
        return entry
    return entry.model_copy(
        update={
            "summary": _CLINICAL_PAYMENT_SUMMARY.get(entry.event_type, "Payment"),
            "details": {k: v for k, v in entry.details.items() if k in _CLINICAL_PAYMENT_FIELDS},
        }
    )
