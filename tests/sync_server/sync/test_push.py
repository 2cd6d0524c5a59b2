"""Pushing queued offline changes: each applied once, in order, with an answer the author can see."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from shared.roles import Role
from sync_server.app import create_app
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.directory.models import Patient, Ward
from sync_server.tickets.models import RefillTicket
from tests.sync_server.sync.conftest import of, ticket_submission

pytestmark = pytest.mark.usefixtures("formulary")


def test_a_submitted_ticket_is_applied_and_reaches_the_pharmacy(sign_in, desktop, ward) -> None:
    nurse, pharmacist = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.PHARMACIST))
    ticket_id = uuid.uuid4()

    answer = nurse.push(nurse.mutation("ticket.submit", ticket_id, ticket_submission(ward.id)))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["results"] == [
        {
            "mutation_id": 1,
            "status": "applied",
            "entity_id": str(ticket_id),
            "new_version": 1,
            "code": None,
            "reason": None,
            "server_record": None,
        }
    ]
    assert body["last_mutation_id"] == 1 and body["stopped_early"] is False
    tickets = of(pharmacist.pull_all(), "ticket")
    assert [(t["id"], t["data"]["status"]) for t in tickets] == [(str(ticket_id), "submitted")]


def test_a_resent_batch_is_answered_from_the_stored_results_and_applied_once(
    sign_in, desktop, ward, session_factory
) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    first, second = uuid.uuid4(), uuid.uuid4()
    batch = [
        nurse.mutation("ticket.submit", first, ticket_submission(ward.id)),
        nurse.mutation("ticket.cancel", first, {"reason": "ordered twice"}),
        nurse.mutation("ticket.submit", second, ticket_submission(ward.id)),
    ]
    original = nurse.push(*batch).json()

    # The answer was lost: the desktop sends the same batch again.
    again = nurse.push(*batch).json()

    assert again == original
    assert [r["status"] for r in again["results"]] == ["applied", "applied", "applied"]
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(RefillTicket)) == 2
        events = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.aggregate_id == str(first))
        )
    assert events == 2  # submitted, cancelled: nothing twice


def test_a_gap_in_the_numbers_is_refused_and_nothing_is_applied(sign_in, desktop, ward) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.push(nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)))
    nurse.next_mutation = 5  # numbers 2 to 4 were lost

    answer = nurse.push(nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)))

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "mutation_gap"
    assert error["details"] == {"last_mutation_id": 1, "expected": 2}


def test_a_rejected_change_is_answered_with_a_reason_and_the_queue_moves_on(
    sign_in, desktop, ward, session_factory
) -> None:
    with transaction(session_factory) as session:
        other_ward = Ward(code="W9", name="Ward 9")
        session.add(other_ward)
    nurse = desktop(sign_in(Role.NURSE))
    not_hers, fine = uuid.uuid4(), uuid.uuid4()

    body = nurse.push(
        nurse.mutation("ticket.submit", not_hers, ticket_submission(other_ward.id)),
        nurse.mutation("ticket.submit", fine, ticket_submission(ward.id)),
        nurse.mutation("ticket.approve", fine, {"lines": []}),
    ).json()

    refused, applied, invalid = body["results"]
    assert refused["status"] == "rejected" and refused["code"] == "permission_denied"
    assert "your own wards" in refused["reason"]
    assert applied["status"] == "applied" and applied["entity_id"] == str(fine)
    assert invalid["status"] == "rejected" and invalid["reason"]
    assert body["last_mutation_id"] == 3 and body["stopped_early"] is False


def test_an_edit_made_on_an_old_version_comes_back_as_a_conflict_with_the_server_record(
    sign_in, desktop, ward
) -> None:
    nurse, colleague = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.NURSE))
    ticket_id = uuid.uuid4()
    nurse.push(nurse.mutation("ticket.submit", ticket_id, ticket_submission(ward.id)))
    colleague.push(colleague.mutation("ticket.edit", ticket_id, {"notes": "make it 40"}, base_version=1))

    answer = nurse.push(nurse.mutation("ticket.edit", ticket_id, {"priority": "stat"}, base_version=1)).json()

    (result,) = answer["results"]
    assert result["status"] == "conflict" and result["code"] == "version_conflict"
    assert result["server_record"]["version"] == 2
    assert result["server_record"]["notes"] == "make it 40"
    assert answer["last_mutation_id"] == 2


def test_a_client_id_belongs_to_the_person_who_first_pushed_with_it(sign_in, desktop, ward) -> None:
    nurse, intruder = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.NURSE))
    nurse.push(nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)))
    intruder.client_id = nurse.client_id
    intruder.next_mutation = 2

    answer = intruder.push(intruder.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)))

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"


def test_a_temporary_database_failure_stops_the_batch_and_leaves_the_rest_for_a_retry(
    sign_in, desktop, ward, database_url, settings, session_factory
) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    held, later = uuid.uuid4(), uuid.uuid4()
    nurse.push(nurse.mutation("ticket.submit", held, ticket_submission(ward.id)))
    # A server whose database connections give up waiting for a row lock after 300 ms.
    impatient = make_url(database_url).update_query_dict({"options": "-c lock_timeout=300"})
    app = create_app(settings, database_url=impatient.render_as_string(hide_password=False))
    batch = [
        nurse.mutation("ticket.cancel", held, {"reason": "not needed"}),
        nurse.mutation("ticket.submit", later, ticket_submission(ward.id)),
    ]
    with TestClient(app) as server:
        nurse.client = server
        with transaction(session_factory) as blocker:
            blocker.execute(text("SELECT 1 FROM refill_tickets WHERE id = :id FOR UPDATE"), {"id": held})
            stopped = nurse.push(*batch).json()
        retried = nurse.push(*batch).json()

    assert stopped["results"] == [] and stopped["stopped_early"] is True
    assert stopped["retry_after_seconds"] > 0 and stopped["last_mutation_id"] == 1
    assert [r["status"] for r in retried["results"]] == ["applied", "applied"]
    assert retried["last_mutation_id"] == 3


def _next_day_at(hour: int) -> str:
    day = datetime.now(UTC).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


@pytest.fixture
def patient(session_factory, ward) -> Patient:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        found = Patient(mrn="MRN-7001", full_name="Rui Matos", birth_date=date(1950, 2, 3), ward_id=ward.id)
        session.add(found)
    return found


def _booking(doctor_id: uuid.UUID, patient_id: uuid.UUID, hour: int) -> dict[str, Any]:
    return {"doctor_id": str(doctor_id), "patient_id": str(patient_id), "starts_at": _next_day_at(hour)}


def test_an_offline_booking_runs_the_saga_and_its_outcome_arrives_by_pull(
    sign_in, desktop, open_all_week, patient
) -> None:
    scheduler = desktop(sign_in(Role.SCHEDULER))
    appointment_id = uuid.uuid4()

    answer = scheduler.push(
        scheduler.mutation("appointment.book", appointment_id, _booking(open_all_week.id, patient.id, 10))
    ).json()

    assert answer["results"][0]["status"] == "applied"
    assert answer["results"][0]["entity_id"] == str(appointment_id)
    changes = scheduler.pull_all()
    (appointment,) = of(changes, "appointment")
    assert appointment["id"] == str(appointment_id) and appointment["data"]["status"] == "confirmed"
    (notice,) = of(changes, "notification")
    assert notice["data"]["title"] == "Appointment confirmed"
    assert notice["data"]["entity_id"] == str(appointment_id)


def test_an_offline_booking_of_a_taken_slot_is_answered_rejected_with_the_reason_and_next_free_slots(
    sign_in, desktop, open_all_week, patient, session_factory
) -> None:
    with transaction(session_factory) as session:
        other = Patient(mrn="MRN-7002", full_name="Ana Lima", birth_date=date(1960, 1, 1))
        session.add(other)
    first, second = desktop(sign_in(Role.SCHEDULER)), desktop(sign_in(Role.SCHEDULER))
    first.push(first.mutation("appointment.book", uuid.uuid4(), _booking(open_all_week.id, patient.id, 11)))
    late = uuid.uuid4()

    answer = second.push(second.mutation("appointment.book", late, _booking(open_all_week.id, other.id, 11)))

    # The saga runs in the push: its answer is the outcome, and the refused request follows by pull.
    (result,) = answer.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "slot_taken")
    changes = second.pull_all()
    (outcome,) = [c for c in of(changes, "appointment") if c["id"] == str(late)]
    assert outcome["data"]["status"] == "rejected"
    assert outcome["data"]["rejection_code"] == "slot_taken"
    assert outcome["data"]["alternatives"], "the next free slots are offered"
    (notice,) = of(changes, "notification")
    assert notice["data"]["title"] == "Appointment request refused"


def test_a_booking_outside_the_doctors_hours_is_rejected_at_once(sign_in, desktop, doctor, patient) -> None:
    scheduler = desktop(sign_in(Role.SCHEDULER))

    answer = scheduler.push(
        scheduler.mutation("appointment.book", uuid.uuid4(), _booking(doctor.id, patient.id, 10))
    ).json()

    (result,) = answer["results"]
    assert result["status"] == "rejected" and result["code"] == "outside_availability"


def test_a_pharmacist_cannot_book_appointments(sign_in, desktop, open_all_week, patient) -> None:
    pharmacist = desktop(sign_in(Role.PHARMACIST))

    answer = pharmacist.push(
        pharmacist.mutation("appointment.book", uuid.uuid4(), _booking(open_all_week.id, patient.id, 10))
    ).json()

    assert answer["results"][0]["status"] == "rejected"
    assert answer["results"][0]["code"] == "permission_denied"


def test_attendance_recorded_offline_reaches_every_calendar_once_the_appointment_has_begun(
    sign_in, desktop, open_all_week, patient, session_factory
) -> None:
    scheduler, colleague = desktop(sign_in(Role.SCHEDULER)), desktop(sign_in(Role.SCHEDULER))
    appointment_id = uuid.uuid4()
    scheduler.push(
        scheduler.mutation("appointment.book", appointment_id, _booking(open_all_week.id, patient.id, 10))
    )
    colleague.pull_all()

    too_early = scheduler.push(
        scheduler.mutation("appointment.attendance", appointment_id, {"status": "completed"})
    )
    # Time passes: the appointment (two days ahead) is moved to yesterday, so it has begun whatever
    # the time of day the test runs at.
    with transaction(session_factory) as session:
        session.execute(
            text(
                "UPDATE appointments SET starts_at = starts_at - interval '3 days',"
                " ends_at = ends_at - interval '3 days'"
            )
        )
    came = scheduler.push(scheduler.mutation("appointment.attendance", appointment_id, {"status": "no_show"}))
    nonsense = scheduler.push(
        scheduler.mutation("appointment.attendance", appointment_id, {"status": "held"})
    )

    assert too_early.json()["results"][0]["code"] == "invalid_transition"
    assert came.json()["results"][0]["status"] == "applied"
    assert nonsense.json()["results"][0]["status"] == "rejected"
    (seen,) = [c for c in of(colleague.pull_all(), "appointment") if c["id"] == str(appointment_id)]
    assert seen["data"]["status"] == "no_show"


def test_a_change_number_or_key_used_again_for_another_change_is_refused(
    sign_in, desktop, open_all_week, patient
) -> None:
    scheduler = desktop(sign_in(Role.SCHEDULER))
    booking = scheduler.mutation("appointment.book", uuid.uuid4(), _booking(open_all_week.id, patient.id, 9))
    first = scheduler.push(booking).json()["results"][0]

    # The same number carrying another change (another key): refused, the first answer stands.
    other = {
        **booking,
        "idempotency_key": str(uuid.uuid4()),
        "payload": _booking(open_all_week.id, patient.id, 15),
    }
    renumbered = scheduler.push(other).json()["results"][0]
    # The same key under a new number, with another body: refused, nothing more is booked.
    reused = scheduler.mutation(
        "appointment.book",
        uuid.uuid4(),
        _booking(open_all_week.id, patient.id, 16),
        idempotency_key=booking["idempotency_key"],
    )
    again = scheduler.push(reused).json()["results"][0]

    assert first["status"] == "applied"
    assert (renumbered["status"], renumbered["code"]) == ("rejected", "idempotency_key_reused")
    assert (again["status"], again["code"]) == ("rejected", "idempotency_key_reused")
    appointments = [c for c in of(scheduler.pull_all(), "appointment") if c["data"]["status"] == "confirmed"]
    assert len(appointments) == 1
