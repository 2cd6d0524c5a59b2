"""The desk's ledger from the cache, without Qt: the pulled `payment` records (tables of migration 0007),
the payments and refunds taken here still waiting to sync, and the day's cash report per desk.

Amounts are Decimals from end to end: typed text goes through `parse_amount` and `shared.payments.money`,
never through float. A payment's id is made here when it is taken, so the server records it once however
often the outbox sends it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Column, Index, String, Table, and_, select
from sqlalchemy.engine import Connection

from desktop.store import LocalStore, OutboxEntry, schema
from shared.payments import (
    CURRENCY,
    MAX_AMOUNT,
    CashReport,
    CashReportLine,
    EntryType,
    LedgerEntry,
    PaymentMethod,
    RecordPayment,
    RefundPayment,
    money,
)
from shared.protocol import Entity, MutationName

log = logging.getLogger(__name__)

ledger_entries = Table(
    "ledger_entries",
    schema.metadata,
    Column("id", String(36), primary_key=True),
    Column("payment_id", String(36), nullable=False),
    Column("appointment_id", String(36), nullable=False),
    Column("patient_id", String(36), nullable=False),
    Column("desk", String(64), nullable=False),
    Column("entry_type", String(16), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Index("ix_ledger_entries_appointment", "appointment_id"),
    Index("ix_ledger_entries_patient", "patient_id"),
    Index("ix_ledger_entries_desk_day", "desk", "recorded_at"),
)

PAYMENT_MUTATIONS = (MutationName.PAYMENT_RECORD.value, MutationName.PAYMENT_REFUND.value)
_SHOWN_STATES = ("queued", "sent", "rejected", "conflict", "applied")


# ---- typed amounts ----


class AmountProblem(StrEnum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    SEPARATORS = "separators"  # thousands separators, or the other decimal mark
    DECIMALS = "decimals"  # more than two decimal places
    NOT_POSITIVE = "not_positive"
    TOO_LARGE = "too_large"


class AmountRefused(ValueError):
    """Typed text that is not an amount of money; `problem` says what is wrong (the UI words it)."""

    def __init__(self, problem: AmountProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


_AMOUNT = re.compile(r"(?P<units>\d+)(?:(?P<mark>[.,])(?P<cents>\d+))?")


def parse_amount(text: str, *, decimal_point: str = ".") -> Decimal:
    """An amount typed at the desk: digits, and at most two decimals after the locale's decimal mark
    ("150", "150.5", "150,50" in Brazil). Thousands separators are refused rather than guessed: "12,345"
    is twelve thousand in one locale and twelve with three decimals in another.

    Raises AmountRefused."""
    typed = text.strip().removeprefix("R$").strip()
    if not typed:
        raise AmountRefused(AmountProblem.EMPTY)
    if typed.startswith("-"):
        raise AmountRefused(AmountProblem.NOT_POSITIVE)
    found = _AMOUNT.fullmatch(typed)
    if found is None:
        if re.fullmatch(r"[\d.,\s]+", typed):
            raise AmountRefused(AmountProblem.SEPARATORS)
        raise AmountRefused(AmountProblem.NOT_A_NUMBER)
    if found["mark"] is not None and found["mark"] != decimal_point:
        raise AmountRefused(AmountProblem.SEPARATORS)
    if found["cents"] is not None and len(found["cents"]) > 2:
        raise AmountRefused(AmountProblem.SEPARATORS if len(found["cents"]) == 3 else AmountProblem.DECIMALS)
    try:
        amount = money(f"{found['units']}.{found['cents'] or '0'}")
    except (InvalidOperation, ValueError):
        raise AmountRefused(AmountProblem.NOT_A_NUMBER) from None
    if amount <= 0:
        raise AmountRefused(AmountProblem.NOT_POSITIVE)
    if amount > MAX_AMOUNT:
        raise AmountRefused(AmountProblem.TOO_LARGE)
    return amount


# ---- the ledger as the desk sees it ----


@dataclass(frozen=True)
class DeskEntry:
    """A payment or refund: pulled from the server (`waiting` None), or taken here and not synced yet."""

    id: uuid.UUID
    entry_type: EntryType
    payment_id: uuid.UUID
    appointment_id: uuid.UUID | None
    amount: Decimal | None  # None: a full refund queued here (the server works out what was left)
    method: PaymentMethod | None
    desk: str
    recorded_at: datetime
    authorisation_number: str | None = None
    reason: str | None = None
    refunded: Decimal = Decimal("0.00")
    refund_due: bool = False  # the server says: the visit was cancelled, the money goes back
    waiting: str | None = None  # "queued", "sent" (accepted, not pulled yet), "refused"
    refusal: str | None = None

    @property
    def refundable(self) -> Decimal:
        """What of a payment can still be refunded (nothing for a refund, or one not synced yet)."""
        if self.entry_type is not EntryType.PAYMENT or self.waiting is not None or self.amount is None:
            return Decimal("0.00")
        return max(self.amount - self.refunded, Decimal("0.00"))


def _pulled(data: dict[str, Any]) -> DeskEntry | None:
    try:
        entry = LedgerEntry.model_validate(data)
    except ValidationError:
        log.warning("a ledger row the desktop cannot read was skipped: %r", data.get("id"))
        return None
    return DeskEntry(
        id=entry.id,
        entry_type=entry.entry_type,
        payment_id=entry.payment_id,
        appointment_id=entry.appointment_id,
        amount=entry.amount,
        method=entry.method,
        desk=entry.desk,
        recorded_at=entry.recorded_at,
        authorisation_number=entry.authorisation_number,
        reason=entry.reason,
        refunded=entry.refunded,
        refund_due=entry.refund_due,
    )


def _waiting(row: Any, *, payments: dict[uuid.UUID, DeskEntry]) -> DeskEntry | None:
    payload = row.payload or {}
    state = {"queued": "queued", "sent": "queued", "applied": "sent"}.get(row.state, "refused")
    try:
        if row.name == MutationName.PAYMENT_RECORD.value:
            record = RecordPayment.model_validate(payload)
            return DeskEntry(
                id=uuid.UUID(str(row.entity_id)),
                entry_type=EntryType.PAYMENT,
                payment_id=uuid.UUID(str(row.entity_id)),
                appointment_id=record.appointment_id,
                amount=record.amount,
                method=record.method,
                desk=record.desk,
                recorded_at=row.made_at,
                authorisation_number=record.authorisation_number,
                waiting=state,
                refusal=row.reason if state == "refused" else None,
            )
        refund = RefundPayment.model_validate(payload)
    except ValidationError:
        return None
    paid = payments.get(refund.payment_id)
    return DeskEntry(
        id=uuid.UUID(str(row.entity_id)),
        entry_type=EntryType.REFUND,
        payment_id=refund.payment_id,
        appointment_id=paid.appointment_id if paid else None,
        amount=refund.amount if refund.amount is not None else (paid.refundable if paid else None),
        method=paid.method if paid else None,
        desk=refund.desk,
        recorded_at=row.made_at,
        reason=refund.reason,
        waiting=state,
        refusal=row.reason if state == "refused" else None,
    )


class DeskLedger:
    """Reads the ledger from the cache. Raises StorageUnavailable like the store."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def _read(self) -> AbstractContextManager[Connection]:
        """The store's reads: its connection pool, its storage errors (StorageUnavailable)."""
        return self._store._read()  # noqa: SLF001

    def _pulled_where(self, conn: Connection, *conditions: Any) -> list[DeskEntry]:
        ledger, records = ledger_entries, schema.records
        rows = conn.execute(
            select(records.c.data)
            .select_from(
                ledger.join(
                    records, and_(records.c.entity == Entity.PAYMENT.value, records.c.id == ledger.c.id)
                )
            )
            .where(*conditions)
            .order_by(ledger.c.recorded_at, ledger.c.id)
        ).all()
        return [entry for (data,) in rows if (entry := _pulled(data)) is not None]

    def _with_waiting(self, conn: Connection, pulled: list[DeskEntry]) -> list[DeskEntry]:
        """`pulled` and the entries taken here that are not among them yet (any appointment)."""
        outbox = schema.outbox
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.name.in_(PAYMENT_MUTATIONS), outbox.c.state.in_(_SHOWN_STATES))
            .order_by(outbox.c.mutation_id)
        ).all()
        if not rows:
            return pulled
        known = {entry.id for entry in pulled}
        arrived = self._pulled_ids(conn, [uuid.UUID(str(row.entity_id)) for row in rows])
        payments = {entry.id: entry for entry in pulled if entry.entry_type is EntryType.PAYMENT}
        waiting: list[DeskEntry] = []
        for row in rows:
            entry_id = uuid.UUID(str(row.entity_id))
            if entry_id in known or entry_id in arrived:
                continue
            entry = _waiting(row, payments=payments)
            if entry is not None:
                waiting.append(entry)
                if entry.entry_type is EntryType.PAYMENT:
                    payments[entry.id] = entry
        # A refund taken here and not synced yet already lowers what is left of its payment.
        owed = {entry.id: entry for entry in pulled + waiting}
        for entry in waiting:
            paid = owed.get(entry.payment_id)
            if entry.entry_type is EntryType.REFUND and entry.waiting != "refused" and paid is not None:
                taken_back = entry.amount if entry.amount is not None else paid.refundable
                owed[paid.id] = replace(paid, refunded=paid.refunded + taken_back)
        return [owed[entry.id] for entry in pulled + waiting]

    def _pulled_ids(self, conn: Connection, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        wanted = [str(i) for i in ids]
        found = conn.execute(select(ledger_entries.c.id).where(ledger_entries.c.id.in_(wanted))).scalars()
        return {uuid.UUID(i) for i in found}

    def for_appointments(self, appointment_ids: Iterable[uuid.UUID]) -> list[DeskEntry]:
        """The payments and refunds of these appointments, oldest first, with those waiting to sync."""
        ids = {str(i) for i in appointment_ids}
        with self._read() as conn:
            pulled = self._pulled_where(conn, ledger_entries.c.appointment_id.in_(sorted(ids)))
            every = self._with_waiting(conn, pulled)
        return [entry for entry in every if entry.appointment_id is None or str(entry.appointment_id) in ids]

    def for_patient(
        self, patient_id: uuid.UUID, *, appointment_ids: Iterable[uuid.UUID] = ()
    ) -> list[DeskEntry]:
        """A patient's payments and refunds (those waiting to sync: for `appointment_ids`)."""
        ids = {str(i) for i in appointment_ids}
        with self._read() as conn:
            pulled = self._pulled_where(conn, ledger_entries.c.patient_id == str(patient_id))
            every = self._with_waiting(conn, pulled)
        return [entry for entry in every if entry.waiting is None or str(entry.appointment_id) in ids]

    def desks(self) -> list[str]:
        with self._read() as conn:
            found = conn.execute(select(ledger_entries.c.desk).distinct().order_by(ledger_entries.c.desk))
            return [desk for desk in found.scalars() if desk]

    def cash_report(self, day: date, *, desk: str | None, zone: tzinfo) -> tuple[CashReport, int]:
        """The day's takings (the day as `zone` has it) of one desk or of all, from what the server has
        recorded and this workstation has pulled; and how many entries taken here still wait to sync
        (not counted: the server's report is the one that counts)."""
        start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        ledger = ledger_entries
        conditions = [ledger.c.recorded_at >= _utc_text(start), ledger.c.recorded_at < _utc_text(end)]
        if desk is not None:
            conditions.append(ledger.c.desk == desk)
        with self._read() as conn:
            entries = self._pulled_where(conn, *conditions)
            every = self._with_waiting(conn, [])
        waiting = sum(
            1
            for entry in every
            if entry.waiting == "queued"
            and (desk is None or entry.desk == desk)
            and start <= entry.recorded_at < end
        )
        return build_cash_report(day, desk=desk, entries=entries), waiting


def _utc_text(moment: datetime) -> str:
    """As the ledger index stores times (SQLite's strftime('%Y-%m-%d %H:%M:%f'))."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def build_cash_report(day: date, *, desk: str | None, entries: list[DeskEntry]) -> CashReport:
    """Totals per method of `entries` (payments taken, refunds given), as the server's report has them."""
    zero = Decimal("0.00")
    lines: list[CashReportLine] = []
    for method in PaymentMethod:
        mine = [entry for entry in entries if entry.method is method]
        if not mine:
            continue
        taken = sum((e.amount or zero for e in mine if e.entry_type is EntryType.PAYMENT), zero)
        refunded = sum((e.amount or zero for e in mine if e.entry_type is EntryType.REFUND), zero)
        lines.append(
            CashReportLine(
                method=method,
                payments=sum(1 for e in mine if e.entry_type is EntryType.PAYMENT),
                refunds=sum(1 for e in mine if e.entry_type is EntryType.REFUND),
                taken=money(taken),
                refunded=money(refunded),
                net=money(taken - refunded),
            )
        )
    total_taken = sum((line.taken for line in lines), zero)
    total_refunded = sum((line.refunded for line in lines), zero)
    return CashReport(
        day=day,
        desk=desk,
        currency=CURRENCY,
        lines=lines,
        total_taken=money(total_taken),
        total_refunded=money(total_refunded),
        total_net=money(total_taken - total_refunded),
        entries=[],
    )


# ---- taking and giving back money ----


class RefundTooLarge(ValueError):
    """More than what is left of the payment (paid less what was refunded already)."""


def queue_payment(
    store: LocalStore,
    *,
    appointment_id: uuid.UUID,
    amount: Decimal,
    method: PaymentMethod,
    desk: str,
    authorisation_number: str | None = None,
    payment_id: uuid.UUID | None = None,
) -> OutboxEntry:
    """Take a payment for an appointment (its id made here, so it is recorded once).

    Raises pydantic.ValidationError (a health-plan payment without its authorisation number...),
    StorageUnavailable."""
    payload = RecordPayment(
        appointment_id=appointment_id,
        amount=amount,
        method=method,
        authorisation_number=(authorisation_number or "").strip() or None,
        desk=desk,
    )
    return store.queue_mutation(
        name=MutationName.PAYMENT_RECORD, entity_id=payment_id or uuid.uuid4(), payload=payload
    )


def queue_refund(
    store: LocalStore, *, payment: DeskEntry, amount: Decimal | None, reason: str, desk: str
) -> OutboxEntry:
    """Give back `amount` of a synced payment (None: all that is left).

    Raises RefundTooLarge, pydantic.ValidationError (a reason under 3 characters), StorageUnavailable."""
    if payment.entry_type is not EntryType.PAYMENT or payment.waiting is not None:
        raise RefundTooLarge("only a payment the server has recorded can be refunded")
    if payment.refundable <= 0 or (amount is not None and amount > payment.refundable):
        raise RefundTooLarge(f"at most {payment.refundable} can be refunded")
    payload = RefundPayment(payment_id=payment.payment_id, amount=amount, reason=reason.strip(), desk=desk)
    return store.queue_mutation(name=MutationName.PAYMENT_REFUND, entity_id=uuid.uuid4(), payload=payload)
