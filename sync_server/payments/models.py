"""Consultation fees and the desk's ledger.

The ledger is one append-only table: a payment is a row, a refund is another row naming the payment
(`payment_id`; a payment names itself). Migration 0014 adds a trigger that refuses UPDATE and DELETE on
it, so a row once written is the record for good. Amounts are NUMERIC(12,2), never floating point.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    Sequence,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.payments import CURRENCY, EntryType, PaymentMethod
from sync_server.core.db import Base, Timestamped

Money = Numeric(12, 2, asdecimal=True)
# Receipt numbers, one series for payments and refunds (a refund gets a receipt of its own).
RECEIPT_NUMBERS = Sequence("payment_receipt_numbers")
# A fee for any appointment type of a doctor (the API's `appointment_type: null`).
ANY_TYPE = ""


def _check_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ConsultationFee(Timestamped, Base):
    """What a consultation with a doctor costs, for one appointment type or (ANY_TYPE) any."""

    __tablename__ = "consultation_fees"
    __table_args__ = (
        UniqueConstraint("doctor_id", "appointment_type", name="uq_consultation_fees_doctor_type"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    appointment_type: Mapped[str] = mapped_column(String(64), default=ANY_TYPE)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default=CURRENCY)
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LedgerRow(Base):
    """One payment or refund. Never updated, never deleted (a trigger in PostgreSQL says so)."""

    __tablename__ = "payment_ledger"
    __table_args__ = (
        CheckConstraint(_check_in("entry_type", tuple(EntryType)), name="entry_type"),
        CheckConstraint(_check_in("method", tuple(PaymentMethod)), name="method"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint(
            "(entry_type = 'payment' AND payment_id = id AND reason IS NULL)"
            " OR (entry_type = 'refund' AND payment_id <> id AND reason IS NOT NULL)",
            name="shape",
        ),
        CheckConstraint(
            "method <> 'health_plan' OR entry_type = 'refund' OR authorisation_number IS NOT NULL",
            name="plan_number",
        ),
        Index("ix_payment_ledger_recorded", "recorded_at"),
        Index("ix_payment_ledger_payment", "payment_id"),
        Index("ix_payment_ledger_appointment", "appointment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(16))
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_ledger.id", ondelete="RESTRICT"))
    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointments.id", ondelete="RESTRICT"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doctors.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    authorisation_number: Mapped[str | None] = mapped_column(String(64))
    desk: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    receipt_number: Mapped[int] = mapped_column(
        BigInteger, RECEIPT_NUMBERS, server_default=RECEIPT_NUMBERS.next_value(), unique=True
    )
    # SHA-256 of the request that wrote the row: the same id sent again with another body is refused.
    request_fingerprint: Mapped[str] = mapped_column(String(64))

    # The receipt number comes back with RETURNING instead of a later SELECT.
    __mapper_args__ = {"eager_defaults": True}
