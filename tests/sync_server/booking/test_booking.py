"""Booking, rescheduling, cancelling and undoing appointments, as the staff and the email consumer see it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from shared.roles import Role
from sync_server.audit.models import AuditEntry
from sync_server.core.db import transaction
from tests.sync_server.booking.conftest import DAY, at, double_bookings, events

EVENT_KEYS = {
    "appointment_id",
    "doctor_id",
    "doctor_name",
    "patient_id",
    "patient_name",
    "patient_email",
    "room_name",
    "starts_at",
    "ends_at",
    "time_zone",
    "status",
    "saga_id",
}


def utc(instant: datetime) -> str:
    """How events write an instant: ISO 8601 in UTC."""
    return instant.astimezone(UTC).isoformat()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def book(client, person, clinic, *, start, patient=0, doctor=None, room=None, **extra):  # type: ignore[no-untyped-def]
    body = {
        "doctor_id": str((doctor or clinic.doctor).id),
        "patient_id": str(clinic.patients[patient].id),
        "starts_at": start.isoformat(),
        **extra,
    }
    if room is not None:
        body["room_id"] = str(room.id)
    return client.post("/appointments", json=body, headers=person.headers)


def error(answer):  # type: ignore[no-untyped-def]
    return answer.json()["error"]


def audit_actions(session_factory, action):  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def scheduler(sign_in):  # type: ignore[no-untyped-def]
    return sign_in(Role.SCHEDULER)


# --- booking ----------------------------------------------------------------------------------------


def test_a_scheduler_books_a_free_slot_and_the_patient_is_told(client, scheduler, clinic, session_factory):
    answer = book(client, scheduler, clinic, start=at(9), room=clinic.room, reason="chest pain follow-up")

    assert answer.status_code == 201, answer.text
    booked = answer.json()
    assert booked["saga"]["status"] == "succeeded"
    assert booked["appointment"]["status"] == "confirmed"
    assert instant(booked["appointment"]["ends_at"]) == at(9, 20)
    # Hold and confirm are one transaction: the booking's one event says it is confirmed.
    assert [e.event_type for e in events(session_factory)] == ["appointment.confirmed"]
    assert booked["saga"]["outcome"]["steps"] == ["validate", "hold", "confirm"]
    confirmed = events(session_factory, "appointment.confirmed")[0].payload
    assert set(confirmed) == EVENT_KEYS
    assert confirmed["patient_email"] == "maria@example.org"
    assert confirmed["doctor_name"] == "Dr. Ana Costa"
    assert confirmed["room_name"] == "Consultation 1"
    assert confirmed["time_zone"] == "Europe/Lisbon"
    assert (confirmed["starts_at"], confirmed["ends_at"]) == (utc(at(9)), utc(at(9, 20)))
    assert confirmed["saga_id"] == booked["saga"]["id"]
    assert len(audit_actions(session_factory, "appointment.book")) == 1


def test_the_appointment_lasts_the_doctors_slot_length_unless_told_otherwise(client, scheduler, clinic):
    default = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    longer = book(client, scheduler, clinic, start=at(10), patient=1, duration_minutes=45).json()[
        "appointment"
    ]

    def minutes(a):  # type: ignore[no-untyped-def]
        return (datetime.fromisoformat(a["ends_at"]) - datetime.fromisoformat(a["starts_at"])).seconds // 60

    assert (minutes(default), minutes(longer)) == (20, 45)


def test_a_taken_slot_is_refused_naming_the_appointment_in_the_way_and_offering_free_slots(
    client, scheduler, clinic, session_factory
):
    first = book(client, scheduler, clinic, start=at(9)).json()["appointment"]

    answer = book(client, scheduler, clinic, start=at(9, 10), patient=1)

    assert answer.status_code == 409
    refusal = error(answer)
    assert refusal["code"] == "slot_taken"
    assert refusal["details"]["conflicting_appointment_id"] == first["id"]
    offered = refusal["details"]["alternatives"]
    assert offered[0] == {"starts_at": utc(at(9, 20)), "ends_at": utc(at(9, 40))}
    assert len(offered) == 5
    rejected = client.get(
        f"/appointments/{refusal['details']['appointment_id']}", headers=scheduler.headers
    ).json()
    assert (rejected["status"], rejected["rejection_code"]) == ("rejected", "slot_taken")
    told = events(session_factory, "appointment.rejected")[0].payload
    assert (told["reason_code"], told["alternatives"]) == ("slot_taken", offered)
    saga = client.get(f"/sagas/{refusal['details']['saga_id']}", headers=scheduler.headers).json()["saga"]
    assert saga["status"] == "compensated"


def test_a_room_cannot_hold_two_doctors_at_once(client, scheduler, clinic):
    book(client, scheduler, clinic, start=at(11), room=clinic.room)

    answer = book(
        client, scheduler, clinic, start=at(11), patient=1, doctor=clinic.other_doctor, room=clinic.room
    )
    elsewhere = book(
        client, scheduler, clinic, start=at(11), patient=1, doctor=clinic.other_doctor, room=clinic.other_room
    )

    assert (answer.status_code, error(answer)["code"]) == (409, "slot_taken")
    assert elsewhere.status_code == 201


def test_a_patient_cannot_be_with_two_doctors_at_once(client, scheduler, clinic):
    book(client, scheduler, clinic, start=at(14))

    answer = book(client, scheduler, clinic, start=at(14), doctor=clinic.other_doctor)

    assert (answer.status_code, error(answer)["code"]) == (409, "patient_double_booked")


def test_a_slot_outside_the_doctors_hours_is_refused_with_the_next_free_slots(client, scheduler, clinic):
    answer = book(client, scheduler, clinic, start=at(19))

    assert answer.status_code == 409
    assert error(answer)["code"] == "outside_availability"
    next_morning = at(8, day=DAY + timedelta(days=1))
    assert error(answer)["details"]["alternatives"][0]["starts_at"] == utc(next_morning)


def test_a_retried_booking_with_the_same_request_id_answers_with_the_same_appointment(
    client, scheduler, clinic, session_factory
):
    first = book(client, scheduler, clinic, start=at(9), client_request_id="desk-7:42")
    again = book(client, scheduler, clinic, start=at(9), client_request_id="desk-7:42")
    misuse = book(client, scheduler, clinic, start=at(10), client_request_id="desk-7:42")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["appointment"]["id"] == first.json()["appointment"]["id"]
    assert len(events(session_factory, "appointment.confirmed")) == 1
    assert (misuse.status_code, error(misuse)["code"]) == (409, "idempotency_key_reused")


def test_a_retried_refused_booking_is_refused_again_the_same_way(client, scheduler, clinic):
    book(client, scheduler, clinic, start=at(9))
    first = book(client, scheduler, clinic, start=at(9), patient=1, client_request_id="r1")
    again = book(client, scheduler, clinic, start=at(9), patient=1, client_request_id="r1")

    assert error(first) == error(again)


def test_who_may_book(client, sign_in, clinic):
    own_doctor = sign_in(Role.DOCTOR, doctor_id=clinic.doctor.id)
    nurse = sign_in(Role.NURSE)
    scheduler = sign_in(Role.SCHEDULER)

    # A stranger to the doctor: only the front desk books him (or the doctor after breaking the glass).
    stranger = book(client, own_doctor, clinic, start=at(9))
    assert (stranger.status_code, error(stranger)["code"]) == (403, "outside_care_scope")
    assert book(client, scheduler, clinic, start=at(8)).status_code == 201  # now the doctor's patient
    assert book(client, own_doctor, clinic, start=at(9)).status_code == 201
    assert (
        book(client, own_doctor, clinic, start=at(9), doctor=clinic.other_doctor, patient=1).status_code
        == 403
    )
    assert book(client, nurse, clinic, start=at(10)).status_code == 403


def test_a_role_that_may_not_book_is_refused_before_its_body_is_read(client, sign_in, clinic):
    nurse = sign_in(Role.NURSE)
    for path in ("/appointments", f"/appointments/{uuid.uuid4()}/reschedule"):
        refused = client.post(path, json={"colour": "red"}, headers=nurse.headers)
        assert (refused.status_code, error(refused)["code"]) == (403, "permission_denied"), path
        unsigned = client.post(path, json={"colour": "red"})
        assert unsigned.status_code == 401, path


def test_bad_booking_input_is_a_clear_422_never_a_crash(client, scheduler, clinic):
    naive = book(client, scheduler, clinic, start=at(9).replace(tzinfo=None))
    unknown_field = book(client, scheduler, clinic, start=at(9), colour="red")
    past = book(client, scheduler, clinic, start=at(9) - timedelta(days=30))
    stranger = client.post(
        "/appointments",
        headers=scheduler.headers,
        json={
            "doctor_id": str(clinic.doctor.id),
            "patient_id": str(uuid.uuid4()),
            "starts_at": at(9).isoformat(),
        },
    )

    assert [a.status_code for a in (naive, unknown_field, past, stranger)] == [422] * 4
    assert error(stranger)["details"] == {"field": "patient_id"}


# --- overbooking ------------------------------------------------------------------------------------


def test_only_a_scheduler_or_admin_overbooks_and_the_reason_is_audited(
    client, scheduler, sign_in, clinic, session_factory
):
    own_doctor = sign_in(Role.DOCTOR, doctor_id=clinic.doctor.id)
    book(client, scheduler, clinic, start=at(9))

    by_doctor = book(
        client, own_doctor, clinic, start=at(9), patient=1, overbook=True, overbook_reason="urgent"
    )
    without_reason = book(client, scheduler, clinic, start=at(9), patient=1, overbook=True)
    squeezed = book(
        client,
        scheduler,
        clinic,
        start=at(9),
        patient=1,
        overbook=True,
        overbook_reason="post-op bleeding, must be seen today",
    )

    assert (by_doctor.status_code, without_reason.status_code) == (403, 422)
    assert squeezed.status_code == 201
    assert squeezed.json()["appointment"]["overbooked"] is True
    assert [e.details["reason"] for e in audit_actions(session_factory, "appointment.overbook")] == [
        "post-op bleeding, must be seen today"
    ]


# --- reschedule --------------------------------------------------------------------------------------


def test_rescheduling_moves_the_appointment_and_keeps_its_history(client, scheduler, clinic, session_factory):
    old = book(client, scheduler, clinic, start=at(9)).json()["appointment"]

    answer = client.post(
        f"/appointments/{old['id']}/reschedule",
        headers=scheduler.headers,
        json={"starts_at": at(15).isoformat()},
    )

    assert answer.status_code == 201, answer.text
    new = answer.json()["appointment"]
    assert (new["status"], new["rescheduled_from_id"]) == ("confirmed", old["id"])
    before = client.get(f"/appointments/{old['id']}", headers=scheduler.headers).json()
    assert (before["status"], before["rescheduled_to_id"]) == ("cancelled", new["id"])
    moved = events(session_factory, "appointment.rescheduled")[0].payload
    assert (moved["appointment_id"], moved["previous_appointment_id"]) == (new["id"], old["id"])
    # The old time is free again.
    assert book(client, scheduler, clinic, start=at(9), patient=1).status_code == 201


def test_rescheduling_by_a_few_minutes_overlapping_itself_works(client, scheduler, clinic):
    old = book(client, scheduler, clinic, start=at(9)).json()["appointment"]

    answer = client.post(
        f"/appointments/{old['id']}/reschedule",
        headers=scheduler.headers,
        json={"starts_at": at(9, 10).isoformat()},
    )

    assert answer.status_code == 201, answer.text
    assert client.get(f"/appointments/{old['id']}", headers=scheduler.headers).json()["status"] == "cancelled"


def test_when_the_new_slot_is_taken_the_old_appointment_stays_confirmed(
    client, scheduler, clinic, session_factory
):
    old = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    book(client, scheduler, clinic, start=at(15), patient=1)

    answer = client.post(
        f"/appointments/{old['id']}/reschedule",
        headers=scheduler.headers,
        json={"starts_at": at(15).isoformat()},
    )

    assert (answer.status_code, error(answer)["code"]) == (409, "slot_taken")
    unchanged = client.get(f"/appointments/{old['id']}", headers=scheduler.headers).json()
    assert (unchanged["status"], unchanged["rescheduled_to_id"], unchanged["version"]) == (
        "confirmed",
        None,
        old["version"],
    )
    rejected = events(session_factory, "appointment.rejected")[0].payload
    assert rejected["previous_appointment_id"] == old["id"]
    assert double_bookings(session_factory) == {"doctor_id": 0, "room_id": 0, "patient_id": 0}


# --- cancel, attendance, undo -----------------------------------------------------------------------


def test_cancelling_needs_a_reason_frees_the_slot_and_tells_the_patient(
    client, scheduler, clinic, session_factory
):
    booked = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    url = f"/appointments/{booked['id']}/cancel"

    assert client.post(url, headers=scheduler.headers, json={}).status_code == 422
    cancelled = client.post(url, headers=scheduler.headers, json={"reason": "patient asked"})
    twice = client.post(url, headers=scheduler.headers, json={"reason": "again"})

    assert cancelled.json()["status"] == "cancelled"
    assert (twice.status_code, error(twice)["code"]) == (409, "invalid_transition")
    assert events(session_factory, "appointment.cancelled")[0].payload["reason"] == "patient asked"
    assert book(client, scheduler, clinic, start=at(9), patient=1).status_code == 201


def test_attendance_is_recorded_only_once_the_appointment_began_and_only_forward(
    client, scheduler, clinic, session_factory
):
    booked = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    url = f"/appointments/{booked['id']}/status"
    too_early = client.post(url, headers=scheduler.headers, json={"status": "completed"})
    with transaction(session_factory) as session:  # time passes: the appointment is now in the past
        session.execute(
            text(
                "UPDATE appointments SET starts_at = starts_at - interval '30 days', "
                "ends_at = ends_at - interval '30 days'"
            )
        )

    completed = client.post(url, headers=scheduler.headers, json={"status": "completed"})
    backwards = client.post(url, headers=scheduler.headers, json={"status": "no_show"})

    assert (too_early.status_code, error(too_early)["code"]) == (409, "invalid_transition")
    assert completed.json()["status"] == "completed"
    assert (backwards.status_code, error(backwards)["code"]) == (409, "invalid_transition")


def test_a_scheduler_can_undo_a_cancellation_with_a_reason_but_a_doctor_cannot(
    client, scheduler, sign_in, clinic, session_factory
):
    own_doctor = sign_in(Role.DOCTOR, doctor_id=clinic.doctor.id)
    booked = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    client.post(
        f"/appointments/{booked['id']}/cancel", headers=scheduler.headers, json={"reason": "by mistake"}
    )
    url = f"/appointments/{booked['id']}/undo"

    by_doctor = client.post(url, headers=own_doctor.headers, json={"reason": "oops"})
    undone = client.post(url, headers=scheduler.headers, json={"reason": "cancelled the wrong patient"})

    assert by_doctor.status_code == 403
    assert undone.json()["status"] == "confirmed"
    [entry] = audit_actions(session_factory, "appointment.undo")
    assert entry.details == {"from": "cancelled", "to": "confirmed", "reason": "cancelled the wrong patient"}
    assert len(events(session_factory, "appointment.confirmed")) == 2


def test_undoing_a_cancellation_fails_when_the_slot_was_given_away(client, scheduler, clinic):
    booked = book(client, scheduler, clinic, start=at(9)).json()["appointment"]
    client.post(f"/appointments/{booked['id']}/cancel", headers=scheduler.headers, json={"reason": "ill"})
    taker = book(client, scheduler, clinic, start=at(9), patient=1).json()["appointment"]

    answer = client.post(
        f"/appointments/{booked['id']}/undo", headers=scheduler.headers, json={"reason": "back"}
    )

    assert (answer.status_code, error(answer)["code"]) == (409, "slot_taken")
    assert error(answer)["details"]["conflicting_appointment_id"] == taker["id"]
    assert (
        client.get(f"/appointments/{booked['id']}", headers=scheduler.headers).json()["status"] == "cancelled"
    )


# --- reading calendars ------------------------------------------------------------------------------


def test_clinical_staff_read_calendars_pharmacists_do_not_and_reads_are_audited(
    client, scheduler, sign_in, clinic, session_factory
):
    book(client, scheduler, clinic, start=at(9))
    book(client, scheduler, clinic, start=at(10), patient=1)
    query = {"doctor_id": str(clinic.doctor.id), "start": at(0).isoformat(), "end": at(23).isoformat()}

    nurse_view = client.get("/appointments", params=query, headers=sign_in(Role.NURSE).headers)
    pharmacist_view = client.get("/appointments", params=query, headers=sign_in(Role.PHARMACIST).headers)

    assert [a["starts_at"] for a in nurse_view.json()] == sorted(a["starts_at"] for a in nurse_view.json())
    assert len(nurse_view.json()) == 2
    assert pharmacist_view.status_code == 403
    assert audit_actions(session_factory, "appointment.list")[0].details["count"] == 2
