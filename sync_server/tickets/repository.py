"""Every query the refill tickets need."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from shared.roles import Role
from shared.tickets import PRIORITY_RANK
from sync_server.auth.models import User
from sync_server.core.bulk import insert_rows
from sync_server.directory.models import Medication
from sync_server.tickets.models import RefillTicket, TicketHistory, TicketLine


def ticket(session: Session, ticket_id: uuid.UUID, *, for_update: bool = False) -> RefillTicket | None:
    """The ticket; with `for_update`, locked until the transaction ends so actions on it run one at a time."""
    if for_update:
        return session.get(RefillTicket, ticket_id, with_for_update=True, populate_existing=True)
    return session.get(RefillTicket, ticket_id)


def insert_new_tickets(session: Session, tickets: Sequence[RefillTicket]) -> None:
    """INSERT new tickets (built but not added to the session) with their lines and history: one
    statement per table, bypassing the ORM's unit of work. Raises IntegrityError for an id already taken.
    The session does not learn of these rows: load them again to act on them."""
    insert_rows(session, RefillTicket, [_columns(t) for t in tickets])
    lines = [_columns(line) for t in tickets for line in t.lines]
    insert_rows(session, TicketLine, lines)
    history = [_columns(entry, skip=("id",)) for t in tickets for entry in t.history]
    insert_rows(session, TicketHistory, history)


def _columns(row: RefillTicket | TicketLine | TicketHistory, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The mapped columns of an ORM object as a row (column name: value)."""
    mapper = row.__mapper__
    return {
        column.name: getattr(row, attribute.key)
        for attribute in mapper.column_attrs
        for column in attribute.columns
        if column.name not in skip
    }


def medications(session: Session, codes: Iterable[str]) -> dict[str, Medication]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {m.code: m for m in session.scalars(select(Medication).where(Medication.code.in_(wanted)))}


def active_pharmacists(session: Session) -> list[uuid.UUID]:
    query = select(User.id).where(User.role == Role.PHARMACIST, User.active.is_(True)).order_by(User.id)
    return list(session.scalars(query))


_PRIORITY_ORDER = case(
    {priority.value: rank for priority, rank in PRIORITY_RANK.items()}, value=RefillTicket.priority, else_=9
)


def list_tickets(
    session: Session,
    *,
    ward_ids: Collection[uuid.UUID] | None,
    statuses: Collection[str] | None,
    priority: str | None,
    ward_id: uuid.UUID | None,
    pharmacy_order: bool,
    limit: int,
    offset: int,
) -> list[RefillTicket]:
    """Tickets matching the filters; `ward_ids` None means every ward.

    Pharmacy order puts stat first, then the earliest needed-by (none last); otherwise newest first.
    """
    query = select(RefillTicket)
    if ward_ids is not None:
        query = query.where(RefillTicket.ward_id.in_(list(ward_ids)))
    if statuses:
        query = query.where(RefillTicket.status.in_(list(statuses)))
    if priority is not None:
        query = query.where(RefillTicket.priority == priority)
    if ward_id is not None:
        query = query.where(RefillTicket.ward_id == ward_id)
    if pharmacy_order:
        query = query.order_by(
            _PRIORITY_ORDER,
            RefillTicket.needed_by.asc().nulls_last(),
            RefillTicket.submitted_at,
            RefillTicket.id,
        )
    else:
        query = query.order_by(RefillTicket.submitted_at.desc(), RefillTicket.id)
    return list(session.scalars(query.limit(limit).offset(offset)))
