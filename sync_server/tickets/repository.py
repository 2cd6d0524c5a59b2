"""Every query the refill tickets need."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from shared.roles import Role
from shared.tickets import PRIORITY_RANK
from sync_server.auth.models import User
from sync_server.directory.models import Medication
from sync_server.tickets.models import RefillTicket


def ticket(session: Session, ticket_id: uuid.UUID, *, for_update: bool = False) -> RefillTicket | None:
    """The ticket; with `for_update`, locked until the transaction ends so actions on it run one at a time."""
    if for_update:
        return session.get(RefillTicket, ticket_id, with_for_update=True, populate_existing=True)
    return session.get(RefillTicket, ticket_id)


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
