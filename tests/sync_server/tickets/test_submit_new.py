"""Many new tickets at once (TicketService.submit_new, the push's fast path) leave what one by one leaves."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared.tickets import TicketAction as A
from sync_server.core.db import transaction
from sync_server.core.errors import Invalid, PermissionDenied
from sync_server.tickets.service import TicketService
from tests.sync_server.tickets.conftest import CLIENT, Act, Hospital, actor_of, submission

# Everything a submission writes, per ticket, without the values that differ from one ticket to another.
_TRACES = {
    "ticket": "SELECT ward_id, requested_by, requested_by_name, priority, needed_by, notes, status, version,"
    " has_discrepancy, rejection_reason, cancel_reason, submitted_at = created_at AS same_times"
    " FROM refill_tickets WHERE id = :id",
    "lines": "SELECT position, medication_code, quantity, unit, approved_quantity, dispatched_quantity,"
    " remainder_cancelled FROM ticket_lines WHERE ticket_id = :id ORDER BY position",
    "history": "SELECT actor_id, actor_name, actor_role, action, from_status, to_status, version,"
    " details->'submission'->'priority' FROM ticket_history WHERE ticket_id = :id",
    "events": "SELECT event_type, payload->'action', payload->'actor', payload->'ticket'->'status',"
    " payload->'ticket'->'version', published_at, attempts FROM outbox"
    " WHERE aggregate_id = CAST(:id AS text)",
    "audit": "SELECT user_id, username, role, action, entity, client_address, client_name, details"
    " FROM audit_log WHERE entity_id = CAST(:id AS text)",
    "feed": "SELECT scope, entity, version, deleted, data->'status', data->'version',"
    " data->'history'->0->'action', jsonb_array_length(data->'lines') FROM sync_changes"
    " WHERE entity_id = :id ORDER BY scope",
}


def traces(session_factory: sessionmaker[Session], ticket_id: uuid.UUID) -> dict[str, list[Any]]:
    with transaction(session_factory) as session:
        return {
            name: [tuple(row) for row in session.execute(text(sql), {"id": ticket_id})]
            for name, sql in _TRACES.items()
        }


def submit_new(
    session_factory: sessionmaker[Session], user: Any, submissions: list[tuple[uuid.UUID, dict[str, Any]]]
) -> None:
    with transaction(session_factory) as session:
        TicketService(session, actor=actor_of(user), client=CLIENT).submit_new(submissions)


def test_tickets_submitted_together_leave_the_same_rows_as_one_by_one(  # type: ignore[no-untyped-def]
    act: Act, hospital: Hospital, session_factory
):
    alone, together = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]
    act(hospital.nurse, A.SUBMIT, alone, submission(hospital.ward.id))

    submit_new(session_factory, hospital.nurse, [(i, submission(hospital.ward.id)) for i in together])

    expected = traces(session_factory, alone)
    assert all(len(rows) >= 1 for rows in expected.values())
    for ticket_id in together:
        assert traces(session_factory, ticket_id) == expected
    # And a ticket submitted together is acted on like any other.
    record = act(hospital.pharmacist, A.REJECT, together[0], {"reason": "duplicate order"})
    assert (record["status"], record["version"], len(record["history"])) == ("rejected", 2, 2)


def test_one_refused_submission_writes_nothing_of_the_others(  # type: ignore[no-untyped-def]
    hospital: Hospital, session_factory
):
    good, withdrawn = submission(hospital.ward.id), submission(hospital.ward.id)
    withdrawn["lines"][0]["medication_code"] = "RANI150"
    ids = [uuid.uuid4(), uuid.uuid4()]

    with pytest.raises(Invalid, match="no longer stocked"):
        submit_new(session_factory, hospital.nurse, list(zip(ids, [good, withdrawn], strict=True)))
    with pytest.raises(PermissionDenied):
        submit_new(session_factory, hospital.other_nurse, [(ids[0], good)])

    for ticket_id in ids:
        assert all(rows == [] for rows in traces(session_factory, ticket_id).values())


def test_an_id_already_taken_fails_the_whole_insert(  # type: ignore[no-untyped-def]
    act: Act, hospital: Hospital, session_factory
):
    taken, new = uuid.uuid4(), uuid.uuid4()
    act(hospital.nurse, A.SUBMIT, taken, submission(hospital.ward.id))

    with pytest.raises(IntegrityError):
        submit_new(
            session_factory,
            hospital.nurse,
            [(new, submission(hospital.ward.id)), (taken, submission(hospital.ward.id))],
        )

    assert all(rows == [] for rows in traces(session_factory, new).values())
