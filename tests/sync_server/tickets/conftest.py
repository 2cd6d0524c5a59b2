"""A hospital with two wards, their nurses, a pharmacy and a small formulary, for refill ticket tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from shared.tickets import TicketAction
from sync_server.auth.deps import Actor
from sync_server.auth.models import User
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.directory.models import Medication, Ward
from sync_server.staff_notifications.models import Notification
from sync_server.tickets.service import TicketService, ticket_record

CLIENT = ClientInfo(address="127.0.0.1", name="ticket-tests")


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        session_id=uuid.uuid4(),
        ward_ids=frozenset(user.ward_ids),
        doctor_id=user.doctor_id,
    )


@dataclass
class Hospital:
    ward: Ward
    other_ward: Ward
    nurse: User
    colleague: User  # another nurse of the same ward
    other_nurse: User  # a nurse of the other ward only
    pharmacist: User
    second_pharmacist: User
    doctor: User


@pytest.fixture
def formulary(session_factory: sessionmaker[Session]) -> list[Medication]:
    with transaction(session_factory) as session:
        items = [
            Medication(code="PARA500", name="Paracetamol", form="tablet", strength="500 mg", unit="tablet"),
            Medication(code="AMOX500", name="Amoxicillin", form="capsule", strength="500 mg", unit="capsule"),
            Medication(code="MORPH10", name="Morphine", form="injection", strength="10 mg", unit="ampoule"),
            # Withdrawn from the formulary:
            Medication(code="RANI150", name="Ranitidine", form="tablet", strength="150 mg", unit="tablet",
                       active=False),
        ]
        session.add_all(items)
    return items


@pytest.fixture
def hospital(
    session_factory: sessionmaker[Session],
    ward: Ward,
    make_user: Callable[..., User],
    formulary: list[Medication],
) -> Hospital:
    with transaction(session_factory) as session:
        other_ward = Ward(code="W5", name="Ward 5 - Surgery", floor="5")
        session.add(other_ward)
    return Hospital(
        ward=ward,
        other_ward=other_ward,
        nurse=make_user(Role.NURSE, username="nurse-joana"),
        colleague=make_user(Role.NURSE, username="nurse-marta"),
        other_nurse=make_user(Role.NURSE, username="nurse-rita", ward_ids=[other_ward.id]),
        pharmacist=make_user(Role.PHARMACIST, username="pharm-luis"),
        second_pharmacist=make_user(Role.PHARMACIST, username="pharm-sara"),
        doctor=make_user(Role.DOCTOR, username="dr-costa"),
    )


Act = Callable[..., dict[str, Any]]


@pytest.fixture
def act(session_factory: sessionmaker[Session]) -> Act:
    """Run one ticket action as `user` in its own transaction; the ticket's record afterwards."""

    def _act(
        user: User,
        action: TicketAction,
        ticket_id: uuid.UUID,
        payload: dict[str, Any],
        *,
        base_version: int | None = None,
    ) -> dict[str, Any]:
        with transaction(session_factory) as session:
            service = TicketService(session, actor=actor_of(user), client=CLIENT)
            ticket = service.apply(action, ticket_id, base_version=base_version, payload=payload)
            return ticket_record(ticket)

    return _act


def submission(ward_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """A routine ticket for 30 paracetamol tablets and 20 amoxicillin capsules."""
    payload: dict[str, Any] = {
        "ward_id": str(ward_id),
        "priority": "routine",
        "notes": "weekly top-up",
        "lines": [
            {"line_id": str(uuid.uuid4()), "medication_code": "PARA500", "quantity": 30, "unit": "tablet"},
            {"line_id": str(uuid.uuid4()), "medication_code": "AMOX500", "quantity": 20, "unit": "capsule"},
        ],
    }
    payload.update(overrides)
    return payload


def line_ids(record: dict[str, Any]) -> list[str]:
    return [line["line_id"] for line in record["lines"]]


def events_of(session_factory: sessionmaker[Session], ticket_id: uuid.UUID | str) -> list[OutboxMessage]:
    with transaction(session_factory) as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.aggregate_type == "ticket", OutboxMessage.aggregate_id == str(ticket_id))
            .order_by(OutboxMessage.id)
        )
        return list(session.scalars(query))


def notifications_of(session_factory: sessionmaker[Session], user: User) -> list[Notification]:
    with transaction(session_factory) as session:
        query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at)
        return list(session.scalars(query))
