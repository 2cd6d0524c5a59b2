"""The desk's payments: recording, refunding, the ledger, receipts and the day's cash report.

Rules:
- A payment's id is made by the desk's desktop when the money is taken; it is the ledger's primary key.
  The same id sent again with the same request answers the payment already recorded (a retry, a desktop
  that synced twice); with another request it is refused (idempotency_key_reused). Refunds likewise.
- One payment per appointment: a second is refused (already_paid) unless every earlier payment of the
  appointment was wholly refunded (then the patient pays afresh, e.g. after a wrong amount was refunded).
  A payment follows its appointment when it is rescheduled: the new time is paid already, and the old
  one (cancelled by the move) is not a refund due.
- Payments only for an appointment that exists and was neither refused nor cancelled.
- The refunds of a payment never add up to more than was paid: the payment's row is locked while a refund
  is checked and written, so two desks refunding at once queue up and the second sees the first.
- A payment of an appointment cancelled afterwards is "refund due" until wholly refunded.
- Every row, its outbox event and its change-feed record are written in the caller's transaction.
- Only the desk (schedulers) records and refunds; the desk and admins read amounts; nobody else does.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from shared.booking import AppointmentStatus
from shared.errors import ErrorCode
from shared.events import EventType
from shared.payments import (
    CURRENCY,
    CashReport,
    CashReportLine,
    EntryType,
    Fee,
    LedgerEntry,
    PaymentMethod,
    RecordPayment,
    RefundPayment,
)
from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth.models import User
from sync_server.booking.models import Appointment
from sync_server.core.actor import Actor
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from sync_server.core.outbox import emit
from sync_server.directory.models import Doctor, Patient
from sync_server.payments import printouts, repository
from sync_server.payments.feed import ledger_entry, receipt_number, record_entries
from sync_server.payments.models import ANY_TYPE, ConsultationFee, LedgerRow
from sync_server.payments.repository import Entry

# Who reads amounts; who takes and gives back money.
READERS = frozenset({Role.SCHEDULER, Role.ADMIN})
DESK = frozenset({Role.SCHEDULER})
_NOT_PAYABLE = frozenset({AppointmentStatus.REJECTED.value, AppointmentStatus.CANCELLED.value})


class IdempotencyKeyReused(Conflict):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class AlreadyPaid(Conflict):
    code = ErrorCode.ALREADY_PAID


class RefundExceedsPayment(Conflict):
    code = ErrorCode.REFUND_EXCEEDS_PAYMENT


class NotPayable(Conflict):
    code = ErrorCode.APPOINTMENT_NOT_PAYABLE


def fingerprint(what: str, request: BaseModel) -> str:
    """One text for a whole request: any change of any field makes another request. Amounts are
    normalised first (150 and "150.00" are the same money)."""
    canonical = json.dumps({"what": what, **request.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The instants a calendar day of the zone starts and ends (23 or 25 hours on a DST change).
    Raises Invalid for a day far outside any ledger's life (and datetime's range)."""
    if not date(2000, 1, 1) <= day <= date(2999, 12, 31):
        raise Invalid(f"{day.isoformat()} is not a day the ledger can have.")
    tz = ZoneInfo(zone)
    starts = datetime.combine(day, time(0), tzinfo=tz)
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return starts, ends


@dataclass(frozen=True)
class Recorded:
    entry: LedgerEntry
    created: bool  # False: the same request was answered from the ledger
    version: int  # of the entry's feed record: a payment's counts its refunds


class PaymentService:
    """The desk's payments, acting for `actor` at `now` in the caller's transaction."""

    def __init__(
        self, session: Session, *, actor: Actor, client: ClientInfo, now: datetime, settings: Settings
    ) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        self.now = now
        self.settings = settings

    # ---- who may ---------------------------------------------------------------------------------

    def _require(self, roles: frozenset[Role], what: str) -> None:
        if self.actor.role not in roles:
            names = ", ".join(sorted(r.value for r in roles))
            raise PermissionDenied(f"A {self.actor.role.value} cannot {what}; it needs one of: {names}.")

    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.settings.hospital_time_zone)).date()

    def _require_day(self, day: date) -> None:
        """Schedulers read their own day; admins any day."""
        self._require(READERS, "see amounts")
        if self.actor.role is Role.SCHEDULER and day != self.today():
            raise PermissionDenied(
                f"The desk sees today's payments ({self.today().isoformat()}); other days are for admins."
            )

    # ---- recording ---------------------------------------------------------------------------------

    def record(self, payment_id: uuid.UUID, request: RecordPayment) -> Recorded:
        """Record a payment taken at the desk. Raises NotFound (no such appointment), NotPayable,
        AlreadyPaid, IdempotencyKeyReused, PermissionDenied."""
        self._require(DESK, "take payments")
        request_print = fingerprint(EntryType.PAYMENT.value, request)
        repository.lock(self.session, f"ledger:{payment_id}")
        earlier = self._replayed(payment_id, request_print)
        if earlier is not None:
            return earlier
        appointment = self.session.get(Appointment, request.appointment_id)
        if appointment is None:
            raise NotFound("No such appointment.")
        if appointment.status in _NOT_PAYABLE:
            raise NotPayable(
                f"This appointment is {appointment.status}: it cannot be paid.",
                details={"appointment_id": str(appointment.id), "status": appointment.status},
            )
        repository.lock(self.session, f"appointment-payment:{appointment.id}")
        self._refuse_second_payment(appointment.id)
        row = LedgerRow(
            id=payment_id,
            entry_type=EntryType.PAYMENT.value,
            payment_id=payment_id,
            appointment_id=appointment.id,
            patient_id=appointment.patient_id,
            doctor_id=appointment.doctor_id,
            amount=request.amount,
            currency=CURRENCY,
            method=request.method.value,
            authorisation_number=request.authorisation_number,
            desk=request.desk,
            reason=None,
            recorded_by=self.actor.user_id,
            recorded_at=self.now,
            request_fingerprint=request_print,
        )
        self.session.add(row)
        self.session.flush()
        entry = Entry(row, Decimal("0.00"), appointment.status)
        self._publish(EventType.PAYMENT_RECORDED, row, extra={})
        record_entries(self.session, [entry], new=True)
        self._audit("payment.record", row)
        return Recorded(ledger_entry(entry), created=True, version=1)

    def refund(self, refund_id: uuid.UUID, request: RefundPayment) -> Recorded:
        """Give back all (no amount) or part of what remains of a payment. Raises NotFound,
        RefundExceedsPayment, IdempotencyKeyReused, PermissionDenied."""
        self._require(DESK, "refund payments")
        request_print = fingerprint(EntryType.REFUND.value, request)
        repository.lock(self.session, f"ledger:{refund_id}")
        earlier = self._replayed(refund_id, request_print)
        if earlier is not None:
            return earlier
        payment = repository.payment_for_update(self.session, request.payment_id)
        if payment is None:
            raise NotFound("No such payment.")
        refunded = repository.refunded_of(self.session, [payment.id]).get(payment.id, Decimal("0.00"))
        remaining = payment.amount - refunded
        amount = request.amount if request.amount is not None else remaining
        if remaining <= 0 or amount > remaining:
            raise RefundExceedsPayment(
                f"Only {remaining} {payment.currency} of this payment is left to refund."
                if remaining > 0
                else "This payment has been wholly refunded already.",
                details={"payment_id": str(payment.id), "paid": str(payment.amount), "left": str(remaining)},
            )
        row = LedgerRow(
            id=refund_id,
            entry_type=EntryType.REFUND.value,
            payment_id=payment.id,
            appointment_id=payment.appointment_id,
            patient_id=payment.patient_id,
            doctor_id=payment.doctor_id,
            amount=amount,
            currency=payment.currency,
            method=payment.method,  # money goes back the way it came
            authorisation_number=payment.authorisation_number,
            desk=request.desk,
            reason=request.reason,
            recorded_by=self.actor.user_id,
            recorded_at=self.now,
            request_fingerprint=request_print,
        )
        self.session.add(row)
        self.session.flush()
        self._publish(
            EventType.PAYMENT_REFUNDED, row, extra={"refund_id": str(row.id), "reason": request.reason}
        )
        both = repository.entries(self.session, entry_ids=[row.id, payment.id])
        record_entries(self.session, both)
        self._audit("payment.refund", row, details={"payment_id": str(payment.id), "reason": request.reason})
        refund = ledger_entry(next(e for e in both if e.row.id == row.id))
        return Recorded(refund, created=True, version=1)

    def _replayed(self, entry_id: uuid.UUID, request_print: str) -> Recorded | None:
        """The entry an earlier identical request wrote under this id (None: the id is new)."""
        earlier = repository.row(self.session, entry_id)
        if earlier is None:
            return None
        if earlier.request_fingerprint != request_print:
            raise IdempotencyKeyReused(
                "This id was already used for a different payment or refund; make a new id for a new one,"
                " or send the same request unchanged to learn its outcome.",
                details={"id": str(entry_id)},
            )
        entry = ledger_entry(repository.entries(self.session, entry_ids=[entry_id])[0])
        is_payment = entry.entry_type is EntryType.PAYMENT
        version = 1 + repository.refund_count(self.session, entry_id) if is_payment else 1
        return Recorded(entry, created=False, version=version)

    def _refuse_second_payment(self, appointment_id: uuid.UUID) -> None:
        payments = [
            e
            for e in repository.entries(
                self.session, appointment_ids=repository.moved_from(self.session, appointment_id)
            )
            if e.row.entry_type == EntryType.PAYMENT.value
        ]
        standing = [e for e in payments if e.refunded < e.row.amount]
        if standing:
            raise AlreadyPaid(
                "This appointment is paid already; refund that payment first to take another.",
                details={"payment_id": str(standing[0].row.id)},
            )

    def _publish(self, event: EventType, row: LedgerRow, *, extra: dict[str, Any]) -> None:
        emit(
            self.session,
            event_type=event.value,
            aggregate_type="payment",
            aggregate_id=row.payment_id,
            payload={
                "payment_id": str(row.payment_id),
                "appointment_id": str(row.appointment_id),
                "patient_id": str(row.patient_id),
                "doctor_id": str(row.doctor_id),
                "amount": str(row.amount),
                "currency": row.currency,
                "method": row.method,
                "desk": row.desk,
                "recorded_by": str(row.recorded_by),
                "recorded_at": row.recorded_at.isoformat(),
                "receipt_number": receipt_number(row.receipt_number),
                **extra,
            },
        )

    def _audit(self, action: str, row: LedgerRow, *, details: dict[str, Any] | None = None) -> None:
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action=action,
            entity="payment",
            entity_id=row.id,
            details={
                "amount": str(row.amount),
                "method": row.method,
                "desk": row.desk,
                "appointment_id": str(row.appointment_id),
                "receipt_number": receipt_number(row.receipt_number),
                **(details or {}),
            },
        )

    # ---- reading -----------------------------------------------------------------------------------

    def ledger(
        self, *, day: date | None, desk: str | None, appointment_id: uuid.UUID | None
    ) -> list[LedgerEntry]:
        """The entries of a day (the hospital's, today when neither day nor appointment is given), of a
        desk, of an appointment."""
        self._require(READERS, "see payments")
        if day is None and appointment_id is None:
            day = self.today()
        starts = ends = None
        if day is not None:
            self._require_day(day)
            starts, ends = day_bounds(day, self.settings.hospital_time_zone)
        found = repository.entries(
            self.session,
            starts=starts,
            ends=ends,
            desk=desk,
            # An appointment's payments include those of the times it was moved from.
            appointment_ids=None
            if appointment_id is None
            else repository.moved_from(self.session, appointment_id),
        )
        return [ledger_entry(e) for e in found]

    def refunds_due(self) -> list[LedgerEntry]:
        self._require(READERS, "see payments")
        return [ledger_entry(e) for e in repository.refunds_due(self.session)]

    def receipt(self, entry_id: uuid.UUID) -> tuple[str, bytes]:
        """The receipt of a payment or refund as a PDF, with its file name; the print is audited."""
        self._require(READERS, "print receipts")
        found = repository.entries(self.session, entry_ids=[entry_id])
        if not found:
            raise NotFound("No such payment or refund.")
        entry = found[0]
        row = entry.row
        appointment = self.session.get(Appointment, row.appointment_id)
        patient = self.session.get(Patient, row.patient_id)
        doctor = self.session.get(Doctor, row.doctor_id)
        taker = self.session.get(User, row.recorded_by)
        assert appointment is not None and patient is not None and doctor is not None  # foreign keys
        paid = None
        if row.entry_type == EntryType.REFUND.value:
            paid = repository.row(self.session, row.payment_id)
        pdf = printouts.receipt_pdf(
            printouts.ReceiptFacts(
                hospital=self.settings.hospital_name,
                entry=ledger_entry(entry),
                patient_name=patient.full_name,
                patient_mrn=patient.mrn,
                doctor_name=doctor.full_name,
                appointment_at=appointment.starts_at.astimezone(ZoneInfo(doctor.time_zone)),
                recorded_at=row.recorded_at.astimezone(ZoneInfo(self.settings.hospital_time_zone)),
                taken_by=taker.full_name if taker else "",
                payment_receipt=receipt_number(paid.receipt_number) if paid else None,
                language=str(self.settings.receipt_language),
            )
        )
        self._audit("payment.receipt_print", row)
        return f"receipt-{receipt_number(row.receipt_number)}.pdf", pdf

    def cash_report(self, *, day: date, desk: str | None) -> CashReport:
        """The day's takings per method at a desk (every desk when None), in the hospital's day: a refund
        counts on the day the money went back."""
        self._require_day(day)
        starts, ends = day_bounds(day, self.settings.hospital_time_zone)
        entries = [
            ledger_entry(e) for e in repository.entries(self.session, starts=starts, ends=ends, desk=desk)
        ]
        lines = []
        for method in PaymentMethod:
            mine = [e for e in entries if e.method is method]
            if not mine:
                continue
            taken = sum((e.amount for e in mine if e.entry_type is EntryType.PAYMENT), Decimal("0.00"))
            refunded = sum((e.amount for e in mine if e.entry_type is EntryType.REFUND), Decimal("0.00"))
            lines.append(
                CashReportLine(
                    method=method,
                    payments=sum(1 for e in mine if e.entry_type is EntryType.PAYMENT),
                    refunds=sum(1 for e in mine if e.entry_type is EntryType.REFUND),
                    taken=taken,
                    refunded=refunded,
                    net=taken - refunded,
                )
            )
        total_taken = sum((line.taken for line in lines), Decimal("0.00"))
        total_refunded = sum((line.refunded for line in lines), Decimal("0.00"))
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action="payment.cash_report",
            entity="cash_report",
            entity_id=None,
            details={"day": day.isoformat(), "desk": desk},
        )
        return CashReport(
            day=day,
            desk=desk,
            lines=lines,
            total_taken=total_taken,
            total_refunded=total_refunded,
            total_net=total_taken - total_refunded,
            entries=entries,
        )

    # ---- fees --------------------------------------------------------------------------------------

    def set_fee(self, fee: Fee) -> Fee:
        """Set (or change) a doctor's fee for an appointment type, or for any type. Admins only."""
        self._require(frozenset({Role.ADMIN}), "set fees")
        if fee.currency != CURRENCY:
            raise Invalid(f"Fees are in the hospital's currency, {CURRENCY}.")
        if self.session.get(Doctor, fee.doctor_id) is None:
            raise NotFound("No such doctor.")
        kind = fee.appointment_type or ANY_TYPE
        repository.lock(self.session, f"fee:{fee.doctor_id}:{kind}")
        row = repository.fee(self.session, doctor_id=fee.doctor_id, appointment_type=kind)
        before = None if row is None else str(row.amount)
        if row is None:
            row = ConsultationFee(doctor_id=fee.doctor_id, appointment_type=kind, currency=CURRENCY)
            self.session.add(row)
        row.amount = fee.amount
        row.set_by = self.actor.user_id
        self.session.flush()
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action="fee.set",
            entity="doctor",
            entity_id=fee.doctor_id,
            details={"appointment_type": fee.appointment_type, "amount": str(fee.amount), "before": before},
        )
        return fee_of(row)

    def fees(self, *, doctor_id: uuid.UUID | None) -> list[Fee]:
        self._require(READERS, "see fees")
        return [fee_of(row) for row in repository.fees(self.session, doctor_id=doctor_id)]

    def fee_of_appointment(self, appointment_id: uuid.UUID, *, appointment_type: str | None) -> Fee:
        """What the desk charges for this appointment: the doctor's fee for the type, else for any type."""
        self._require(READERS, "see fees")
        appointment = self.session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound("No such appointment.")
        row = repository.fee_for(
            self.session, doctor_id=appointment.doctor_id, appointment_type=appointment_type
        )
        if row is None:
            raise NotFound("No fee is set for this doctor; an admin sets it (PUT /fees).")
        return fee_of(row)


def fee_of(row: ConsultationFee) -> Fee:
    return Fee(
        doctor_id=row.doctor_id,
        appointment_type=row.appointment_type or None,
        amount=row.amount,
        currency=row.currency,
    )
