"""Bugs the convergence test found, each pinned down by the smallest test that showed it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_action
from shared.protocol import Change, Entity, MutationResult, MutationStatus, PullResponse, PushResponse
from shared.roles import Role
from shared.tickets import TicketAction


@pytest.fixture
def pharmacy(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore.open(
        tmp_path / "cache.sqlite", server_url="https://sync.example", username="pharmacist"
    )
    yield store
    store.close()


def _submitted_ticket(line_id: str, *, quantity: int = 10) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "ward_id": str(uuid.uuid4()),
        "status": "submitted",
        "priority": "routine",
        "needed_by": None,
        "version": 1,
        "lines": [
            {
                "line_id": line_id,
                "medication_code": "PARA500",
                "quantity": quantity,
                "unit": "tablet",
                "approved_quantity": None,
                "dispatched_quantity": 0,
                "received_quantity": None,
            }
        ],
    }


def _pulled(store: LocalStore, record: dict[str, object]) -> uuid.UUID:
    ticket_id = uuid.UUID(str(record["id"]))
    store.apply_pull(
        PullResponse(
            changes=[Change(entity=Entity.TICKET, id=ticket_id, version=1, data=record)],
            cursor="c1",
            has_more=False,
            server_time=datetime.now(UTC),
        )
    )
    return ticket_id


def test_a_dispatch_queued_after_an_approval_the_server_refused_does_not_break_the_cache(
    pharmacy: LocalStore,
) -> None:
    """The pharmacist approves and dispatches offline; the approval comes back as a conflict (the nurse
    edited the ticket first). Replaying the still-queued dispatch on the server's record, whose line has
    no approved quantity, crashed the rebase (None < int), and with it every later sync of that desktop."""
    line_id = str(uuid.uuid4())
    ticket_id = _pulled(pharmacy, _submitted_ticket(line_id))
    approve = queue_ticket_action(
        pharmacy,
        ticket_id=ticket_id,
        action=TicketAction.APPROVE,
        role=Role.PHARMACIST,
        payload={"lines": [{"line_id": line_id, "approved_quantity": 10}]},
    )
    queue_ticket_action(
        pharmacy,
        ticket_id=ticket_id,
        action=TicketAction.DISPATCH,
        role=Role.PHARMACIST,
        payload={"lines": [{"line_id": line_id, "dispatched_quantity": 10}]},
    )
    edited = {**_submitted_ticket(line_id, quantity=12), "id": str(ticket_id), "version": 2}

    pharmacy.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=approve.mutation_id,
                    status=MutationStatus.CONFLICT,
                    entity_id=ticket_id,
                    code="version_conflict",
                    reason="edited",
                    server_record=edited,
                )
            ],
            last_mutation_id=approve.mutation_id,
        )
    )

    ticket = pharmacy.record(Entity.TICKET, ticket_id)
    assert ticket is not None and ticket.pending  # the dispatch still waits for its answer
    assert [e.state for e in pharmacy.outbox_entries()] == ["conflict", "queued"]


def test_the_pharmacists_view_adds_up_partial_dispatches_as_the_server_does(pharmacy: LocalStore) -> None:
    """A dispatch payload says what this shipment sends; the server keeps the running total per line.
    The optimistic view showed only the last shipment."""
    line_id = str(uuid.uuid4())
    record = _submitted_ticket(line_id)
    record["status"] = "approved"
    record["lines"][0]["approved_quantity"] = 10  # type: ignore[index]
    ticket_id = _pulled(pharmacy, record)
    for sent in (4, 3):
        queue_ticket_action(
            pharmacy,
            ticket_id=ticket_id,
            action=TicketAction.DISPATCH,
            role=Role.PHARMACIST,
            payload={"lines": [{"line_id": line_id, "dispatched_quantity": sent}], "remainder": "keep_open"},
        )

    ticket = pharmacy.record(Entity.TICKET, ticket_id)
    assert ticket is not None
    assert ticket.data["status"] == "in_preparation"
    assert ticket.data["lines"][0]["dispatched_quantity"] == 7
