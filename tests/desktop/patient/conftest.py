"""Patient screen tests: a real SQLite cache filled the way the sync engine fills it (`apply_pull`), the
real widgets offscreen, Qt warnings fail. The workstation (cache, workers, a sync that never runs) is the
calendar tests' own."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale  # noqa: E402

from shared.history import HistoryKind, sort_key  # noqa: E402
from shared.payments import EntryType, PaymentMethod  # noqa: E402
from shared.protocol import Change, Entity  # noqa: E402
from tests.desktop.calendar.conftest import (  # noqa: E402, F401  (fixtures used by these tests)
    CARDIOLOGIST,
    MARIA,
    Workstation,
    change,
    executors,
    no_leaked_windows,
    pulled,
    server_appointment,
    workstation,
)

HERE = os.path.dirname(__file__)
_OFFSCREEN_LIMITS = "This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS))


@pytest.fixture
def english() -> QLocale:
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def brazil() -> QLocale:
    return QLocale(QLocale.Language.Portuguese, QLocale.Country.Brazil)


def history_entry(
    patient_id: uuid.UUID,
    *,
    at: datetime,
    kind: HistoryKind,
    title: str,
    summary: str = "",
    details: dict[str, Any] | None = None,
    subject_id: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Change:
    """A history entry as the server's feed carries it (record `history_entry`, the model's JSON)."""
    event = event_id or uuid.uuid4()
    return change(
        Entity.HISTORY_ENTRY,
        event,
        {
            "patient_id": str(patient_id),
            "sort_key": sort_key(at, event),
            "event_id": str(event),
            "event_type": f"{kind.value}.recorded",
            "kind": kind.value,
            "occurred_at": at.isoformat(),
            "title": title,
            "summary": summary,
            "subject_id": subject_id,
            "author_id": None,
            "author_name": None,
            "details": details or {},
        },
    )


def many_entries(patient_id: uuid.UUID, count: int) -> list[Change]:
    """`count` entries an hour apart, the kinds in turn; entry n is titled "Entry n" (n = 0 the oldest)."""
    kinds = list(HistoryKind)
    return [
        history_entry(patient_id, at=T0 + timedelta(hours=n), kind=kinds[n % len(kinds)], title=f"Entry {n}")
        for n in range(count)
    ]


def ledger_row(
    *,
    appointment_id: uuid.UUID,
    patient_id: uuid.UUID = MARIA,
    amount: str,
    at: datetime,
    desk: str = "Front desk 1",
    method: PaymentMethod = PaymentMethod.CASH,
    entry_type: EntryType = EntryType.PAYMENT,
    payment_id: uuid.UUID | None = None,
    entry_id: uuid.UUID | None = None,
    refunded: str = "0.00",
) -> Change:
    """A ledger row as the feed carries it to the desk (record `payment`)."""
    row_id = entry_id or uuid.uuid4()
    return change(
        Entity.PAYMENT,
        row_id,
        {
            "entry_type": entry_type.value,
            "payment_id": str(payment_id or row_id),
            "appointment_id": str(appointment_id),
            "patient_id": str(patient_id),
            "doctor_id": str(CARDIOLOGIST),
            "amount": str(Decimal(amount)),
            "currency": "BRL",
            "method": method.value,
            "authorisation_number": None,
            "desk": desk,
            "recorded_by": str(uuid.uuid4()),
            "recorded_at": at.isoformat(),
            "reason": None,
            "refunded": refunded,
        },
    )


__all__ = [
    "CARDIOLOGIST",
    "MARIA",
    "T0",
    "Workstation",
    "executors",
    "history_entry",
    "ledger_row",
    "many_entries",
    "no_leaked_windows",
    "pulled",
    "server_appointment",
    "workstation",
]
