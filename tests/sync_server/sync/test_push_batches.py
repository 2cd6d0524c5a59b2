"""A push of many new tickets at once (the offline burst): each gets its own verdict and effects."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from shared.protocol import MAX_PUSH_BATCH
from shared.roles import Role
from sync_server.audit.models import AuditEntry
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from tests.sync_server.sync.conftest import of, ticket_submission

pytestmark = pytest.mark.usefixtures("formulary")


def test_a_batch_of_new_tickets_is_applied_with_every_effect_once(
    sign_in, desktop, ward, session_factory
) -> None:
    nurse, pharmacist = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.PHARMACIST))
    ids = [uuid.uuid4() for _ in range(30)]

    body = nurse.push(*(nurse.mutation("ticket.submit", i, ticket_submission(ward.id)) for i in ids)).json()

    assert [(r["status"], r["new_version"]) for r in body["results"]] == [("applied", 1)] * 30
    assert body["last_mutation_id"] == 30
    pulled = of(pharmacist.pull_all(), "ticket")
    assert sorted(t["id"] for t in pulled) == sorted(str(i) for i in ids)
    assert all(t["data"]["history"][0]["action"] == "submit" for t in pulled)
    with transaction(session_factory) as session:
        events = session.scalar(select(func.count()).select_from(OutboxMessage))
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ticket.submit")
        )
    assert (events, audited) == (30, 30)


def test_one_refused_ticket_in_a_batch_is_rejected_and_the_others_are_applied(
    sign_in, desktop, ward, session_factory
) -> None:
    nurse, pharmacist = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.PHARMACIST))
    ids = [uuid.uuid4() for _ in range(5)]
    unstocked = ticket_submission(ward.id)
    unstocked["lines"][0]["medication_code"] = "NOTSTOCKED"
    payloads = [ticket_submission(ward.id) for _ in ids]
    payloads[2] = unstocked
    batch = [nurse.mutation("ticket.submit", i, p) for i, p in zip(ids, payloads, strict=True)]

    body = nurse.push(*batch).json()

    assert [r["status"] for r in body["results"]] == ["applied", "applied", "rejected", "applied", "applied"]
    assert "formulary" in body["results"][2]["reason"]
    assert body["last_mutation_id"] == 5  # the queue moves on past the refusal
    pulled = sorted(t["id"] for t in of(pharmacist.pull_all(), "ticket"))
    assert pulled == sorted(str(i) for n, i in enumerate(ids) if n != 2)
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_a_batch_resending_a_ticket_already_applied_applies_it_once(sign_in, desktop, ward) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    first = uuid.uuid4()
    submission = ticket_submission(ward.id)
    nurse.push(nurse.mutation("ticket.submit", first, submission))

    # The same ticket queued again under a new number, with a new one after it.
    body = nurse.push(
        nurse.mutation("ticket.submit", first, submission),
        nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)),
    ).json()

    assert [(r["status"], r["new_version"]) for r in body["results"]] == [("applied", 1), ("applied", 1)]


def test_a_push_takes_up_to_max_push_batch_changes_and_refuses_more(sign_in, desktop, ward) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    batch = [
        nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id))
        for _ in range(MAX_PUSH_BATCH + 1)
    ]

    refused = nurse.push(*batch)
    body = nurse.push(*batch[:MAX_PUSH_BATCH]).json()

    assert refused.status_code == 422
    assert body["last_mutation_id"] == MAX_PUSH_BATCH
    assert {r["status"] for r in body["results"]} == {"applied"}
