"""A booking the server accepted can still be refused by its booking saga: the author's change then ends
rejected, with the saga's reason, like a change the server refused at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from desktop.store import LocalStore
from desktop.store.mutations import queue_appointment_book
from shared.protocol import (
    Change,
    Entity,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushResponse,
)

DOCTOR, PATIENT = uuid.uuid4(), uuid.uuid4()
STARTS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _book(store: LocalStore) -> tuple[uuid.UUID, int]:
    entry = queue_appointment_book(store, doctor_id=DOCTOR, patient_id=PATIENT, starts_at=STARTS)
    store.mark_sent([entry.mutation_id])
    return entry.entity_id, entry.mutation_id


def _applied(store: LocalStore, appointment_id: uuid.UUID, mutation_id: int) -> None:
    """The push answer: the saga has started (no version yet)."""
    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=mutation_id, status=MutationStatus.APPLIED, entity_id=appointment_id
                )
            ],
            last_mutation_id=mutation_id,
        )
    )


def _appointment(appointment_id: uuid.UUID, *, version: int, status: str, **fields: object) -> Change:
    data = {
        "id": str(appointment_id),
        "doctor_id": str(DOCTOR),
        "patient_id": str(PATIENT),
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(minutes=20)).isoformat(),
        "status": status,
        "version": version,
        **fields,
    }
    return Change(entity=Entity.APPOINTMENT, id=appointment_id, version=version, data=data)


def _refused(appointment_id: uuid.UUID, *, version: int = 2) -> Change:
    later = STARTS + timedelta(minutes=20)
    return _appointment(
        appointment_id,
        version=version,
        status="rejected",
        rejection_code="slot_taken",
        rejection_message="the doctor already has an appointment at that time",
        alternatives=[
            {"starts_at": later.isoformat(), "ends_at": (later + timedelta(minutes=20)).isoformat()}
        ],
    )


def _pull(store: LocalStore, *changes: Change, settled: int = 0, reset: bool = False) -> None:
    store.apply_pull(
        PullResponse(
            changes=list(changes),
            cursor="" if reset else uuid.uuid4().hex,
            has_more=reset,
            reset_required=reset,
            last_mutation_id=settled,
            server_time=datetime.now(UTC),
        )
    )


def test_a_booking_its_saga_refused_after_the_server_accepted_it_ends_rejected_with_the_reason(
    store: LocalStore,
) -> None:
    appointment_id, mutation_id = _book(store)
    _applied(store, appointment_id, mutation_id)
    assert [e.state for e in store.outbox_entries()] == ["applied"]

    _pull(store, _refused(appointment_id), settled=mutation_id)

    (entry,) = store.outbox_entries()
    assert (entry.state, entry.code) == ("rejected", "slot_taken")
    assert entry.reason == "the doctor already has an appointment at that time"
    assert store.counts().rejected == 1
    appointment = store.record(Entity.APPOINTMENT, appointment_id)
    assert appointment is not None and appointment.data["status"] == "rejected"
    assert appointment.data["alternatives"]  # the free times offered stay with the record


def test_a_saga_refusal_pulled_before_the_push_answer_still_ends_the_booking_rejected(
    store: LocalStore,
) -> None:
    appointment_id, mutation_id = _book(store)
    # The push answer was lost; the pull already carries the refused appointment and says #1 is settled.
    _pull(store, _refused(appointment_id), settled=mutation_id)
    _applied(store, appointment_id, mutation_id)  # the answer to the push sent again

    assert [(e.state, e.code) for e in store.outbox_entries()] == [("rejected", "slot_taken")]


def test_a_saga_refusal_is_reported_once_even_when_the_record_comes_again(store: LocalStore) -> None:
    appointment_id, mutation_id = _book(store)
    _applied(store, appointment_id, mutation_id)
    _pull(store, _refused(appointment_id), settled=mutation_id)
    _pull(store, _refused(appointment_id, version=3))
    assert len(store.outbox_entries(states=["rejected"])) == 1

    store.dismiss_rejection(mutation_id)
    _pull(store, reset=True)  # a fresh start sends the refused appointment again
    _pull(store, _refused(appointment_id, version=3))

    assert store.outbox_entries() == []


def test_a_confirmed_booking_stays_applied(store: LocalStore) -> None:
    appointment_id, mutation_id = _book(store)
    _applied(store, appointment_id, mutation_id)
    _pull(store, _appointment(appointment_id, version=2, status="confirmed"), settled=mutation_id)

    assert [e.state for e in store.outbox_entries()] == ["applied"]


def test_someone_elses_refused_booking_is_not_this_users_refusal(store: LocalStore) -> None:
    _pull(store, _refused(uuid.uuid4(), version=2))

    assert store.outbox_entries() == [] and store.counts().rejected == 0
