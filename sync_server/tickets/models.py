"""Medication refill tickets: the ticket, its lines and its history.

The server owns a ticket from its submission on (drafts live only on the workstation). Its `version`
increases by exactly one per applied action; the service sets it by hand (no ORM version counter, which
would count flushes instead of actions) and serialises actions on a row lock.
Quantities are guarded twice: by the service, with a message for people, and by CHECK constraints here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.rules import DispensingUnit
from shared.tickets import Priority, TicketStatus
from sync_server.core.db import Base, Timestamped


def _check_in(column: str, values: type[Priority] | type[TicketStatus] | type[DispensingUnit]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class RefillTicket(Timestamped, Base):
    """A ward's request to the pharmacy for medication."""

    __tablename__ = "refill_tickets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # made by the workstation
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id", ondelete="RESTRICT"))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    requested_by_name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(16))
    needed_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    has_discrepancy: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    lines: Mapped[list[TicketLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketLine.position"
    )
    history: Mapped[list[TicketHistory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketHistory.id"
    )

    # eager_defaults: server-set timestamps come back with RETURNING, so a record can be built at once.
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_check_in("status", TicketStatus), name="status"),
        CheckConstraint(_check_in("priority", Priority), name="priority"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_refill_tickets_ward_status", "ward_id", "status"),
        Index("ix_refill_tickets_status_needed_by", "status", "needed_by"),
    )


class TicketLine(Base):
    """One medication of a ticket. `dispatched_quantity` is the total sent so far over every dispatch."""

    __tablename__ = "ticket_lines"

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("refill_tickets.id", ondelete="CASCADE"), primary_key=True
    )
    # Made by the workstation; unique within its ticket only, so one client cannot collide with another's.
    line_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    medication_code: Mapped[str] = mapped_column(ForeignKey("medications.code", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    approved_quantity: Mapped[int | None] = mapped_column(Integer)
    approval_reason: Mapped[str | None] = mapped_column(String(500))
    dispatched_quantity: Mapped[int] = mapped_column(Integer, default=0)
    received_quantity: Mapped[int | None] = mapped_column(Integer)
    discrepancy_note: Mapped[str | None] = mapped_column(String(500))
    remainder_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint(_check_in("unit", DispensingUnit), name="unit"),
        CheckConstraint(
            "approved_quantity IS NULL OR (approved_quantity >= 0 AND approved_quantity <= quantity)",
            name="approved_quantity",
        ),
        CheckConstraint(
            "dispatched_quantity >= 0 AND dispatched_quantity <= COALESCE(approved_quantity, 0)",
            name="dispatched_quantity",
        ),
        CheckConstraint("received_quantity IS NULL OR received_quantity >= 0", name="received_quantity"),
    )


class TicketHistory(Base):
    """One applied action: who did it, in which role, and how the status moved."""

    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("refill_tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # the ticket's version after this action
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    __mapper_args__ = {"eager_defaults": True}
