"""Generated histories of ticket actions by the wrong and the right people never break a ticket.

Hypothesis drives TicketService.apply on the real database with any action, by any of five people, with
payloads that are sometimes right, sometimes too big, sometimes on a stale version. After every step:
statuses only move forward, quantities never exceed what was approved or requested, an applied action
adds exactly one to the version (with one history row and one event) and a refused one changes nothing.
WARDDESK_TICKET_EXAMPLES raises the number of histories for a long run (default 15).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from shared.tickets import TRANSITIONS, Priority, TicketAction, TicketStatus
from sync_server.core.db import transaction
from sync_server.core.errors import AppError
from sync_server.core.outbox import OutboxMessage
from sync_server.tickets.service import TicketService, ticket_record
from tests.sync_server.tickets.conftest import CLIENT, actor_of

FORMULARY = [("PARA500", "tablet"), ("AMOX500", "capsule"), ("MORPH10", "ampoule")]
# Every (from, to) status pair an applied action may produce; a partial dispatch stays in preparation.
FORWARD = {(source, rule.target or source) for rule in TRANSITIONS.values() for source in rule.sources} | {
    (TicketStatus.APPROVED, TicketStatus.IN_PREPARATION),
    (TicketStatus.IN_PREPARATION, TicketStatus.IN_PREPARATION),
}
PEOPLE = ["nurse", "colleague", "other_nurse", "pharmacist", "doctor"]
ACTIONS = [action for action in TicketAction if action is not TicketAction.SUBMIT]


def payload_for(
    action: TicketAction, ticket: dict[str, Any], data: st.DataObject, *, sane: bool
) -> dict[str, Any]:
    """A payload for `action` on `ticket`: within the rules when `sane`, else right or a little wrong."""
    lines = ticket["lines"]
    slack = 0 if sane else 2
    if action is TicketAction.EDIT:
        if data.draw(st.booleans()):
            return {"notes": data.draw(st.sampled_from(["", "bed 4 too", "urgent now"]))}
        return {"lines": [
            {**{k: line[k] for k in ("line_id", "medication_code", "unit")},
             "quantity": data.draw(st.integers(1, 60))}
            for line in lines
        ]}
    if action in (TicketAction.CANCEL, TicketAction.REJECT):
        return {"reason": "no longer needed"}
    if action is TicketAction.APPROVE:
        decisions = [
            {"line_id": line["line_id"],
             "approved_quantity": data.draw(st.integers(0, line["quantity"] + slack)),
             "reason": "short stock" if sane else data.draw(st.sampled_from(["", "short stock"]))}
            for line in lines
        ]
        if sane and not any(d["approved_quantity"] for d in decisions):
            decisions[0]["approved_quantity"] = lines[0]["quantity"]
        return {"lines": decisions}
    if action is TicketAction.DISPATCH:
        chosen = data.draw(
            st.lists(st.sampled_from(lines), min_size=1, max_size=3, unique_by=lambda line: line["line_id"])
        )
        return {
            "lines": [
                {"line_id": line["line_id"], "dispatched_quantity": data.draw(st.integers(
                    0, (line["approved_quantity"] or 0) - line["dispatched_quantity"] + slack))}
                for line in chosen
            ],
            "remainder": data.draw(st.sampled_from(["keep_open", "cancel"])),
        }
    if action is TicketAction.RECEIVE:
        return {"lines": [
            {"line_id": line["line_id"],
             "received_quantity": data.draw(st.integers(0, line["dispatched_quantity"] + 1))}
            for line in lines
        ]}
    return {}


def test_no_history_of_actions_breaks_a_ticket(hospital, session_factory) -> None:  # type: ignore[no-untyped-def]
    people = {name: actor_of(getattr(hospital, name)) for name in PEOPLE}
    reached: set[str] = set()
    auditor = people["pharmacist"]

    def read(ticket_id: str) -> tuple[dict[str, Any], int]:
        with transaction(session_factory) as session:
            ticket = TicketService(session, actor=auditor, client=CLIENT).get(uuid.UUID(ticket_id))
            events = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.aggregate_id == ticket_id)
            )
            return ticket_record(ticket), int(events or 0)

    def apply(
        who: str, action: TicketAction, ticket_id: str, payload: dict[str, Any], base: int | None
    ) -> None:
        with transaction(session_factory) as session:
            service = TicketService(session, actor=people[who], client=CLIENT)
            service.apply(action, uuid.UUID(ticket_id), base_version=base, payload=payload)

    class TicketHistories(RuleBasedStateMachine):
        tickets = Bundle("tickets")

        def __init__(self) -> None:
            super().__init__()
            self.known: dict[str, dict[str, Any]] = {}

        @rule(target=tickets, quantities=st.lists(st.integers(1, 40), min_size=1, max_size=3),
              priority=st.sampled_from(list(Priority)))
        def submit(self, quantities: list[int], priority: Priority) -> str:
            ticket_id = str(uuid.uuid4())
            lines = [
                {"line_id": str(uuid.uuid4()), "medication_code": code, "quantity": quantity, "unit": unit}
                for (code, unit), quantity in zip(FORMULARY, quantities, strict=False)
            ]
            payload = {"ward_id": str(hospital.ward.id), "priority": priority.value, "lines": lines}
            apply("nurse", TicketAction.SUBMIT, ticket_id, payload, None)
            self.known[ticket_id], events = read(ticket_id)
            assert (self.known[ticket_id]["version"], events) == (1, 1)
            return ticket_id

        @rule(ticket_id=tickets, moves=st.integers(1, 7), data=st.data())
        def advance(self, ticket_id: str, moves: int, data: st.DataObject) -> None:
            """A few moves the state machine allows, by people who may make them: histories go deep."""
            for _ in range(moves):
                status = TicketStatus(self.known[ticket_id]["status"])
                possible = [action for action, rule in TRANSITIONS.items() if status in rule.sources]
                if not possible:
                    return
                action = data.draw(st.sampled_from(possible))
                who = data.draw(st.sampled_from([name for name in ("nurse", "colleague", "pharmacist")
                                                 if people[name].role in TRANSITIONS[action].roles]))
                payload = payload_for(action, self.known[ticket_id], data, sane=True)
                self.attempt(ticket_id, who, action, payload, stale=False)

        @rule(ticket_id=tickets, who=st.sampled_from(PEOPLE), action=st.sampled_from(ACTIONS),
              stale=st.booleans(), data=st.data())
        def meddle(
            self, ticket_id: str, who: str, action: TicketAction, stale: bool, data: st.DataObject
        ) -> None:
            """Anything by anyone, often wrong: the wrong person, state, quantities or version."""
            payload = payload_for(action, self.known[ticket_id], data, sane=False)
            self.attempt(ticket_id, who, action, payload, stale=stale)

        def attempt(
            self, ticket_id: str, who: str, action: TicketAction, payload: dict[str, Any], *, stale: bool
        ) -> None:
            before = self.known[ticket_id]
            try:
                apply(who, action, ticket_id, payload, before["version"] - 1 if stale else before["version"])
                applied = True
            except AppError:
                applied = False
            after, events = read(ticket_id)

            if applied:
                reached.add(after["status"])
                assert after["version"] == before["version"] + 1
                assert (TicketStatus(before["status"]), TicketStatus(after["status"])) in FORWARD
                assert after["history"][-1]["action"] == action.value
            else:
                assert after == before, f"a refused {action.value} by {who} changed the ticket"
            assert len(after["history"]) == after["version"] == events
            self.known[ticket_id] = after

        @invariant()
        def quantities_stay_within_what_was_asked_and_approved(self) -> None:
            for ticket in self.known.values():
                for line in ticket["lines"]:
                    approved = line["approved_quantity"]
                    assert approved is None or 0 <= approved <= line["quantity"]
                    assert 0 <= line["dispatched_quantity"] <= (approved or 0)
                if ticket["status"] in ("approved", "in_preparation", "dispatched", "received", "closed"):
                    assert all(line["approved_quantity"] is not None for line in ticket["lines"])

    examples = int(os.environ.get("WARDDESK_TICKET_EXAMPLES", "15"))
    run_state_machine_as_test(
        TicketHistories,
        settings=settings(
            max_examples=examples,
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=True,  # the same histories every run, so the depth check below is stable
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The histories went all the way, through every status, not only through refusals.
    assert reached >= {status.value for status in TicketStatus} - {"draft", "submitted"}
