"""End to end with the REAL sync server and PostgreSQL: at the front desk, a payment is taken on the patient
screen while the network is cut, reaches the server when it is back, returns as the server's ledger row,
and its receipt PDF and the day's cash report (CSV) are saved from the server's own files."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLocale
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.background import Executors
from desktop.store.payments import DeskLedger
from desktop.sync import Connection
from desktop.ui.patient.cash_report import CashReportScreen
from desktop.ui.patient.dialogs import PaymentDialog
from desktop.ui.patient.screen import PatientScreen
from shared.payments import PaymentMethod
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.booking.feed import record_appointment
from sync_server.booking.models import Appointment
from sync_server.core.db import transaction
from sync_server.directory.feed import record_directory
from sync_server.directory.models import Doctor, Patient
from tests.desktop.e2e.test_offline_booking import Desktop

ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
UTC_ZONE = UTC


@pytest.fixture
def visit(session_factory: sessionmaker[Session], doctor: Doctor) -> dict[str, uuid.UUID]:
    """Maria Fernandes' confirmed appointment with the cardiologist this morning (UTC)."""
    with transaction(session_factory) as session:
        cardiologist = session.get(Doctor, doctor.id)
        assert cardiologist is not None
        maria = Patient(mrn="MRN-0041", full_name="Maria Fernandes", birth_date=date(1961, 4, 2))
        session.add(maria)
        session.flush()
        starts = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
        appointment = Appointment(
            doctor_id=cardiologist.id,
            patient_id=maria.id,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=20),
            status="confirmed",
        )
        session.add(appointment)
        session.flush()
        for record in (cardiologist, maria):
            record_directory(session, record)
        record_appointment(session, appointment)
    return {"patient": maria.id, "appointment": appointment.id}


@pytest.fixture
def front_desk(
    qapp: object, server_url: str, make_user: Callable[..., User], tmp_path: Path
) -> Iterator[Desktop]:
    executors = Executors()
    failures: list[BaseException] = []
    executors.on_unhandled = failures.append
    desktop = Desktop(
        server_url=server_url,
        user=make_user(Role.SCHEDULER, username="desk.one"),
        data_dir=tmp_path / "desk",
        executors=executors,
    )
    yield desktop
    desktop.close()
    executors.shutdown()
    assert not failures, f"a background operation failed: {failures!r}"


def test_a_payment_taken_offline_reaches_the_ledger_and_its_receipt_comes_from_the_server(
    qtbot: QtBot, front_desk: Desktop, visit: dict[str, uuid.UUID], engine: Engine, tmp_path: Path
) -> None:
    assert front_desk.sync_once() is Connection.ONLINE
    screen = PatientScreen(front_desk.context, locale=ENGLISH)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.patientShown, timeout=10_000):
        screen.open_patient(visit["patient"])
    assert screen.payments is not None and screen.payments.topLevelItemCount() == 1

    front_desk.cable.plugged_in = False
    screen.payments.setCurrentItem(screen.payments.topLevelItem(0))
    screen.take_payment()
    dialog = screen.dialog
    assert isinstance(dialog, PaymentDialog)
    dialog.amount.setText("180.00")
    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.PIX))
    dialog.desk.setText("Front desk 1")
    dialog.accept()
    qtbot.waitUntil(lambda: screen.payments.topLevelItem(0).childCount() == 1, timeout=5000)  # type: ignore[union-attr]
    assert screen.payments.topLevelItem(0).child(0).text(2) == "waiting to sync"
    assert front_desk.sync_once() is Connection.OFFLINE

    front_desk.cable.plugged_in = True
    ledger = DeskLedger(front_desk.store)
    front_desk.sync_until(
        lambda: [e.waiting for e in ledger.for_appointments([visit["appointment"]])] == [None]
    )
    (paid,) = ledger.for_appointments([visit["appointment"]])
    assert (paid.amount, paid.method, paid.desk) == (Decimal("180.00"), PaymentMethod.PIX, "Front desk 1")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT amount::text FROM payment_ledger WHERE appointment_id = :a"),
            {"a": visit["appointment"]},
        ).all()
    assert rows == [("180.00",)]  # recorded once, as an exact decimal

    # The screen learns of the sync's writes from the cache's change reports, which arrive on their own
    # time: reopen until the settled payment shows (bounded).
    for _ in range(50):
        with qtbot.waitSignal(screen.patientShown, timeout=10_000):
            screen.open_patient(visit["patient"])
        screen.payments.setCurrentItem(screen.payments.topLevelItem(0).child(0))
        if screen.save_receipt_button.isEnabled():
            break
        qtbot.wait(100)
    assert screen.save_receipt_button.isEnabled()
    receipt = tmp_path / "receipt.pdf"
    screen.choose_save_path = lambda _title, _name, _filter: str(receipt)
    screen.save_receipt()
    qtbot.waitUntil(receipt.exists, timeout=10_000)
    assert receipt.read_bytes().startswith(b"%PDF-")

    report = CashReportScreen(front_desk.context, zone=UTC_ZONE, locale=ENGLISH)
    qtbot.addWidget(report)
    qtbot.waitUntil(lambda: report.report is not None and report.report.total_taken > 0, timeout=10_000)
    assert str(report.report.total_taken) == "180.00"  # type: ignore[union-attr]
    csv = tmp_path / "report.csv"
    report.choose_save_path = lambda _title, _name, _filter: str(csv)
    report.save("csv")
    qtbot.waitUntil(csv.exists, timeout=10_000)
    assert "180.00" in csv.read_text()


def test_a_note_written_offline_is_accepted_by_the_server_once_the_network_is_back(
    qtbot: QtBot,
    qapp: object,
    server_url: str,
    make_user: Callable[..., User],
    visit: dict[str, uuid.UUID],
    engine: Engine,
    tmp_path: Path,
) -> None:
    executors = Executors()
    failures: list[BaseException] = []
    executors.on_unhandled = failures.append
    doctor = Desktop(
        server_url=server_url,
        user=make_user(Role.DOCTOR, username="dr.costa"),
        data_dir=tmp_path / "doctor",
        executors=executors,
    )
    screen = PatientScreen(doctor.context, locale=ENGLISH)  # closed before the workers stop (below)
    try:
        assert doctor.sync_once() is Connection.ONLINE
        with qtbot.waitSignal(screen.patientShown, timeout=10_000):
            screen.open_patient(visit["patient"])
        assert screen.payments is None  # a doctor sees no amounts

        doctor.cable.plugged_in = False
        screen.add_note()
        assert screen.dialog is not None
        screen.dialog.body.setPlainText("Chest pain resolved; ECG normal.")  # type: ignore[attr-defined]
        with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
            screen.dialog.accept()
        assert "waiting to sync" in screen.timeline_model.index(0).data()
        assert doctor.sync_once() is Connection.OFFLINE

        doctor.cable.plugged_in = True
        assert doctor.sync_once() is Connection.ONLINE
        (entry,) = doctor.store.outbox_entries()
        assert entry.state == "applied", entry.reason
        with engine.connect() as conn:
            notes = conn.execute(
                text("SELECT text FROM history_notes WHERE patient_id = :p"), {"p": visit["patient"]}
            ).all()
        assert notes == [("Chest pain resolved; ECG normal.",)]
        # Accepted; shown until the server's history projection sends its own entry. The page is read
        # again until the push's outcome shows (the screen also reloads on the cache's change reports).
        for _ in range(50):
            with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
                screen.timeline_model.reload()
            if "sent, waiting for the server's history" in screen.timeline_model.index(0).data():
                break
            qtbot.wait(100)
        assert "sent, waiting for the server's history" in screen.timeline_model.index(0).data()
    finally:
        screen.close()
        screen.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        doctor.close()
        executors.shutdown()
    assert not failures, f"a background operation failed: {failures!r}"
