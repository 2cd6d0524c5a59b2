"""Payment request bodies of the HTTP API: the shared payloads plus the id the desk made."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from shared.payments import LedgerEntry, RecordPayment, RefundPayment


class RecordPaymentIn(RecordPayment):
    """POST /payments: the payment's id is made by the desk when it takes the money (send it again,
    unchanged, after a lost answer: the payment is recorded once)."""

    payment_id: uuid.UUID

    def request(self) -> RecordPayment:
        return RecordPayment(**self.model_dump(exclude={"payment_id"}))


class RefundIn(RefundPayment):
    """POST /payments/{id}/refunds: the refund's id is made by the desk; no amount: all that is left.
    The payment is the one in the path (`payment_id` may be left out)."""

    refund_id: uuid.UUID
    payment_id: uuid.UUID | None = None  # type: ignore[assignment]

    def request(self, payment_id: uuid.UUID) -> RefundPayment:
        fields = self.model_dump(exclude={"refund_id", "payment_id"})
        return RefundPayment(**fields, payment_id=payment_id)


class RecordedOut(BaseModel):
    entry: LedgerEntry
    replayed: bool = Field(description="True: this id was recorded before; this is that record")
