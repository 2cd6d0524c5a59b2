"""The history and the ledger in the cache, without Qt: the tables of migration 0007 follow the pulled
records (new, redelivered, removed), a record the desktop cannot read is skipped rather than fatal, and
typed amounts become Decimals or a precise refusal, never floats."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.store import LocalStore
from desktop.store.history import PatientHistory
from desktop.store.payments import AmountProblem, AmountRefused, DeskLedger, parse_amount
from shared.history import HistoryKind
from shared.payments import money
from shared.protocol import Change, Entity
from tests.desktop.calendar.conftest import SERVER
from tests.desktop.patient.conftest import MARIA, T0, history_entry, ledger_row, pulled


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    opened = LocalStore.open_for_user(server_url=SERVER, username="scheduler.cache", data_dir=tmp_path)
    yield opened  # type: ignore[misc]
    opened.close()


def test_the_timeline_follows_the_pulled_records_new_redelivered_and_removed(store: LocalStore) -> None:
    first = history_entry(MARIA, at=T0, kind=HistoryKind.APPOINTMENT, title="Booked")
    second = history_entry(MARIA, at=T0 + timedelta(hours=1), kind=HistoryKind.NOTE, title="Note")
    pulled(store, [first, second])
    pulled(store, [first])  # redelivered: still one entry
    history = PatientHistory(store)
    assert [e.title for e in history.page(MARIA).entries] == ["Note", "Booked"]

    pulled(
        store, [Change(entity=Entity.HISTORY_ENTRY, id=second.id, version=second.version + 1, deleted=True)]
    )
    assert [e.title for e in history.page(MARIA).entries] == ["Booked"]
    assert history.page(MARIA, kind=HistoryKind.NOTE).entries == []


def test_an_entry_the_desktop_cannot_read_is_skipped_not_fatal(store: LocalStore) -> None:
    broken = Change(
        entity=Entity.HISTORY_ENTRY,
        id=uuid.uuid4(),
        version=1,
        data={"patient_id": str(MARIA), "sort_key": "2026-03-02T10:00:00.000000Z#x", "kind": "séance"},
    )
    fine = history_entry(MARIA, at=T0, kind=HistoryKind.DOCUMENT, title="Lab report added")
    pulled(store, [broken, fine])
    assert [e.title for e in PatientHistory(store).page(MARIA).entries] == ["Lab report added"]


def test_ledger_rows_leave_the_cache_with_their_records(store: LocalStore) -> None:
    appointment = uuid.uuid4()
    row = ledger_row(appointment_id=appointment, amount="99.90", at=T0)
    pulled(store, [row])
    ledger = DeskLedger(store)
    assert [e.amount for e in ledger.for_patient(MARIA)] == [Decimal("99.90")]
    assert ledger.desks() == ["Front desk 1"]
    pulled(store, [Change(entity=Entity.PAYMENT, id=row.id, version=row.version + 1, deleted=True)])
    assert ledger.for_patient(MARIA) == [] and ledger.desks() == []


def test_a_days_report_counts_the_desks_own_day_only(store: LocalStore) -> None:
    from zoneinfo import ZoneInfo

    appointment = uuid.uuid4()
    pulled(
        store,
        [
            ledger_row(appointment_id=appointment, amount="10.10", at=T0),
            ledger_row(appointment_id=appointment, amount="20.20", at=T0, desk="Front desk 2"),
            ledger_row(appointment_id=appointment, amount="40.40", at=T0 + timedelta(days=1)),
        ],
    )
    report, waiting = DeskLedger(store).cash_report(
        T0.date(), desk="Front desk 1", zone=ZoneInfo("America/Sao_Paulo")
    )
    assert (report.total_taken, report.total_net, waiting) == (Decimal("10.10"), Decimal("10.10"), 0)


@pytest.mark.parametrize(
    ("typed", "point", "amount"),
    [
        ("150", ".", "150.00"),
        ("150.5", ".", "150.50"),
        (" R$ 99.99 ", ".", "99.99"),
        ("150,50", ",", "150.50"),
        ("1180", ",", "1180.00"),
    ],
)
def test_typed_amounts_become_exact_decimals(typed: str, point: str, amount: str) -> None:
    parsed = parse_amount(typed, decimal_point=point)
    assert parsed == Decimal(amount) and isinstance(parsed, Decimal) and str(parsed) == amount


@pytest.mark.parametrize(
    ("typed", "point", "problem"),
    [
        ("12,345", ".", AmountProblem.SEPARATORS),
        ("12.345", ",", AmountProblem.SEPARATORS),
        ("12,345", ",", AmountProblem.SEPARATORS),
        ("1,234.50", ".", AmountProblem.SEPARATORS),
        ("150,50", ".", AmountProblem.SEPARATORS),
        ("1.2345", ".", AmountProblem.DECIMALS),
        ("", ".", AmountProblem.EMPTY),
        ("cento e cinquenta", ",", AmountProblem.NOT_A_NUMBER),
        ("1e3", ".", AmountProblem.NOT_A_NUMBER),
        ("-5", ".", AmountProblem.NOT_POSITIVE),
        ("0.00", ".", AmountProblem.NOT_POSITIVE),
        ("2000000", ".", AmountProblem.TOO_LARGE),
    ],
)
def test_typed_text_that_is_not_money_is_refused_with_its_reason(
    typed: str, point: str, problem: AmountProblem
) -> None:
    with pytest.raises(AmountRefused) as refused:
        parse_amount(typed, decimal_point=point)
    assert refused.value.problem is problem


def test_money_is_never_a_float() -> None:
    with pytest.raises(TypeError):
        money(0.1)  # type: ignore[arg-type]
    assert money("0.10") + money("0.20") == Decimal("0.30")
    assert date(2026, 3, 2) == T0.date()


def test_a_note_the_server_refused_stays_in_the_timeline_with_its_reason(store: LocalStore) -> None:
    from desktop.store.history import Waiting, queue_note
    from shared.protocol import MutationStatus
    from tests.desktop.calendar.conftest import answer_push

    queue_note(store, patient_id=MARIA, noted_on=T0.date(), text="Seen in the corridor.")
    answer_push(
        store, status=MutationStatus.REJECTED, code="outside_care_scope", reason="Not your patient any more."
    )
    (refused,) = PatientHistory(store).page(MARIA).entries
    assert (refused.waiting, refused.refusal) == (Waiting.REFUSED, "Not your patient any more.")
    assert refused.summary == "Seen in the corridor."
