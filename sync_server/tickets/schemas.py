"""What the refill ticket routes accept and answer.

Inputs are the shared payload models (shared/tickets.py, the same ones a sync push carries) plus what the
HTTP form needs: the client-made id for a submission, the version the change was made on for the rest.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from shared.tickets import (
    ApproveTicket,
    CancelTicket,
    CloseTicket,
    DispatchTicket,
    EditTicket,
    ReceiveTicket,
    RejectTicket,
    StartPreparation,
    SubmitTicket,
)

BaseVersion = Field(
    default=None, ge=0, le=2**62, description="The ticket version this change was made on (see the errors)"
)


class SubmitTicketRequest(SubmitTicket):
    ticket_id: uuid.UUID = Field(description="Made by the client; resending the same submission is harmless")


class EditTicketRequest(EditTicket):
    base_version: int | None = BaseVersion


class CancelTicketRequest(CancelTicket):
    base_version: int | None = BaseVersion


class ApproveTicketRequest(ApproveTicket):
    base_version: int | None = BaseVersion


class RejectTicketRequest(RejectTicket):
    base_version: int | None = BaseVersion


class StartPreparationRequest(StartPreparation):
    base_version: int | None = BaseVersion


class DispatchTicketRequest(DispatchTicket):
    base_version: int | None = BaseVersion


class ReceiveTicketRequest(ReceiveTicket):
    base_version: int | None = BaseVersion


class CloseTicketRequest(CloseTicket):
    base_version: int | None = BaseVersion


class TicketLineOut(BaseModel):
    line_id: uuid.UUID
    medication_code: str
    quantity: int
    unit: str
    approved_quantity: int | None
    approval_reason: str | None
    dispatched_quantity: int = Field(description="Sent so far, over every dispatch")
    received_quantity: int | None
    discrepancy_note: str | None
    remainder_cancelled: bool


class TicketHistoryOut(BaseModel):
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    actor_role: str
    action: str
    from_status: str
    to_status: str
    version: int


class TicketOut(BaseModel):
    """A ticket as `ticket_record` gives it (the same data the change feed carries)."""

    id: uuid.UUID
    ward_id: uuid.UUID
    requested_by: uuid.UUID
    requested_by_name: str
    priority: str
    needed_by: datetime | None
    notes: str
    status: str
    version: int
    has_discrepancy: bool
    submitted_at: datetime
    created_at: datetime
    updated_at: datetime
    rejection_reason: str | None
    cancel_reason: str | None
    lines: list[TicketLineOut]
    history: list[TicketHistoryOut]
