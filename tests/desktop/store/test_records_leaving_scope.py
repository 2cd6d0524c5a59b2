"""A record the server stops sending (out of the user's scope, or deleted past the tombstone window) must
leave the cache, even when the user had a change pending on it at the time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from desktop.store import LocalStore
from desktop.store.mutations import queue_appointment_cancel, queue_ticket_action
from shared.protocol import (
    Change,
    Entity,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushResponse,
)
from shared.roles import Role
from shared.tickets import TicketAction


def _ticket(ticket_id: uuid.UUID, version: int, **fields: object) -> Change:
    data = {
        "id": str(ticket_id),
        "ward_id": str(uuid.uuid4()),
        "status": "submitted",
        "priority": "routine",
        "notes": "for Zelda Quarantine, bed 4",
        "lines": [],
        "version": version,
        **fields,
    }
    return Change(entity=Entity.TICKET, id=ticket_id, version=version, data=data)


def _appointment(appointment_id: uuid.UUID, version: int) -> Change:
    data = {
        "id": str(appointment_id),
        "doctor_id": str(uuid.uuid4()),
        "patient_id": str(uuid.uuid4()),
        "starts_at": "2026-03-05T10:00:00+00:00",
        "ends_at": "2026-03-05T10:20:00+00:00",
        "status": "confirmed",
        "version": version,
    }
    return Change(entity=Entity.APPOINTMENT, id=appointment_id, version=version, data=data)


def _page(*changes: Change, has_more: bool = False, settled: int = 0) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor="next",
        has_more=has_more,
        last_mutation_id=settled,
        server_time=datetime.now(UTC),
    )


def _reset() -> PullResponse:
    return PullResponse(
        changes=[], cursor="", has_more=True, reset_required=True, server_time=datetime.now(UTC)
    )


def _answer(mutation_id: int, record_id: uuid.UUID, status: MutationStatus, **fields: object) -> PushResponse:
    result = MutationResult(mutation_id=mutation_id, status=status, entity_id=record_id, **fields)  # type: ignore[arg-type]
    return PushResponse(results=[result], last_mutation_id=mutation_id)


def _edit_notes(store: LocalStore, ticket_id: uuid.UUID) -> int:
    entry = queue_ticket_action(
        store, ticket_id=ticket_id, action=TicketAction.EDIT, role=Role.NURSE, payload={"notes": "bed 5"}
    )
    store.mark_sent([entry.mutation_id])
    return entry.mutation_id


def test_a_refused_change_does_not_keep_a_record_that_left_the_users_scope(store: LocalStore) -> None:
    kept, moved = uuid.uuid4(), uuid.uuid4()
    store.apply_pull(_page(_ticket(kept, 1), _ticket(moved, 1)))
    mutation_id = _edit_notes(store, moved)

    # The nurse's wards changed: the server starts again, and the ticket is no longer hers to see.
    store.apply_pull(_reset())
    store.apply_pull(_page(_ticket(kept, 1)))
    assert store.record(Entity.TICKET, moved) is not None  # her change is still pending: still shown

    store.apply_push_results(
        _answer(
            mutation_id, moved, MutationStatus.REJECTED, code="permission_denied", reason="Not your ward."
        )
    )

    assert store.record(Entity.TICKET, moved) is None
    assert store.record(Entity.TICKET, kept) is not None
    assert [e.state for e in store.outbox_entries()] == ["rejected"]  # the author still learns why


def test_an_applied_change_does_not_keep_a_record_that_left_the_users_scope(store: LocalStore) -> None:
    moved = uuid.uuid4()
    store.apply_pull(_page(_ticket(moved, 1)))
    mutation_id = _edit_notes(store, moved)
    store.apply_pull(_reset())
    store.apply_pull(_page())

    store.apply_push_results(_answer(mutation_id, moved, MutationStatus.APPLIED, new_version=2))

    assert store.record(Entity.TICKET, moved) is None


def test_a_change_settled_by_the_pull_does_not_keep_a_record_that_left_the_users_scope(
    store: LocalStore,
) -> None:
    moved = uuid.uuid4()
    store.apply_pull(_page(_ticket(moved, 1)))
    mutation_id = _edit_notes(store, moved)
    store.apply_pull(_reset())
    # The push answer was lost; the end of the fresh pull says the change is settled.
    store.apply_pull(_page(settled=mutation_id))

    assert store.record(Entity.TICKET, moved) is None


def test_a_record_deleted_while_the_desk_was_offline_past_the_tombstone_window_goes_once_refused(
    store: LocalStore,
) -> None:
    appointment_id = uuid.uuid4()
    store.apply_pull(_page(_appointment(appointment_id, 1)))
    entry = queue_appointment_cancel(store, appointment_id=appointment_id, reason="patient called")
    # Weeks offline: the appointment was deleted and its tombstone compacted; the old cursor is refused.
    store.apply_pull(_reset())
    store.apply_pull(_page())
    assert store.appointments() != []

    store.apply_push_results(
        _answer(entry.mutation_id, appointment_id, MutationStatus.REJECTED, code="not_found", reason="Gone.")
    )

    assert store.record(Entity.APPOINTMENT, appointment_id) is None
    assert store.appointments() == []


def test_a_record_sent_again_after_a_reset_stays_once_its_change_is_refused(store: LocalStore) -> None:
    ticket_id = uuid.uuid4()
    store.apply_pull(_page(_ticket(ticket_id, 1)))
    mutation_id = _edit_notes(store, ticket_id)
    store.apply_pull(_reset())
    store.apply_pull(_page(_ticket(ticket_id, 1), has_more=True))
    store.apply_pull(_page())

    store.apply_push_results(
        _answer(mutation_id, ticket_id, MutationStatus.REJECTED, code="invalid_transition", reason="No.")
    )

    ticket = store.record(Entity.TICKET, ticket_id)
    assert ticket is not None and not ticket.pending
    assert ticket.data["notes"] == "for Zelda Quarantine, bed 4"


def test_a_refusal_that_arrives_before_the_fresh_pull_resends_the_record_only_hides_it_until_then(
    store: LocalStore,
) -> None:
    ticket_id = uuid.uuid4()
    store.apply_pull(_page(_ticket(ticket_id, 1)))
    mutation_id = _edit_notes(store, ticket_id)
    store.apply_pull(_reset())
    store.apply_push_results(
        _answer(mutation_id, ticket_id, MutationStatus.REJECTED, code="invalid_transition", reason="No.")
    )
    store.apply_pull(_page(_ticket(ticket_id, 1)))

    ticket = store.record(Entity.TICKET, ticket_id)
    assert ticket is not None and not ticket.pending and ticket.version == 1


def test_a_change_queued_on_a_record_kept_through_a_reset_does_not_confirm_it(store: LocalStore) -> None:
    moved = uuid.uuid4()
    store.apply_pull(_page(_ticket(moved, 1)))
    first = _edit_notes(store, moved)
    store.apply_pull(_reset())
    second = _edit_notes(store, moved)
    store.apply_pull(_page())

    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=first, status=MutationStatus.APPLIED, entity_id=moved, new_version=2
                ),
                MutationResult(
                    mutation_id=second,
                    status=MutationStatus.REJECTED,
                    entity_id=moved,
                    code="permission_denied",
                ),
            ],
            last_mutation_id=second,
        )
    )

    assert store.record(Entity.TICKET, moved) is None
