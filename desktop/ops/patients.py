"""The patient screen's use cases, without Qt: open a patient from the cache (demographics, visits,
documents, the first page of the timeline and, for the desk, the payments), page the timeline, write notes,
take and refund payments; fetch receipts and cash reports from the server.

Everything but the receipts and the report files works offline, from the cache and the outbox. The screens
run these calls through `Op` on the store worker (reads, queueing) or the network worker (files).
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx

from desktop.ops.patient_search import PatientIndex, PatientMatch
from desktop.store import LocalStore, OutboxEntry
from desktop.store.history import PatientHistory, TimelinePage, queue_amendment, queue_note
from desktop.store.payments import DeskEntry, DeskLedger, queue_payment, queue_refund
from shared.history import HistoryKind
from shared.payments import CashReport, PaymentMethod, money
from shared.protocol import Entity
from shared.roles import Role

FIRST_PAGE = 50
PDF_MAGIC = b"%PDF-"


def sees_amounts(role: Role) -> bool:
    """The desk and the administrators; doctors and nurses see that a visit was paid, not how much."""
    return role in (Role.SCHEDULER, Role.ADMIN)


def takes_payments(role: Role) -> bool:
    return role is Role.SCHEDULER


def writes_notes(role: Role) -> bool:
    return role is Role.DOCTOR


def sees_cash_report(role: Role) -> bool:
    return role in (Role.SCHEDULER, Role.ADMIN)


def default_desk() -> str:
    """The desk a payment is taken at: this workstation, unless the person types another."""
    return (socket.gethostname() or "desk")[:64]


@dataclass(frozen=True)
class PatientCard:
    id: uuid.UUID
    full_name: str
    mrn: str
    birth_date: date | None
    phone: str
    email: str


@dataclass(frozen=True)
class Visit:
    """An appointment of the patient, as the payments pane lists it."""

    id: uuid.UUID
    doctor_name: str
    starts_at: datetime | None
    status: str
    reason: str
    fee: Decimal | None  # the consultation's price, when the cache knows it
    pending: bool


@dataclass(frozen=True)
class DocumentLine:
    id: uuid.UUID
    title: str
    kind: str
    added_at: datetime | None
    status: str


@dataclass(frozen=True)
class PatientFile:
    """What the patient screen shows when it opens."""

    card: PatientCard
    visits: list[Visit]
    documents: list[DocumentLine]
    first_page: TimelinePage
    payments: list[DeskEntry] | None  # None: this person does not see amounts


class BadAnswer(Exception):
    """The server answered something that is not the file asked for."""


class FileFetcher(Protocol):
    def fetch(self, path: str, *, params: dict[str, Any] | None = None) -> httpx.Response: ...


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _fee(*candidates: Any) -> Decimal | None:
    for value in candidates:
        if value is None or isinstance(value, float | dict | list):
            continue
        try:
            fee = money(str(value))
        except (InvalidOperation, ValueError, TypeError):
            continue
        if fee > 0:
            return fee
    return None


class PatientOps:
    """One signed-in person's patient screen over their cache (and the server, for files)."""

    def __init__(self, store: LocalStore, *, role: Role, files: FileFetcher | None = None) -> None:
        self.store = store
        self.role = role
        self._files = files
        self._history = PatientHistory(store)
        self._ledger = DeskLedger(store)
        self._index: PatientIndex | None = None

    # ---- finding and opening ----

    def search(self, text: str, *, limit: int = 30) -> list[PatientMatch]:
        """Cached patients by name or MRN (the booking dialog's type-ahead). Raises StorageUnavailable."""
        if self._index is None:
            self._index = PatientIndex.from_store(self.store)
        return self._index.search(text, limit=limit)

    def forget_search_index(self) -> None:
        """New patients were pulled: the next search reads them."""
        self._index = None

    def open(self, patient_id: uuid.UUID, *, kind: HistoryKind | None = None) -> PatientFile | None:
        """The patient as the cache has them; None if not on this computer. Raises StorageUnavailable."""
        record = self.store.record(Entity.PATIENT, patient_id)
        if record is None:
            return None
        data = record.data
        card = PatientCard(
            id=patient_id,
            full_name=str(data.get("full_name") or ""),
            mrn=str(data.get("mrn") or ""),
            birth_date=_date(data.get("birth_date")),
            phone=str(data.get("phone") or ""),
            email=str(data.get("email") or ""),
        )
        visits = self.visits(patient_id)
        payments = (
            self._ledger.for_patient(patient_id, appointment_ids=[visit.id for visit in visits])
            if sees_amounts(self.role)
            else None
        )
        return PatientFile(
            card=card,
            visits=visits,
            documents=self.documents(patient_id),
            first_page=self.timeline(patient_id, kind=kind),
            payments=payments,
        )

    def timeline(
        self, patient_id: uuid.UUID, *, kind: HistoryKind | None = None, before: str | None = None
    ) -> TimelinePage:
        return self._history.page(patient_id, kind=kind, before=before, limit=FIRST_PAGE)

    def visits(self, patient_id: uuid.UUID) -> list[Visit]:
        """The patient's appointments, newest first."""
        doctors = {record.id: record.data for record in self.store.records(Entity.DOCTOR)}
        visits = []
        for record in self._history.appointments(patient_id):
            data = record.data
            doctor = doctors.get(uuid.UUID(str(data.get("doctor_id")))) if data.get("doctor_id") else None
            visits.append(
                Visit(
                    id=record.id,
                    doctor_name=str((doctor or {}).get("full_name") or ""),
                    starts_at=_moment(data.get("starts_at")),
                    status=str(data.get("status") or ""),
                    reason=str(data.get("reason") or ""),
                    fee=_fee(data.get("fee"), (doctor or {}).get("fee")),
                    pending=record.pending,
                )
            )
        return visits

    def documents(self, patient_id: uuid.UUID) -> list[DocumentLine]:
        lines = [
            DocumentLine(
                id=record.id,
                title=str(record.data.get("title") or ""),
                kind=str(record.data.get("kind") or ""),
                added_at=_moment(record.data.get("created_at") or record.data.get("uploaded_at")),
                status=str(record.data.get("status") or ""),
            )
            for record in self.store.records(Entity.DOCUMENT)
            if record.data.get("patient_id") == str(patient_id)
        ]
        return sorted(lines, key=lambda line: line.added_at or datetime.min.replace(tzinfo=UTC), reverse=True)

    # ---- notes ----

    def add_note(self, patient_id: uuid.UUID, *, noted_on: date, text: str) -> OutboxEntry:
        """Raises PermissionError (not a doctor), pydantic.ValidationError, StorageUnavailable."""
        if not writes_notes(self.role):
            raise PermissionError("only doctors write notes")
        return queue_note(self.store, patient_id=patient_id, noted_on=noted_on, text=text)

    def amend_note(self, note_id: uuid.UUID, *, text: str, reason: str) -> OutboxEntry:
        if not writes_notes(self.role):
            raise PermissionError("only doctors amend notes")
        return queue_amendment(self.store, note_id=note_id, text=text, reason=reason)

    # ---- the desk ----

    def payments(self, patient_id: uuid.UUID) -> list[DeskEntry]:
        if not sees_amounts(self.role):
            raise PermissionError("amounts are for the desk")
        visits = self.visits(patient_id)
        return self._ledger.for_patient(patient_id, appointment_ids=[visit.id for visit in visits])

    def take_payment(
        self,
        *,
        appointment_id: uuid.UUID,
        amount: Decimal,
        method: PaymentMethod,
        desk: str,
        authorisation_number: str | None = None,
    ) -> OutboxEntry:
        """Raises PermissionError, pydantic.ValidationError, StorageUnavailable."""
        if not takes_payments(self.role):
            raise PermissionError("payments are taken at the desk")
        return queue_payment(
            self.store,
            appointment_id=appointment_id,
            amount=amount,
            method=method,
            desk=desk,
            authorisation_number=authorisation_number,
        )

    def refund(self, payment: DeskEntry, *, amount: Decimal | None, reason: str, desk: str) -> OutboxEntry:
        """Raises PermissionError, RefundTooLarge, pydantic.ValidationError, StorageUnavailable."""
        if not takes_payments(self.role):
            raise PermissionError("refunds are given at the desk")
        return queue_refund(self.store, payment=payment, amount=amount, reason=reason, desk=desk)

    def cash_report(self, day: date, *, desk: str | None, zone: tzinfo) -> tuple[CashReport, int]:
        """The day's report from the cache, and how many entries taken here wait to sync."""
        if not sees_cash_report(self.role):
            raise PermissionError("the cash report is for the desk and the administrators")
        return self._ledger.cash_report(day, desk=desk, zone=zone)

    def desks(self) -> list[str]:
        return self._ledger.desks()

    # ---- files from the server ----

    def _fetch(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        if self._files is None:
            raise BadAnswer("no server to ask")
        return self._files.fetch(path, params=params)

    def receipt_pdf(self, payment_id: uuid.UUID) -> bytes:
        """The receipt the patient takes away. Raises Offline, RequestRefused..., BadAnswer."""
        answer = self._fetch(f"/payments/{payment_id}/receipt.pdf")
        if not answer.content.startswith(PDF_MAGIC):
            raise BadAnswer("the server's receipt is not a PDF")
        return answer.content

    def cash_report_file(self, day: date, *, desk: str | None, file_format: str) -> bytes:
        """The day's report as the server makes it: "csv" or "pdf". Raises Offline..., BadAnswer."""
        params: dict[str, Any] = {"day": day.isoformat(), "format": file_format}
        if desk:
            params["desk"] = desk
        answer = self._fetch("/reports/cash", params)
        if file_format == "pdf" and not answer.content.startswith(PDF_MAGIC):
            raise BadAnswer("the server's report is not a PDF")
        if file_format == "csv" and "csv" not in answer.headers.get("content-type", "text/csv"):
            raise BadAnswer("the server's report is not CSV")
        return answer.content
