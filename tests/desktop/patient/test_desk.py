"""The desk: the day's cash report from the pulled ledger, refunds never above what is left, and the files
that come from the server (receipts, report CSV/PDF) saved where the person chose. The server's answers are
faked here only to test our own handling of them (a PDF, something else, no server); the real routes are
in tests/desktop/e2e."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from desktop.ops.patients import PatientOps
from desktop.store.payments import DeskLedger, RefundTooLarge, queue_refund
from desktop.sync.client import Offline
from desktop.ui.patient.cash_report import CashReportScreen
from desktop.ui.patient.dialogs import RefundDialog
from desktop.ui.patient.screen import PatientScreen, VisitItemRole
from shared.payments import EntryType, PaymentMethod
from shared.roles import Role
from tests.desktop.patient.conftest import MARIA, T0, ledger_row, pulled, server_appointment

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
DAY = date(2026, 3, 2)  # T0 is 09:00 UTC, 06:00 in São Paulo
RECEIPT = b"%PDF-1.4\n% a receipt\n"


class ServerFiles:
    """Answers GET requests as the server's file routes would (or fails like a lost connection)."""

    def __init__(self, content: bytes = RECEIPT, *, content_type: str = "application/pdf") -> None:
        self.content, self.content_type = content, content_type
        self.asked: list[tuple[str, dict[str, Any] | None]] = []
        self.offline = False

    def fetch(self, path: str, *, params: dict[str, Any] | None = None) -> httpx.Response:
        self.asked.append((path, params))
        if self.offline:
            raise Offline("The sync server cannot be reached.")
        return httpx.Response(200, content=self.content, headers={"content-type": self.content_type})


def a_day_at_the_desk(station) -> dict[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    paid = uuid.uuid4()
    pulled(
        station.store,
        [
            server_appointment(first, starts_at=T0, status="completed"),
            server_appointment(second, starts_at=T0 + timedelta(hours=1), status="completed"),
            server_appointment(third, starts_at=T0 + timedelta(hours=2), status="cancelled"),
            ledger_row(appointment_id=first, amount="180.00", at=T0, entry_id=paid, refunded="30.00"),
            ledger_row(
                appointment_id=first,
                amount="30.00",
                at=T0 + timedelta(hours=3),
                entry_type=EntryType.REFUND,
                payment_id=paid,
            ),
            ledger_row(appointment_id=second, amount="250.50", at=T0, method=PaymentMethod.PIX),
            ledger_row(appointment_id=third, amount="99.99", at=T0, desk="Front desk 2"),
            # 02:30 UTC on the 2nd is still the 1st in São Paulo: another day's takings
            ledger_row(appointment_id=third, amount="500.00", at=T0 - timedelta(hours=6, minutes=30)),
        ],
    )
    return {"first": first, "second": second, "third": third, "paid": paid}


def test_the_cash_report_adds_up_one_desks_day_per_method(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    a_day_at_the_desk(station)
    screen = CashReportScreen(station.context, today=lambda: DAY, zone=SAO_PAULO, locale=english)
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.desk.count() == 3, timeout=5000)  # all desks, and the two seen
    with qtbot.waitSignal(screen.reportShown, timeout=5000) as shown:
        screen.desk.setCurrentIndex(screen.desk.findData("Front desk 1"))
    report = shown.args[0]
    assert [(line.method, line.taken, line.refunded, line.net) for line in report.lines] == [
        (PaymentMethod.CASH, Decimal("180.00"), Decimal("30.00"), Decimal("150.00")),
        (PaymentMethod.PIX, Decimal("250.50"), Decimal("0.00"), Decimal("250.50")),
    ]
    assert (report.total_taken, report.total_refunded, report.total_net) == (
        Decimal("430.50"),
        Decimal("30.00"),
        Decimal("400.50"),
    )
    cells = [
        [screen.table.item(row, col).text() for col in range(6)] for row in range(screen.table.rowCount())
    ]
    assert cells[-1] == ["Total", "2", "1", "R$ 430.50", "R$ 30.00", "R$ 400.50"]
    assert "Cash report of 02/03/2026 · Front desk 1" == screen.title.text()

    with qtbot.waitSignal(screen.reportShown, timeout=5000) as shown:
        screen.desk.setCurrentIndex(screen.desk.findData(""))
    assert shown.args[0].total_taken == Decimal("530.49")


def test_doctors_and_nurses_get_no_cash_report(workstation) -> None:  # type: ignore[no-untyped-def]
    station = workstation(Role.NURSE)
    ops = PatientOps(station.store, role=Role.NURSE)
    try:
        ops.cash_report(DAY, desk=None, zone=SAO_PAULO)
    except PermissionError:
        pass
    else:
        raise AssertionError("a nurse read the takings")
    assert ops.open(MARIA) is not None and ops.open(MARIA).payments is None  # type: ignore[union-attr]


def test_the_report_files_come_from_the_server_and_are_saved_where_chosen(
    qtbot: QtBot,
    workstation,
    english: QLocale,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.ADMIN)
    files = ServerFiles(b"method,payments\r\ncash,2\r\n", content_type="text/csv; charset=utf-8")
    ops = PatientOps(station.store, role=Role.ADMIN, files=files)
    screen = CashReportScreen(station.context, ops=ops, today=lambda: DAY, zone=SAO_PAULO, locale=english)
    qtbot.addWidget(screen)
    target = tmp_path / "report.csv"
    screen.choose_save_path = lambda _title, suggested, _filter: (
        str(target) if suggested.endswith(".csv") else None
    )
    screen.save("csv")
    qtbot.waitUntil(lambda: target.exists(), timeout=5000)
    assert target.read_bytes() == b"method,payments\r\ncash,2\r\n"
    assert files.asked == [("/reports/cash", {"day": "2026-03-02", "format": "csv"})]

    screen.save("pdf")  # the server answered CSV where a PDF was asked for: said, nothing saved
    qtbot.waitUntil(lambda: "not the file asked for" in screen.message.text(), timeout=5000)


def test_a_receipt_is_saved_as_the_server_made_it_and_offline_says_so(
    qtbot: QtBot,
    workstation,
    english: QLocale,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    ids = a_day_at_the_desk(station)
    files = ServerFiles()
    ops = PatientOps(station.store, role=Role.SCHEDULER, files=files)
    screen = PatientScreen(station.context, ops=ops, today=lambda: DAY, locale=english)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.patientShown, timeout=5000):
        screen.open_patient(MARIA)
    assert screen.payments is not None
    visit = next(
        screen.payments.topLevelItem(i)
        for i in range(screen.payments.topLevelItemCount())
        if screen.payments.topLevelItem(i).data(0, VisitItemRole).id == ids["first"]
    )
    screen.payments.setCurrentItem(visit.child(0))
    assert screen.current_payment() is not None and screen.current_payment().id == ids["paid"]  # type: ignore[union-attr]
    assert screen.save_receipt_button.isEnabled() and screen.refund_button.isEnabled()
    target = tmp_path / "receipt.pdf"
    screen.choose_save_path = lambda _title, _suggested, _filter: str(target)
    screen.save_receipt()
    qtbot.waitUntil(lambda: target.exists(), timeout=5000)
    assert target.read_bytes() == RECEIPT
    assert files.asked == [(f"/payments/{ids['paid']}/receipt.pdf", None)]

    files.offline = True
    screen.save_receipt()
    qtbot.waitUntil(lambda: "cannot be reached" in screen.message.text(), timeout=5000)


def test_a_refund_never_exceeds_what_is_left_of_the_payment(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    ids = a_day_at_the_desk(station)
    (payment, _refund) = DeskLedger(station.store).for_appointments([ids["first"]])
    assert payment.refundable == Decimal("150.00")  # 180 paid, 30 given back already

    dialog = RefundDialog(payment=payment, desk="Front desk 1", locale=english)
    qtbot.addWidget(dialog)
    dialog.amount.setText("150.01")
    dialog.reason.setText("Consultation cancelled")
    dialog.accept()
    assert dialog.given() is None and "At most R$ 150.00" in dialog.error.text()
    dialog.amount.setText("150.00")
    dialog.accept()
    assert dialog.given() is not None and dialog.given().amount is None  # type: ignore[union-attr]  # all that is left

    queue_refund(
        station.store, payment=payment, amount=Decimal("100.00"), reason="Partly", desk="Front desk 1"
    )
    (payment, _refund, waiting) = DeskLedger(station.store).for_appointments([ids["first"]])
    assert waiting.waiting == "queued" and payment.refundable == Decimal("50.00")
    try:
        queue_refund(
            station.store, payment=payment, amount=Decimal("50.01"), reason="Too much", desk="Front desk 1"
        )
    except RefundTooLarge:
        pass
    else:
        raise AssertionError("a refund above what is left was queued")
    assert len(station.store.mutations_to_push()) == 1
