"""The refill ticket rules as the sync push meets them: TicketService.apply on the real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.tickets import TicketAction as A
from sync_server.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from sync_server.tickets.service import InvalidTransition, VersionConflict
from tests.sync_server.tickets.conftest import (
    Act,
    Hospital,
    actor_of,
    events_of,
    line_ids,
    notifications_of,
    submission,
)


def approve_all(record: dict) -> dict:  # type: ignore[type-arg]
    return {"lines": [
        {"line_id": line["line_id"], "approved_quantity": line["quantity"]} for line in record["lines"]
    ]}


def test_every_applied_action_leaves_one_history_row_one_event_and_tells_the_author(  # type: ignore[no-untyped-def]
    act: Act, hospital: Hospital, session_factory
):
    h = hospital
    ticket_id = uuid.uuid4()
    record = act(h.nurse, A.SUBMIT, ticket_id, submission(h.ward.id))
    para, amox = line_ids(record)
    steps = [
        (h.colleague, A.EDIT, {"notes": "also for bed 12"}),
        (h.pharmacist, A.APPROVE, approve_all(record)),
        (h.second_pharmacist, A.START_PREPARATION, {}),
        (h.pharmacist, A.DISPATCH, {"lines": [{"line_id": para, "dispatched_quantity": 30},
                                              {"line_id": amox, "dispatched_quantity": 5}],
                                    "remainder": "cancel"}),
        (h.nurse, A.RECEIVE, {"lines": [{"line_id": para, "received_quantity": 30},
                                        {"line_id": amox, "received_quantity": 5}]}),
        (h.nurse, A.CLOSE, {}),
    ]
    for number, (who, action, payload) in enumerate(steps, start=2):
        told_before = len(notifications_of(session_factory, h.nurse))
        record = act(who, action, ticket_id, payload)
        told_after = len(notifications_of(session_factory, h.nurse))

        assert record["version"] == number
        assert len(record["history"]) == number
        assert record["history"][-1]["action"] == action.value
        assert len(events_of(session_factory, ticket_id)) == number
        assert told_after - told_before == (0 if who is h.nurse else 1), action

    assert record["status"] == "closed"
    assert [line["remainder_cancelled"] for line in record["lines"]] == [False, True]
    assert not record["has_discrepancy"]


def test_a_resent_submission_changes_nothing_and_a_reused_id_is_refused(  # type: ignore[no-untyped-def]
    act: Act, hospital: Hospital, session_factory
):
    ticket_id = uuid.uuid4()
    payload = submission(hospital.ward.id)
    first = act(hospital.nurse, A.SUBMIT, ticket_id, payload)
    again = act(hospital.nurse, A.SUBMIT, ticket_id, payload)

    assert again == first
    assert len(events_of(session_factory, ticket_id)) == 1
    with pytest.raises(Conflict):
        act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id, notes="something else"))


def test_the_formulary_decides_what_can_be_ordered(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    def line(code: str, unit: str) -> list[dict]:  # type: ignore[type-arg]
        return [{"line_id": str(uuid.uuid4()), "medication_code": code, "quantity": 5, "unit": unit}]

    ward_id = hospital.ward.id
    with pytest.raises(Invalid, match="RANI150 \\(Ranitidine\\) is no longer stocked"):
        act(hospital.nurse, A.SUBMIT, uuid.uuid4(), submission(ward_id, lines=line("rani150", "tablet")))
    with pytest.raises(Invalid, match="Morphine is dispensed by the ampoule"):
        act(hospital.nurse, A.SUBMIT, uuid.uuid4(), submission(ward_id, lines=line("MORPH10", "vial")))
    with pytest.raises(Invalid, match="lines.0.quantity"):
        act(hospital.nurse, A.SUBMIT, uuid.uuid4(), submission(hospital.ward.id, lines=[
            {"line_id": str(uuid.uuid4()), "medication_code": "PARA500", "quantity": 0, "unit": "tablet"}
        ]))


def test_approving_less_than_asked_needs_a_reason_and_every_line_decided(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))
    para, amox = line_ids(record)

    refusals = {
        "no reason": {"lines": [{"line_id": para, "approved_quantity": 10},
                                {"line_id": amox, "approved_quantity": 20}]},
        "a line left out": {"lines": [{"line_id": para, "approved_quantity": 30}]},
        "nothing at all": {"lines": [{"line_id": para, "approved_quantity": 0, "reason": "out of stock"},
                                     {"line_id": amox, "approved_quantity": 0, "reason": "out of stock"}]},
        "a line twice": {"lines": [{"line_id": para, "approved_quantity": 30},
                                   {"line_id": para, "approved_quantity": 30}]},
    }
    for name, payload in refusals.items():
        with pytest.raises(Invalid):
            act(hospital.pharmacist, A.APPROVE, ticket_id, payload)
            pytest.fail(f"{name} was accepted")

    approved = act(hospital.pharmacist, A.APPROVE, ticket_id, {"lines": [
        {"line_id": para, "approved_quantity": 30},
        {"line_id": amox, "approved_quantity": 0, "reason": "not on the ward's list"},
    ]})
    assert [(line["approved_quantity"], line["approval_reason"]) for line in approved["lines"]] == [
        (30, None), (0, "not on the ward's list")
    ]
    assert approved["version"] == 2  # the refused attempts changed nothing


def test_the_pharmacy_cannot_send_more_than_it_approved(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))
    para, _ = line_ids(record)
    act(hospital.pharmacist, A.APPROVE, ticket_id, approve_all(record))
    act(hospital.pharmacist, A.DISPATCH, ticket_id,
        {"lines": [{"line_id": para, "dispatched_quantity": 25}], "remainder": "keep_open"})

    with pytest.raises(Invalid, match="sending 10 would make 35 in all, but 30 were approved"):
        act(hospital.pharmacist, A.DISPATCH, ticket_id,
            {"lines": [{"line_id": para, "dispatched_quantity": 10}], "remainder": "keep_open"})


def test_a_nurse_must_say_what_arrived_of_every_dispatched_line(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))
    para, amox = line_ids(record)
    act(hospital.pharmacist, A.APPROVE, ticket_id, approve_all(record))
    act(hospital.pharmacist, A.DISPATCH, ticket_id, {"lines": [{"line_id": para, "dispatched_quantity": 30}]})

    with pytest.raises(Invalid, match="missing: PARA500"):
        act(hospital.nurse, A.RECEIVE, ticket_id, {"lines": [{"line_id": amox, "received_quantity": 0}]})
    received = act(hospital.nurse, A.RECEIVE, ticket_id,
                   {"lines": [{"line_id": para, "received_quantity": 30}]})
    assert (received["status"], received["has_discrepancy"]) == ("received", False)
    assert [line["received_quantity"] for line in received["lines"]] == [30, 0]


def test_roles_wards_and_states_are_enforced(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))

    with pytest.raises(PermissionDenied, match="A nurse cannot approve a ticket"):
        act(hospital.nurse, A.APPROVE, ticket_id, approve_all(record))
    with pytest.raises(PermissionDenied):
        act(hospital.doctor, A.CANCEL, ticket_id, {"reason": "not needed"})
    with pytest.raises(PermissionDenied):
        act(hospital.other_nurse, A.EDIT, ticket_id, {"notes": "mine now"})
    with pytest.raises(PermissionDenied):
        act(hospital.other_nurse, A.SUBMIT, uuid.uuid4(), submission(hospital.ward.id))
    with pytest.raises(InvalidTransition, match="A ticket that is submitted cannot be dispatched"):
        act(hospital.pharmacist, A.DISPATCH, ticket_id, {"lines": [{"line_id": line_ids(record)[0],
                                                                    "dispatched_quantity": 1}]})
    with pytest.raises(NotFound):
        act(hospital.pharmacist, A.REJECT, uuid.uuid4(), {"reason": "no such thing"})


def test_an_approval_of_a_version_the_nurse_has_since_edited_is_a_conflict(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))
    act(hospital.nurse, A.EDIT, ticket_id, {"notes": "urgent now"}, base_version=1)

    with pytest.raises(VersionConflict) as conflict:
        act(hospital.pharmacist, A.APPROVE, ticket_id, approve_all(record), base_version=1)
    assert conflict.value.details["server_record"]["notes"] == "urgent now"
    # A status action does not care about the version it was made on: the state machine decides.
    rejected = act(hospital.pharmacist, A.REJECT, ticket_id, {"reason": "ordered twice"}, base_version=1)
    assert rejected["status"] == "rejected"


def test_an_edit_replaces_the_lines_and_keeps_their_ids(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    ticket_id = uuid.uuid4()
    record = act(hospital.nurse, A.SUBMIT, ticket_id, submission(hospital.ward.id))
    para, _ = line_ids(record)
    morphine = str(uuid.uuid4())
    needed_by = datetime.now(UTC) + timedelta(hours=4)

    edited = act(hospital.nurse, A.EDIT, ticket_id, {
        "needed_by": needed_by.isoformat(),
        "lines": [
            {"line_id": morphine, "medication_code": "MORPH10", "quantity": 5, "unit": "ampoule"},
            {"line_id": para, "medication_code": "PARA500", "quantity": 60, "unit": "tablet"},
        ],
    })

    assert [(line["line_id"], line["quantity"]) for line in edited["lines"]] == [(morphine, 5), (para, 60)]
    assert datetime.fromisoformat(edited["needed_by"]) == needed_by
    cleared = act(hospital.nurse, A.EDIT, ticket_id, {"needed_by": None})
    assert cleared["needed_by"] is None
    assert cleared["notes"] == "weekly top-up"  # fields not named are kept


def test_the_pharmacy_queue_puts_stat_first_then_the_earliest_needed(  # type: ignore[no-untyped-def]
    act: Act, hospital: Hospital, session_factory
):
    from sync_server.core.db import transaction
    from sync_server.tickets.service import TicketService
    from tests.sync_server.tickets.conftest import CLIENT

    soon = datetime.now(UTC) + timedelta(hours=2)
    later = soon + timedelta(hours=6)
    made = {
        name: act(hospital.nurse, A.SUBMIT, uuid.uuid4(), submission(hospital.ward.id, **fields))["id"]
        for name, fields in {
            "routine": {"priority": "routine", "needed_by": soon.isoformat()},
            "urgent later": {"priority": "urgent", "needed_by": later.isoformat()},
            "stat": {"priority": "stat"},
            "urgent soon": {"priority": "urgent", "needed_by": soon.isoformat()},
        }.items()
    }

    with transaction(session_factory) as session:
        queue = TicketService(session, actor=actor_of(hospital.pharmacist), client=CLIENT).search()
        names = {ticket_id: name for name, ticket_id in made.items()}
        assert [names[str(t.id)] for t in queue] == ["stat", "urgent soon", "urgent later", "routine"]


def test_values_the_database_cannot_hold_are_refused_before_they_reach_it(act: Act, hospital: Hospital):  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match="NUL character"):
        act(hospital.nurse, A.SUBMIT, uuid.uuid4(), submission(hospital.ward.id, notes="bed\x004"))
    with pytest.raises(Invalid, match="between 2000 and 2100"):
        long_ago = submission(hospital.ward.id, needed_by="0001-01-01T00:00:00+14:00")
        act(hospital.nurse, A.SUBMIT, uuid.uuid4(), long_ago)
