"""The refill-ticket changes a desktop queues offline, as the sync push applies them: one handler per
mutation name (`HANDLERS`, registered by the composition root), and the all-at-once path for a burst of
new tickets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from shared.protocol import Mutation, MutationName
from shared.tickets import TicketAction
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.tickets.service import TicketService

# Session.info key: the ticket service of the push under way (it remembers the formulary items it read).
_SERVICE = "ticket_mutations_service"


def service_for(session: Session, actor: Actor, client: ClientInfo) -> TicketService:
    """One ticket service per push (per session and person): a batch checks hundreds of lines against
    few formulary items, read once."""
    found: TicketService | None = session.info.get(_SERVICE)
    if found is None or found.actor != actor:
        found = TicketService(session, actor=actor, client=client)
        session.info[_SERVICE] = found
    return found


def forget_service(session: Session) -> None:
    """After a rolled-back batch: what the service remembered may not exist any more."""
    session.info.pop(_SERVICE, None)


def _handler(action: TicketAction):  # type: ignore[no-untyped-def]
    def apply(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        ticket = service_for(session, actor, client).apply(
            action, mutation.entity_id, base_version=mutation.base_version, payload=mutation.payload
        )
        return ticket.version

    apply.__name__ = f"ticket_{action.value}"
    return apply


HANDLERS = {MutationName(f"ticket.{action.value}"): _handler(action) for action in TicketAction}


def submit_all(
    session: Session,
    actor: Actor,
    client: ClientInfo,
    submissions: Sequence[tuple[uuid.UUID, dict[str, Any]]],
) -> None:
    """Submit many new tickets at once (all or nothing): see TicketService.submit_new."""
    service_for(session, actor, client).submit_new(submissions)
