"""Every SQL query of payments: fees, the ledger's rows with what was refunded of them, and the locks that
make recording and refunding safe when two desks (or one desktop twice) act at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session, aliased

from shared.booking import AppointmentStatus
from shared.payments import CENT, EntryType
from sync_server.booking.models import Appointment
from sync_server.payments.models import ANY_TYPE, ConsultationFee, LedgerRow

# Appointments whose payment is owed back to the patient.
REFUND_DUE_STATUSES = (AppointmentStatus.CANCELLED.value, AppointmentStatus.REJECTED.value)


def lock(session: Session, key: str) -> None:
    """Serialise, until the transaction ends, every transaction that locks the same key."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def row(session: Session, entry_id: uuid.UUID) -> LedgerRow | None:
    return session.get(LedgerRow, entry_id, populate_existing=True)


def payment_for_update(session: Session, payment_id: uuid.UUID) -> LedgerRow | None:
    """The payment, its row locked until the transaction ends (two refunds of it queue up here)."""
    query = (
        select(LedgerRow)
        .where(LedgerRow.id == payment_id, LedgerRow.entry_type == EntryType.PAYMENT.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one_or_none()


def refunded_of(session: Session, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """What has been refunded of each payment (absent: nothing)."""
    if not payment_ids:
        return {}
    query = (
        select(LedgerRow.payment_id, func.sum(LedgerRow.amount))
        .where(LedgerRow.entry_type == EntryType.REFUND.value, LedgerRow.payment_id.in_(payment_ids))
        .group_by(LedgerRow.payment_id)
    )
    return {payment_id: total for payment_id, total in session.execute(query)}


def refund_count(session: Session, payment_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        LedgerRow.entry_type == EntryType.REFUND.value, LedgerRow.payment_id == payment_id
    )
    return int(session.scalar(query) or 0)


# Hops followed along a chain of reschedules (a real chain is a handful long).
_MAX_MOVES = 50


def moved_from(session: Session, appointment_id: uuid.UUID) -> list[uuid.UUID]:
    """The appointment and those it was rescheduled from, newest first: a payment of an earlier one
    pays for this one."""
    chain = [appointment_id]
    while len(chain) < _MAX_MOVES:
        earlier = session.scalar(select(Appointment.rescheduled_from_id).where(Appointment.id == chain[-1]))
        if earlier is None or earlier in chain:
            break
        chain.append(earlier)
    return chain


def _status_after_moves(session: Session, appointment_id: uuid.UUID) -> str:
    """The status of the appointment this one was (perhaps repeatedly) rescheduled to."""
    seen: set[uuid.UUID] = set()
    current = appointment_id
    status = ""
    while current not in seen and len(seen) < _MAX_MOVES:
        seen.add(current)
        found = session.execute(
            select(Appointment.status, Appointment.rescheduled_to_id).where(Appointment.id == current)
        ).one()
        status, moved_to = found
        if moved_to is None:
            break
        current = moved_to
    return str(status)


@dataclass(frozen=True)
class Entry:
    """A ledger row with what the desk needs beside it."""

    row: LedgerRow
    refunded: Decimal  # of a payment: its refunds so far; of a refund: 0
    appointment_status: str  # of the appointment it pays for now (after any reschedules)


def _entries(session: Session, *conditions: object) -> list[Entry]:
    refunds = aliased(LedgerRow)
    refunded = (
        select(func.coalesce(func.sum(refunds.amount), 0))
        .where(refunds.payment_id == LedgerRow.id, refunds.entry_type == EntryType.REFUND.value)
        .correlate(LedgerRow)
        .scalar_subquery()
    )
    query = (
        select(LedgerRow, refunded, Appointment.status, Appointment.rescheduled_to_id)
        .join(Appointment, Appointment.id == LedgerRow.appointment_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(LedgerRow.recorded_at, LedgerRow.receipt_number)
    )
    found = []
    for ledger_row, refunded_amount, status, moved_to in session.execute(query).all():
        if moved_to is not None:  # a payment follows its appointment when it is rescheduled
            status = _status_after_moves(session, moved_to)
        is_payment = ledger_row.entry_type == EntryType.PAYMENT.value
        refunded_so_far = Decimal(refunded_amount).quantize(CENT) if is_payment else Decimal("0.00")
        found.append(Entry(ledger_row, refunded_so_far, status))
    return found


def entries(
    session: Session,
    *,
    starts: datetime | None = None,
    ends: datetime | None = None,
    desk: str | None = None,
    appointment_ids: list[uuid.UUID] | None = None,
    entry_ids: list[uuid.UUID] | None = None,
) -> list[Entry]:
    """Ledger rows recorded in [starts, ends), at a desk, of these appointments, or with these ids; in
    the order they were recorded."""
    conditions = []
    if starts is not None:
        conditions.append(LedgerRow.recorded_at >= starts)
    if ends is not None:
        conditions.append(LedgerRow.recorded_at < ends)
    if desk is not None:
        conditions.append(LedgerRow.desk == desk)
    if appointment_ids is not None:
        conditions.append(LedgerRow.appointment_id.in_(appointment_ids))
    if entry_ids is not None:
        conditions.append(LedgerRow.id.in_(entry_ids))
    return _entries(session, *conditions)


def refunds_due(session: Session) -> list[Entry]:
    """Payments of cancelled (or refused) appointments not yet wholly refunded (a payment of an
    appointment that was rescheduled follows it to its new time)."""
    found = _entries(
        session,
        and_(
            LedgerRow.entry_type == EntryType.PAYMENT.value,
            Appointment.status.in_(REFUND_DUE_STATUSES),
        ),
    )
    return [
        entry
        for entry in found
        if entry.appointment_status in REFUND_DUE_STATUSES and entry.refunded < entry.row.amount
    ]


# ---- fees -------------------------------------------------------------------------------------------


def fees(session: Session, *, doctor_id: uuid.UUID | None = None) -> list[ConsultationFee]:
    query = select(ConsultationFee).order_by(ConsultationFee.doctor_id, ConsultationFee.appointment_type)
    if doctor_id is not None:
        query = query.where(ConsultationFee.doctor_id == doctor_id)
    return list(session.scalars(query))


def fee(session: Session, *, doctor_id: uuid.UUID, appointment_type: str) -> ConsultationFee | None:
    query = select(ConsultationFee).where(
        ConsultationFee.doctor_id == doctor_id, ConsultationFee.appointment_type == appointment_type
    )
    return session.scalars(query).one_or_none()


def fee_for(
    session: Session, *, doctor_id: uuid.UUID, appointment_type: str | None
) -> ConsultationFee | None:
    """The doctor's fee for this appointment type, else his fee for any type."""
    if appointment_type:
        specific = fee(session, doctor_id=doctor_id, appointment_type=appointment_type)
        if specific is not None:
            return specific
    return fee(session, doctor_id=doctor_id, appointment_type=ANY_TYPE)
