"""Payments at the desk (issue 13): money is an exact decimal in the hospital's currency, never a float.

The ledger is append-only: a payment is a row, a refund is another row naming it. Recording is idempotent by
construction: the payment's id is made by the desk's desktop when the payment is taken, and the server
refuses a second payment for that id (a retry, a desktop that synced twice).
Who sees amounts: the desk (schedulers record and refund) and admins (reports). Doctors and nurses see that a
consultation was paid, not how much.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CURRENCY = "BRL"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000.00")


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    PIX = "pix"
    HEALTH_PLAN = "health_plan"  # carries the plan's authorisation number


class EntryType(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


def money(value: Decimal | str | int) -> Decimal:
    """An exact amount with two places; floats are refused (0.1 + 0.2 is not money)."""
    if isinstance(value, float):
        raise TypeError("money is never a float: send a decimal string such as '150.00'")
    try:
        amount = Decimal(value)
        exact = amount.is_finite() and amount == amount.quantize(CENT)
    except (ArithmeticError, ValueError):  # not a number, or too large to have cents
        raise ValueError(f"{value!r} is not an amount such as '150.00'") from None
    if not exact:
        raise ValueError("an amount is a finite number with at most two decimal places")
    return amount.quantize(CENT)


class _Money(BaseModel):
    @field_validator("amount", mode="before", check_fields=False)
    @classmethod
    def _no_float(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError("an amount is a decimal string such as '150.00', never a float")
        return value

    @field_validator("amount", check_fields=False)
    @classmethod
    def _two_places(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else money(value)


class RecordPayment(_Money):
    """Payload of `payment.record` (and POST /payments); the entity id is the payment's id."""

    model_config = ConfigDict(extra="forbid")

    appointment_id: uuid.UUID
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    method: PaymentMethod
    authorisation_number: str | None = Field(default=None, min_length=1, max_length=64)
    desk: str = Field(min_length=1, max_length=64, description="The desk (till) that took the money")

    @model_validator(mode="after")
    def _plan_needs_number(self) -> RecordPayment:
        if self.method is PaymentMethod.HEALTH_PLAN and not self.authorisation_number:
            raise ValueError("a health-plan payment needs the plan's authorisation number")
        return self


class RefundPayment(_Money):
    """Payload of `payment.refund` (and POST /payments/{id}/refunds); the entity id is the refund's id.
    `amount` absent: whatever of the payment is not refunded yet."""

    model_config = ConfigDict(extra="forbid")

    payment_id: uuid.UUID
    amount: Decimal | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    reason: str = Field(min_length=3, max_length=500)
    desk: str = Field(min_length=1, max_length=64)


class LedgerEntry(BaseModel):
    """One row of the ledger as the desk sees it (feed record `payment`, GET /payments)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    entry_type: EntryType
    payment_id: uuid.UUID = Field(description="For a payment its own id; for a refund the payment refunded")
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    amount: Decimal
    currency: str = CURRENCY
    method: PaymentMethod
    authorisation_number: str | None = None
    desk: str
    recorded_by: uuid.UUID
    recorded_at: datetime
    reason: str | None = None
    refunded: Decimal = Decimal("0.00")
    receipt_number: str | None = Field(default=None, description="Printed on the receipt, e.g. R-000042")
    refund_due: bool = Field(
        default=False, description="A payment whose appointment was cancelled and not yet wholly refunded"
    )


class Fee(_Money):
    """The price of a consultation: per doctor, optionally per appointment type (None: any type)."""

    model_config = ConfigDict(extra="forbid")

    doctor_id: uuid.UUID
    appointment_type: str | None = None
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    currency: str = CURRENCY


class CashReportLine(BaseModel):
    method: PaymentMethod
    payments: int
    refunds: int
    taken: Decimal
    refunded: Decimal
    net: Decimal


class CashReport(BaseModel):
    """The day's cash report per desk (GET /reports/cash?day=&desk=; also as CSV and PDF)."""

    day: date
    desk: str | None
    currency: str = CURRENCY
    lines: list[CashReportLine]
    total_taken: Decimal
    total_refunded: Decimal
    total_net: Decimal
    entries: list[LedgerEntry]
