"""The ledger on the change feed: every row, with amounts, to the desk's audience only (schedulers and
admins); a doctor's, nurse's or pharmacist's desktop never receives one."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy.orm import Session

from shared import privacy
from shared.payments import EntryType, LedgerEntry, PaymentMethod
from shared.protocol import Entity
from sync_server.feed.changes import record_change
from sync_server.payments import repository
from sync_server.payments.repository import REFUND_DUE_STATUSES, Entry


def receipt_number(number: int) -> str:
    return f"R-{number:06d}"


def ledger_entry(entry: Entry) -> LedgerEntry:
    """The desk's view of a ledger row (GET /payments and the feed record)."""
    row = entry.row
    is_payment = row.entry_type == EntryType.PAYMENT.value
    return LedgerEntry(
        id=row.id,
        entry_type=EntryType(row.entry_type),
        payment_id=row.payment_id,
        appointment_id=row.appointment_id,
        patient_id=row.patient_id,
        doctor_id=row.doctor_id,
        amount=row.amount,
        currency=row.currency,
        method=PaymentMethod(row.method),
        authorisation_number=row.authorisation_number,
        desk=row.desk,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at.astimezone(UTC),
        reason=row.reason,
        refunded=entry.refunded,
        receipt_number=receipt_number(row.receipt_number),
        refund_due=is_payment
        and entry.appointment_status in REFUND_DUE_STATUSES
        and entry.refunded < row.amount,
    )


def record_entries(session: Session, entries: list[Entry], *, new: bool = False) -> None:
    """Publish these rows (flushed) to the desk. A payment's version counts its refunds, so a desktop
    takes the newer state of `refunded` over an older one. `new`: rows just written, version 1."""
    for entry in entries:
        is_payment = entry.row.entry_type == EntryType.PAYMENT.value
        version = 1 if new or not is_payment else 1 + repository.refund_count(session, entry.row.id)
        record_change(
            session,
            entity=Entity.PAYMENT,
            entity_id=entry.row.id,
            version=version,
            scopes=[privacy.DESK],
            data=ledger_entry(entry).model_dump(mode="json"),
        )
