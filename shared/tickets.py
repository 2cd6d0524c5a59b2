"""Medication refill tickets: states, who may move them where, and the payloads of their mutations.

Ownership (as open-mSupply does it): a draft belongs to the workstation that made it and never leaves
it; once submitted, the server owns the ticket's status. A partial dispatch that keeps the remainder
open leaves the ticket in preparation (the dispatched quantities are recorded per line); the dispatch
that sends the rest, or cancels it, moves the ticket to dispatched. Statuses only move forward.
The desktop uses `allowed_actions` to decide which buttons to show, the server uses `check_transition`
to decide what to accept: one rule, two ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.roles import Role
from shared.rules import DispensingUnit

MAX_LINES = 50
MAX_QUANTITY = 100_000

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class TicketStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PREPARATION = "in_preparation"
    DISPATCHED = "dispatched"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    STAT = "stat"


PRIORITY_RANK = {Priority.STAT: 0, Priority.URGENT: 1, Priority.ROUTINE: 2}


class TicketAction(StrEnum):
    SUBMIT = "submit"
    EDIT = "edit"
    CANCEL = "cancel"
    APPROVE = "approve"
    REJECT = "reject"
    START_PREPARATION = "start_preparation"
    DISPATCH = "dispatch"
    RECEIVE = "receive"
    CLOSE = "close"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[TicketStatus]
    target: TicketStatus | None  # None: the status does not change (edit)
    roles: frozenset[Role]


_NURSE = frozenset({Role.NURSE})
_PHARMACY = frozenset({Role.PHARMACIST})
TRANSITIONS: dict[TicketAction, Transition] = {
    TicketAction.SUBMIT: Transition(frozenset({TicketStatus.DRAFT}), TicketStatus.SUBMITTED, _NURSE),
    TicketAction.EDIT: Transition(frozenset({TicketStatus.SUBMITTED}), None, _NURSE),
    TicketAction.CANCEL: Transition(frozenset({TicketStatus.SUBMITTED}), TicketStatus.CANCELLED, _NURSE),
    TicketAction.APPROVE: Transition(frozenset({TicketStatus.SUBMITTED}), TicketStatus.APPROVED, _PHARMACY),
    TicketAction.REJECT: Transition(frozenset({TicketStatus.SUBMITTED}), TicketStatus.REJECTED, _PHARMACY),
    TicketAction.START_PREPARATION: Transition(
        frozenset({TicketStatus.APPROVED}), TicketStatus.IN_PREPARATION, _PHARMACY
    ),
    TicketAction.DISPATCH: Transition(
        frozenset({TicketStatus.APPROVED, TicketStatus.IN_PREPARATION}), TicketStatus.DISPATCHED, _PHARMACY
    ),
    TicketAction.RECEIVE: Transition(frozenset({TicketStatus.DISPATCHED}), TicketStatus.RECEIVED, _NURSE),
    TicketAction.CLOSE: Transition(
        frozenset({TicketStatus.RECEIVED}), TicketStatus.CLOSED, frozenset({Role.NURSE, Role.PHARMACIST})
    ),
}

TERMINAL = frozenset({TicketStatus.REJECTED, TicketStatus.CLOSED, TicketStatus.CANCELLED})


class TransitionRefused(ValueError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def check_transition(action: TicketAction, *, status: TicketStatus, role: Role) -> TicketStatus:
    """The status after `action`, or TransitionRefused saying why a person in `role` cannot do it now."""
    rule = TRANSITIONS[action]
    if role not in rule.roles:
        raise TransitionRefused(
            "permission_denied", f"A {role.value} cannot {action.value.replace('_', ' ')} a ticket."
        )
    if status not in rule.sources:
        # "Cancelled" is the nurse's own doing, not the pharmacy's: it gets the plain message below.
        if action is TicketAction.CANCEL and status not in (TicketStatus.DRAFT, TicketStatus.CANCELLED):
            raise TransitionRefused(
                "invalid_transition",
                f"The pharmacy has already acted on this ticket (it is {status.value.replace('_', ' ')}), "
                "so it can no longer be cancelled; contact the pharmacy.",
            )
        raise TransitionRefused(
            "invalid_transition",
            f"A ticket that is {status.value.replace('_', ' ')} cannot be {_past(action)}.",
        )
    return rule.target or status


def allowed_actions(*, status: TicketStatus, role: Role) -> list[TicketAction]:
    return [a for a, rule in TRANSITIONS.items() if status in rule.sources and role in rule.roles]


def _past(action: TicketAction) -> str:
    return {
        TicketAction.SUBMIT: "submitted",
        TicketAction.EDIT: "edited",
        TicketAction.CANCEL: "cancelled",
        TicketAction.APPROVE: "approved",
        TicketAction.REJECT: "rejected",
        TicketAction.START_PREPARATION: "put in preparation",
        TicketAction.DISPATCH: "dispatched",
        TicketAction.RECEIVE: "received",
        TicketAction.CLOSE: "closed",
    }[action]


# ---- payloads of the ticket mutations (shared.protocol.MutationName.TICKET_*) ----


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
QuantityOrNone = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]


class TicketLineIn(_Strict):
    line_id: uuid.UUID
    medication_code: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=32)
    ]
    quantity: Quantity
    unit: DispensingUnit


class SubmitTicket(_Strict):
    ward_id: uuid.UUID
    priority: Priority = Priority.ROUTINE
    needed_by: datetime | None = None
    notes: Text = ""
    lines: list[TicketLineIn] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _distinct_lines(self) -> SubmitTicket:
        if len({line.line_id for line in self.lines}) != len(self.lines):
            raise ValueError("each line needs its own line_id")
        if len({line.medication_code for line in self.lines}) != len(self.lines):
            raise ValueError("a medication appears on two lines; put the whole quantity on one line")
        if self.needed_by is not None and self.needed_by.tzinfo is None:
            raise ValueError("needed_by must include a time zone")
        return self


class EditTicket(_Strict):
    priority: Priority | None = None
    needed_by: datetime | None = None
    notes: Text | None = None
    lines: list[TicketLineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)


class CancelTicket(_Strict):
    reason: Reason


class ApprovedLine(_Strict):
    line_id: uuid.UUID
    approved_quantity: QuantityOrNone
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ApproveTicket(_Strict):
    lines: list[ApprovedLine] = Field(min_length=1, max_length=MAX_LINES)
    note: Text = ""


class RejectTicket(_Strict):
    reason: Reason


class StartPreparation(_Strict):
    pass


class DispatchedLine(_Strict):
    """What this dispatch sends of a line; the server keeps the line's running total."""

    line_id: uuid.UUID
    dispatched_quantity: QuantityOrNone


class DispatchTicket(_Strict):
    lines: list[DispatchedLine] = Field(min_length=1, max_length=MAX_LINES)
    remainder: Literal["keep_open", "cancel"] = "cancel"
    note: Text = ""


class ReceivedLine(_Strict):
    line_id: uuid.UUID
    received_quantity: QuantityOrNone
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ReceiveTicket(_Strict):
    lines: list[ReceivedLine] = Field(min_length=1, max_length=MAX_LINES)


class CloseTicket(_Strict):
    note: Text = ""


PAYLOADS: dict[TicketAction, type[BaseModel]] = {
    TicketAction.SUBMIT: SubmitTicket,
    TicketAction.EDIT: EditTicket,
    TicketAction.CANCEL: CancelTicket,
    TicketAction.APPROVE: ApproveTicket,
    TicketAction.REJECT: RejectTicket,
    TicketAction.START_PREPARATION: StartPreparation,
    TicketAction.DISPATCH: DispatchTicket,
    TicketAction.RECEIVE: ReceiveTicket,
    TicketAction.CLOSE: CloseTicket,
}
