"""The projection, event by event: what each event type puts on a patient's timeline (a pure function: the
live consumer and the rebuild both go through it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.events import EventEnvelope, EventType
from shared.history import HistoryKind, sort_key
from sync_server.history.projection import HISTORY_EVENT_TYPES, UnusableEvent, clinical_view, project
from tests.sync_server.history.conftest import appointment_payload, note_payload, payment_payload

AT = datetime(2031, 3, 5, 12, 0, tzinfo=UTC)
PATIENT, DOCTOR = uuid.uuid4(), uuid.uuid4()


def envelope(event_type: str, payload: dict[str, Any]) -> EventEnvelope:
    return EventEnvelope(
        message_id=uuid.uuid4(),
        type=event_type,
        occurred_at=AT,
        aggregate_type=event_type.split(".")[0],
        aggregate_id=str(uuid.uuid4()),
        sequence=1,
        payload=payload,
    )


@pytest.mark.parametrize(
    ("event_type", "title"),
    [
        (EventType.APPOINTMENT_REQUESTED, "Appointment requested"),
        (EventType.APPOINTMENT_CONFIRMED, "Appointment confirmed"),
        (EventType.APPOINTMENT_RESCHEDULED, "Appointment moved"),
        (EventType.APPOINTMENT_CANCELLED, "Appointment cancelled"),
        (EventType.APPOINTMENT_REJECTED, "Appointment request refused"),
        (EventType.APPOINTMENT_ATTENDED, "Attended the appointment"),
        (EventType.APPOINTMENT_MISSED, "Missed the appointment"),
    ],
)
def test_every_appointment_event_is_an_appointment_entry_without_the_patients_contact(
    event_type: EventType, title: str
) -> None:
    appointment_id = uuid.uuid4()
    event = envelope(event_type, {**appointment_payload(appointment_id, DOCTOR, PATIENT), "reason": "fever"})
    entry = project(event)
    assert entry is not None
    assert (entry.patient_id, entry.kind, entry.title) == (PATIENT, HistoryKind.APPOINTMENT, title)
    assert entry.sort_key == sort_key(AT, event.message_id)
    assert entry.event_id == event.message_id and entry.event_type == event_type.value
    assert entry.subject_id == str(appointment_id)
    # Lisbon is on UTC in early March: 11:00 there.
    assert entry.summary == "Dr. Ana Costa, 2031-03-04 11:00, Room 3.12: fever"
    assert entry.details["doctor_id"] == str(DOCTOR) and entry.details["reason"] == "fever"
    assert "patient_email" not in entry.details and "saga_id" not in entry.details


def test_attendance_names_who_recorded_it() -> None:
    recorder = uuid.uuid4()
    payload = {**appointment_payload(uuid.uuid4(), DOCTOR, PATIENT), "recorded_by": str(recorder)}
    entry = project(envelope(EventType.APPOINTMENT_ATTENDED, payload))
    assert entry is not None and entry.author_id == recorder


def test_a_refill_ticket_names_no_patient_so_it_makes_no_entry() -> None:
    ticket = {"id": str(uuid.uuid4()), "ward_id": str(uuid.uuid4()), "status": "submitted"}
    payload = {"ticket": ticket, "action": "submit", "actor": {"id": str(uuid.uuid4()), "name": "Nurse"}}
    assert project(envelope(EventType.TICKET_SUBMITTED, payload)) is None


def test_a_refill_ticket_that_names_a_patient_is_a_ticket_entry() -> None:
    actor = uuid.uuid4()
    ticket = {
        "id": str(uuid.uuid4()),
        "ward_id": str(uuid.uuid4()),
        "status": "approved",
        "patient_id": str(PATIENT),
    }
    payload = {"ticket": ticket, "action": "approve", "actor": {"id": str(actor), "name": "Pharmacist P"}}
    entry = project(envelope(EventType.TICKET_APPROVED, payload))
    assert entry is not None
    assert (entry.kind, entry.title, entry.subject_id) == (
        HistoryKind.TICKET,
        "Refill ticket approve",
        ticket["id"],
    )
    assert (entry.author_id, entry.author_name) == (actor, "Pharmacist P")


def test_documents_added_and_entered_in_error() -> None:
    document_id, uploader, marker = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    base = {
        "document_id": str(document_id),
        "patient_id": str(PATIENT),
        "appointment_id": None,
        "kind": "lab_report",
        "title": "Blood count",
        "filename": "cbc.pdf",
        "content_type": "application/pdf",
        "uploaded_by": str(uploader),
    }
    added = project(envelope(EventType.DOCUMENT_ADDED, base))
    assert added is not None
    assert (added.kind, added.title, added.summary) == (HistoryKind.DOCUMENT, "Document added", "Blood count")
    assert (added.subject_id, added.author_id) == (str(document_id), uploader)
    assert added.details["kind"] == "lab_report" and "appointment_id" not in added.details
    marked = project(
        envelope(
            EventType.DOCUMENT_ENTERED_IN_ERROR, {**base, "marked_by": str(marker), "reason": "Wrong patient"}
        )
    )
    assert marked is not None
    assert (marked.title, marked.summary) == ("Document entered in error", "Blood count (Wrong patient)")
    assert marked.author_id == marker and marked.details["reason"] == "Wrong patient"


def test_a_note_and_its_amendment() -> None:
    payload = note_payload(PATIENT, "x" * 300)
    note = project(envelope(EventType.NOTE_ADDED, payload))
    assert note is not None
    assert (note.kind, note.title, note.author_name) == (HistoryKind.NOTE, "Doctor's note", "Dr. Ana Costa")
    assert note.details["text"] == "x" * 300 and len(note.summary) == 200
    assert note.details["noted_on"] == "2031-03-05" and "amends" not in note.details
    amended = project(
        envelope(
            EventType.NOTE_AMENDED,
            note_payload(PATIENT, "Corrected dose", amends=payload["note_id"], reason="typo in the dose"),
        )
    )
    assert amended is not None
    assert amended.title == "Doctor's note amended"
    assert (amended.details["amends"], amended.details["reason"]) == (payload["note_id"], "typo in the dose")


def test_a_payment_for_the_desk_and_for_the_carers() -> None:
    payload = payment_payload(PATIENT, DOCTOR, method="health_plan", authorisation_number="HP-1")
    entry = project(envelope(EventType.PAYMENT_RECORDED, payload))
    assert entry is not None
    assert (entry.kind, entry.title, entry.subject_id) == (
        HistoryKind.PAYMENT,
        "Consultation paid",
        payload["payment_id"],
    )
    assert entry.summary == "150.00 BRL by health plan at Desk 1"
    assert (entry.details["amount"], entry.details["currency"]) == ("150.00", "BRL")
    clinical = clinical_view(entry)
    assert clinical.summary == "Paid at the desk"
    assert set(clinical.details) == {"payment_id", "appointment_id", "doctor_id"}
    assert "150" not in clinical.model_dump_json()


def test_a_refund_is_its_own_entry_naming_the_payment() -> None:
    refund_id = uuid.uuid4()
    payload = payment_payload(PATIENT, DOCTOR, refund_id=str(refund_id), reason="appointment cancelled")
    entry = project(envelope(EventType.PAYMENT_REFUNDED, payload))
    assert entry is not None
    assert (entry.title, entry.subject_id) == ("Payment refunded", str(refund_id))
    assert entry.summary == "150.00 BRL by card at Desk 1: appointment cancelled"
    assert clinical_view(entry).details == {
        "payment_id": payload["payment_id"],
        "refund_id": str(refund_id),
        "appointment_id": payload["appointment_id"],
        "doctor_id": str(DOCTOR),
    }


def test_events_that_name_no_patient_or_are_not_history_make_nothing() -> None:
    assert project(envelope("something.else", {"patient_id": str(PATIENT)})) is None
    assert project(envelope(EventType.DOCUMENT_ADDED, {"document_id": str(uuid.uuid4())})) is None


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        (EventType.DOCUMENT_ADDED, {"patient_id": "not-a-uuid", "document_id": str(uuid.uuid4())}),
        (EventType.DOCUMENT_ADDED, {"patient_id": str(PATIENT)}),
        (EventType.NOTE_ADDED, {**note_payload(PATIENT), "text": ""}),
        (EventType.PAYMENT_RECORDED, {**payment_payload(PATIENT, DOCTOR), "amount": 150.0}),
        (
            EventType.PAYMENT_RECORDED,
            {k: v for k, v in payment_payload(PATIENT, DOCTOR).items() if k != "amount"},
        ),
        (EventType.PAYMENT_REFUNDED, payment_payload(PATIENT, DOCTOR)),
    ],
)
def test_a_malformed_history_event_is_unusable(event_type: EventType, payload: dict[str, Any]) -> None:
    with pytest.raises(UnusableEvent):
        project(envelope(event_type, payload))


def test_the_consumer_subscribes_to_every_event_that_can_name_a_patient() -> None:
    assert {t.value for t in EventType} == HISTORY_EVENT_TYPES
