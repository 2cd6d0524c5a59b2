"""The history as each role reads it through the API, doctors' notes (append-only, amended, idempotent)
over HTTP and through the sync push, and the attendance events the timeline is made of."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventType
from shared.roles import Role
from sync_server.booking.models import Appointment
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.history.consumer import HistoryProjector
from sync_server.history.models import DoctorNote
from sync_server.messaging.consumers import deliver, envelope_of
from tests.conftest import Person
from tests.sync_server.history.conftest import (
    Clinic,
    FixedClock,
    appointment_payload,
    payment_payload,
    write_events,
)
from tests.sync_server.sync.conftest import Desktop, desktop  # noqa: F401


def project_outbox(client: TestClient, factory: sessionmaker[Session], clock: FixedClock) -> None:
    """Deliver every outbox event to the app's history consumer, as the relay would."""
    projector = HistoryProjector(client.app.state.history_store, clock=clock)  # type: ignore[attr-defined]
    with transaction(factory) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        envelopes = [envelope_of(r) for r in rows]
    for envelope in envelopes:
        deliver(factory, projector, envelope)


def events_of(factory: sessionmaker[Session], event_type: str) -> list[dict[str, Any]]:
    with transaction(factory) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type)).all()
        return [r.payload for r in rows]


def note(
    client: TestClient, person: Person, patient_id: uuid.UUID, text_: str = "Stable.", **extra: Any
) -> Any:
    body = {"note_id": str(uuid.uuid4()), "noted_on": "2031-03-05", "text": text_, **extra}
    return client.post(f"/patients/{patient_id}/notes", json=body, headers=person.headers)


def history(client: TestClient, person: Person, patient_id: uuid.UUID, **params: Any) -> Any:
    return client.get(f"/patients/{patient_id}/history", params=params, headers=person.headers)


@pytest.fixture
def doctor_(sign_in: Callable[..., Person]) -> Person:
    return sign_in(Role.DOCTOR)


@pytest.fixture
def filled(
    client: TestClient,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    clinic: Clinic,
    doctor_: Person,
) -> dict[str, str]:
    """The doctor's patient with a note, an appointment and a payment on his timeline."""
    written = note(client, doctor_, clinic.patient.id, "Chest clear.")
    assert written.status_code == 201, written.text
    write_events(
        session_factory,
        [
            (
                EventType.APPOINTMENT_CONFIRMED,
                appointment_payload(clinic.appointment.id, clinic.doctor.id, clinic.patient.id),
            ),
            (
                EventType.PAYMENT_RECORDED,
                payment_payload(clinic.patient.id, clinic.doctor.id, amount="987.65"),
            ),
        ],
        # After the note (written at clock.now): the same time would leave the order to the event ids.
        start=clock.now + timedelta(seconds=1),
    )
    project_outbox(client, session_factory, clock)
    return {"note_id": written.json()["id"]}


def test_the_patients_doctor_reads_everything_but_a_payments_amount(
    client: TestClient, clinic: Clinic, doctor_: Person, filled: dict[str, str]
) -> None:
    answer = history(client, doctor_, clinic.patient.id)
    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    assert [e["kind"] for e in entries] == ["payment", "appointment", "note"]
    assert entries[2]["details"]["text"] == "Chest clear." and entries[2]["author_name"] == "Test Doctor"
    assert "amount" not in entries[0]["details"] and "987.65" not in answer.text
    notes_only = history(client, doctor_, clinic.patient.id, kind="note").json()["entries"]
    assert [e["subject_id"] for e in notes_only] == [filled["note_id"]]


@pytest.mark.parametrize("role", [Role.SCHEDULER, Role.ADMIN])
def test_the_desk_reads_appointments_and_payments_only(
    client: TestClient, sign_in: Callable[..., Person], clinic: Clinic, filled: dict[str, str], role: Role
) -> None:
    desk = sign_in(role)
    entries = history(client, desk, clinic.patient.id).json()["entries"]
    assert [e["kind"] for e in entries] == ["payment", "appointment"]
    assert entries[0]["details"]["amount"] == "987.65"
    refused = history(client, desk, clinic.patient.id, kind="note")
    assert refused.status_code == 403 and refused.json()["error"]["details"]["kinds"] == ["note"]
    payments = history(client, desk, clinic.patient.id, kind="payment").json()["entries"]
    assert [e["kind"] for e in payments] == ["payment"]


def test_a_pharmacist_reads_no_patients_history(
    client: TestClient, sign_in: Callable[..., Person], clinic: Clinic, filled: dict[str, str]
) -> None:
    answer = history(client, sign_in(Role.PHARMACIST), clinic.patient.id)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "permission_denied"


def test_a_nurse_reads_her_wards_patients_only(
    client: TestClient, sign_in: Callable[..., Person], clinic: Clinic, filled: dict[str, str]
) -> None:
    nurse = sign_in(Role.NURSE)
    assert history(client, nurse, clinic.admitted.id).status_code == 200
    refused = history(client, nurse, clinic.patient.id)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "outside_care_scope"


def test_another_doctor_reads_only_through_broken_glass_and_it_is_audited(
    client: TestClient,
    sign_in: Callable[..., Person],
    session_factory: sessionmaker[Session],
    clinic: Clinic,
    filled: dict[str, str],
) -> None:
    with transaction(session_factory) as session:
        from sync_server.directory.models import Doctor

        other = Doctor(
            full_name="Dr. Paulo Reis", specialty="Oncology", license_number="CRM-9", time_zone="UTC"
        )
        session.add(other)
    stranger_doctor = sign_in(Role.DOCTOR, doctor_id=other.id)
    refused = history(client, stranger_doctor, clinic.patient.id)
    assert refused.status_code == 403 and refused.json()["error"]["details"]["break_glass"] is True
    glass = client.post(
        f"/patients/{clinic.patient.id}/break-glass",
        json={"reason": "Unconscious in the emergency room, no carer reachable"},
        headers=stranger_doctor.headers,
    )
    assert glass.status_code in (200, 201), glass.text
    assert history(client, stranger_doctor, clinic.patient.id).status_code == 200
    with transaction(session_factory) as session:
        audited = session.execute(
            text(
                "SELECT count(*) FROM audit_log"
                " WHERE action = 'patient.break_glass_access' AND entity_id = :id"
            ),
            {"id": str(clinic.patient.id)},
        ).scalar_one()
    assert audited == 1
    # Broken glass opens the record for reading; notes are written by the patient's own doctors.
    written = note(client, stranger_doctor, clinic.patient.id)
    assert written.status_code == 403 and written.json()["error"]["code"] == "outside_care_scope"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"before": "yesterday"}, "invalid_cursor"),
        ({"kind": "gossip"}, "invalid_request"),
        ({"limit": 0}, "invalid_request"),
        ({"limit": 201}, "invalid_request"),
    ],
)
def test_bad_paging_is_a_clear_422(
    client: TestClient, clinic: Clinic, doctor_: Person, params: dict[str, Any], code: str
) -> None:
    answer = history(client, doctor_, clinic.patient.id, **params)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == code


def test_an_unknown_patient_is_404(client: TestClient, doctor_: Person) -> None:
    assert history(client, doctor_, uuid.uuid4()).status_code == 404


def test_pages_over_the_api_follow_next_before(
    client: TestClient,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    clinic: Clinic,
    doctor_: Person,
) -> None:
    for n in range(5):
        assert note(client, doctor_, clinic.patient.id, f"note {n}").status_code == 201
        clock.now = clock.now.replace(minute=n + 1)
    project_outbox(client, session_factory, clock)
    first = history(client, doctor_, clinic.patient.id, limit=3).json()
    second = history(client, doctor_, clinic.patient.id, limit=3, before=first["next_before"]).json()
    texts = [e["details"]["text"] for e in first["entries"] + second["entries"]]
    assert texts == ["note 4", "note 3", "note 2", "note 1", "note 0"] and second["next_before"] is None


# --- notes ----------------------------------------------------------------------------------------------


def test_a_note_is_written_once_with_its_event_and_a_retry_changes_nothing(
    client: TestClient, session_factory: sessionmaker[Session], clinic: Clinic, doctor_: Person
) -> None:
    note_id = str(uuid.uuid4())
    body = {"note_id": note_id, "noted_on": "2031-03-04", "text": "BP 130/85."}
    first = client.post(f"/patients/{clinic.patient.id}/notes", json=body, headers=doctor_.headers)
    again = client.post(f"/patients/{clinic.patient.id}/notes", json=body, headers=doctor_.headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["author_id"] == str(doctor_.user.id) and first.json()["amends"] is None
    [event] = events_of(session_factory, EventType.NOTE_ADDED)
    assert (event["note_id"], event["patient_id"], event["text"]) == (
        note_id,
        str(clinic.patient.id),
        "BP 130/85.",
    )
    other = client.post(
        f"/patients/{clinic.patient.id}/notes", json={**body, "text": "other"}, headers=doctor_.headers
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "duplicate"


def test_a_note_is_amended_never_changed(
    client: TestClient,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    clinic: Clinic,
    doctor_: Person,
) -> None:
    original = note(client, doctor_, clinic.patient.id, "Dose 5 mg.").json()
    clock.now = clock.now.replace(hour=15)
    body = {"amendment_id": str(uuid.uuid4()), "text": "Dose 2.5 mg.", "reason": "typo in the dose"}
    amended = client.post(f"/notes/{original['id']}/amendments", json=body, headers=doctor_.headers)
    assert amended.status_code == 201, amended.text
    assert amended.json()["amends"] == original["id"] and amended.json()["written_at"].startswith(
        "2031-03-05T15:00"
    )
    retried = client.post(f"/notes/{original['id']}/amendments", json=body, headers=doctor_.headers)
    assert retried.status_code == 201 and retried.json() == amended.json()
    listed = client.get(f"/patients/{clinic.patient.id}/notes", headers=doctor_.headers).json()
    assert [(n["text"], n["amends"]) for n in listed] == [
        ("Dose 5 mg.", None),
        ("Dose 2.5 mg.", original["id"]),
    ]
    [event] = events_of(session_factory, EventType.NOTE_AMENDED)
    assert (event["amends"], event["reason"]) == (original["id"], "typo in the dose")
    project_outbox(client, session_factory, clock)
    entries = history(client, doctor_, clinic.patient.id, kind="note").json()["entries"]
    assert [e["event_type"] for e in entries] == ["history.note_amended", "history.note_added"]
    # The database itself refuses to change or delete a note.
    for statement in (
        update(DoctorNote).where(DoctorNote.id == uuid.UUID(original["id"])).values(text="rewritten"),
        text("DELETE FROM history_notes"),
    ):
        with pytest.raises(DBAPIError, match="never changed or deleted"):
            with transaction(session_factory) as session:
                session.execute(statement)


def test_only_doctors_in_care_write_notes(
    client: TestClient, sign_in: Callable[..., Person], clinic: Clinic, doctor_: Person
) -> None:
    nurse = sign_in(Role.NURSE)
    assert note(client, nurse, clinic.admitted.id).status_code == 403
    stranger = note(client, doctor_, clinic.stranger.id)
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "outside_care_scope"
    missing = client.post(
        f"/notes/{uuid.uuid4()}/amendments",
        json={"amendment_id": str(uuid.uuid4()), "text": "x", "reason": "why not"},
        headers=doctor_.headers,
    )
    assert missing.status_code == 404
    too_long = note(client, doctor_, clinic.patient.id, "x" * 5001)
    assert too_long.status_code == 422


def test_notes_queued_offline_apply_through_the_push(
    client: TestClient,
    session_factory: sessionmaker[Session],
    clinic: Clinic,
    doctor_: Person,
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(doctor_)
    note_id = uuid.uuid4()
    payload = {"patient_id": str(clinic.patient.id), "noted_on": "2031-03-05", "text": "Written offline."}
    added = workstation.mutation("history.note_add", note_id, payload)
    amend = workstation.mutation(
        "history.note_amend", note_id, {"text": "Written offline, amended.", "reason": "clearer"}
    )
    pushed = workstation.push(added, amend)
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "applied"], pushed.text
    # The same batch again (its answer was lost): answered as before, nothing written twice.
    resent = workstation.push(added, amend)
    assert [r["status"] for r in resent.json()["results"]] == ["applied", "applied"]
    with transaction(session_factory) as session:
        notes = session.scalars(
            select(DoctorNote).order_by(DoctorNote.written_at, DoctorNote.amends.nullsfirst())
        ).all()
        assert [(n.id, n.amends) for n in notes] == [
            (note_id, None),
            (uuid.UUID(amend["idempotency_key"]), note_id),
        ]
    assert len(events_of(session_factory, EventType.NOTE_ADDED)) == 1
    assert len(events_of(session_factory, EventType.NOTE_AMENDED)) == 1

    stranger = workstation.push(
        workstation.mutation(
            "history.note_add", uuid.uuid4(), {**payload, "patient_id": str(clinic.stranger.id)}
        ),
    )
    assert (stranger.json()["results"][0]["status"], stranger.json()["results"][0]["code"]) == (
        "rejected",
        "outside_care_scope",
    )
    malformed = workstation.push(workstation.mutation("history.note_add", uuid.uuid4(), {"text": ""}))
    assert malformed.json()["results"][0]["status"] == "rejected"


# --- the events the timeline is made of -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "event"), [("completed", "appointment.attended"), ("no_show", "appointment.missed")]
)
def test_recording_attendance_emits_its_event_naming_the_patient(
    client: TestClient,
    session_factory: sessionmaker[Session],
    clinic: Clinic,
    doctor_: Person,
    status: str,
    event: str,
) -> None:
    # The attendance route reads the wall clock: an appointment long past.
    with transaction(session_factory) as session:
        starts = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        past = Appointment(
            doctor_id=clinic.doctor.id,
            patient_id=clinic.patient.id,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=20),
            status="confirmed",
        )
        session.add(past)
    answer = client.post(f"/appointments/{past.id}/status", json={"status": status}, headers=doctor_.headers)
    assert answer.status_code == 200, answer.text
    [payload] = events_of(session_factory, event)
    assert payload["patient_id"] == str(clinic.patient.id)
    assert payload["appointment_id"] == str(past.id)
    assert payload["recorded_by"] == str(doctor_.user.id) and payload["status"] == status


def test_desktops_pull_the_timeline_the_desk_with_amounts_the_doctor_without(
    client: TestClient,
    sign_in: Callable[..., Person],
    clinic: Clinic,
    doctor_: Person,
    filled: dict[str, str],
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    def timeline(person: Person) -> dict[str, dict[str, Any]]:
        changes = [c for c in desktop(person).pull_all() if c["entity"] == "history_entry"]
        return {c["data"]["kind"]: c["data"] for c in changes}

    doctors = timeline(doctor_)
    assert set(doctors) == {"note", "appointment", "payment"}
    assert doctors["note"]["details"]["text"] == "Chest clear."
    assert "amount" not in doctors["payment"]["details"] and "987.65" not in str(doctors["payment"])
    desk = timeline(sign_in(Role.SCHEDULER))
    assert set(desk) == {"appointment", "payment"}
    assert (desk["payment"]["details"]["amount"], desk["payment"]["details"]["method"]) == ("987.65", "card")
    assert timeline(sign_in(Role.PHARMACIST)) == {}


def test_a_payment_and_its_refund_at_the_desk_reach_the_timeline(
    client: TestClient,
    sign_in: Callable[..., Person],
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    clinic: Clinic,
    doctor_: Person,
) -> None:
    scheduler = sign_in(Role.SCHEDULER)
    paid = client.post(
        "/payments",
        json={
            "payment_id": str(uuid.uuid4()),
            "appointment_id": str(clinic.appointment.id),
            "amount": "200.00",
            "method": "pix",
            "desk": "Front desk 1",
        },
        headers=scheduler.headers,
    )
    assert paid.status_code == 201, paid.text
    payment_id = paid.json()["entry"]["id"]
    refunded = client.post(
        f"/payments/{payment_id}/refunds",
        json={
            "refund_id": str(uuid.uuid4()),
            "amount": "50.00",
            "reason": "Shorter visit",
            "desk": "Front desk 1",
        },
        headers=scheduler.headers,
    )
    assert refunded.status_code == 201, refunded.text
    project_outbox(client, session_factory, clock)

    desk = history(client, scheduler, clinic.patient.id, kind="payment").json()["entries"]
    assert [(e["title"], e["details"]["amount"]) for e in desk] == [
        ("Payment refunded", "50.00"),
        ("Consultation paid", "200.00"),
    ]
    assert desk[0]["details"]["reason"] == "Shorter visit" and desk[1]["details"]["method"] == "pix"
    carers = history(client, doctor_, clinic.patient.id, kind="payment")
    assert [e["summary"] for e in carers.json()["entries"]] == ["Refunded at the desk", "Paid at the desk"]
    assert "200.00" not in carers.text and "pix" not in carers.text
