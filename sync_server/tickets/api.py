"""Refill ticket routes, for online clients and admins (the desktop mostly sends the same actions by push).

One route per action, POST /tickets/{ticket_id}/<action>, each taking that action's shared payload plus an
optional base_version; all of them run `TicketService.apply`, so the rules are the sync push's rules.
"""

# No `from __future__ import annotations`: the action routes are built in a loop, and FastAPI must see
# each one's body class itself, not a name it cannot resolve.

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from shared.tickets import TRANSITIONS, Priority, TicketAction, TicketStatus
from sync_server.auth.deps import Actor, CurrentActor, require
from sync_server.core.context import Client, DbSession
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.tickets.schemas import (
    ApproveTicketRequest,
    CancelTicketRequest,
    CloseTicketRequest,
    DispatchTicketRequest,
    EditTicketRequest,
    ReceiveTicketRequest,
    RejectTicketRequest,
    StartPreparationRequest,
    SubmitTicketRequest,
    TicketOut,
)
from sync_server.tickets.service import TicketService, ticket_record

router = APIRouter(tags=["tickets"])

Nurse = Annotated[Actor, Depends(require(*TRANSITIONS[TicketAction.SUBMIT].roles))]


def _out(ticket: Any) -> TicketOut:
    return TicketOut.model_validate(ticket_record(ticket))


@router.get(
    "/tickets",
    response_model=list[TicketOut],
    responses=errors(*AUTHED),
    summary="Refill tickets the caller may see",
)
def list_tickets(
    session: DbSession,
    actor: CurrentActor,
    client: Client,
    status: Annotated[list[TicketStatus] | None, Query(max_length=len(TicketStatus))] = None,
    priority: Priority | None = None,
    ward_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[TicketOut]:
    """A nurse sees her wards' tickets, the pharmacy and admins all of them; other roles get 403.
    For pharmacists the queue comes stat first, then by needed-by time."""
    found = TicketService(session, actor=actor, client=client).search(
        statuses=status,
        priority=priority.value if priority else None,
        ward_id=ward_id,
        limit=limit,
        offset=offset,
    )
    return [_out(ticket) for ticket in found]


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketOut,
    responses=errors(*AUTHED, 404),
    summary="One refill ticket with its lines and history",
)
def get_ticket(session: DbSession, actor: CurrentActor, client: Client, ticket_id: uuid.UUID) -> TicketOut:
    return _out(TicketService(session, actor=actor, client=client).get(ticket_id))


@router.post(
    "/tickets",
    response_model=TicketOut,
    status_code=201,
    responses=errors(*WITH_BODY, 409),
    summary="Submit a refill ticket (nurses, for their own wards)",
)
def submit_ticket(session: DbSession, actor: Nurse, client: Client, body: SubmitTicketRequest) -> TicketOut:
    """Sending the same submission again returns the ticket; the same id with other content is 409."""
    payload = body.model_dump(mode="json", exclude={"ticket_id"})
    service = TicketService(session, actor=actor, client=client)
    return _out(service.apply(TicketAction.SUBMIT, body.ticket_id, base_version=None, payload=payload))


_ACTION_BODIES: dict[TicketAction, type[BaseModel]] = {
    TicketAction.EDIT: EditTicketRequest,
    TicketAction.CANCEL: CancelTicketRequest,
    TicketAction.APPROVE: ApproveTicketRequest,
    TicketAction.REJECT: RejectTicketRequest,
    TicketAction.START_PREPARATION: StartPreparationRequest,
    TicketAction.DISPATCH: DispatchTicketRequest,
    TicketAction.RECEIVE: ReceiveTicketRequest,
    TicketAction.CLOSE: CloseTicketRequest,
}


def _add_action_route(action: TicketAction, body_class: type[BaseModel]) -> None:
    rule = TRANSITIONS[action]
    who = " or ".join(sorted(role.value for role in rule.roles))

    # The role is checked (a dependency) before the body, so the wrong role gets 403 whatever it sends.
    def act(
        session: DbSession,
        actor: Annotated[Actor, Depends(require(*rule.roles))],
        client: Client,
        ticket_id: uuid.UUID,
        body: body_class,  # type: ignore[valid-type]
    ) -> TicketOut:
        # Unset fields stay out, so an edit changes only what it names (a null needed_by clears it).
        payload = body.model_dump(mode="json", exclude={"base_version"}, exclude_unset=True)  # type: ignore[attr-defined]
        service = TicketService(session, actor=actor, client=client)
        ticket = service.apply(action, ticket_id, base_version=body.base_version, payload=payload)  # type: ignore[attr-defined]
        return _out(ticket)

    act.__name__ = f"ticket_{action.value}"
    act.__doc__ = (
        f"{action.value.replace('_', ' ').capitalize()} a refill ticket ({who}). 409 invalid_transition when "
        "the ticket's status does not allow it; 409 version_conflict (with the server's record in "
        "details.server_record) when an edit or approval was made on an older version."
    )
    router.post(
        f"/tickets/{{ticket_id}}/{action.value}",
        response_model=TicketOut,
        responses=errors(*WITH_BODY, 404, 409),
        summary=f"{action.value.replace('_', ' ').capitalize()} a refill ticket ({who})",
    )(act)


for _action, _body in _ACTION_BODIES.items():
    _add_action_route(_action, _body)
