"""The day's cash report per desk (schedulers and administrators): on screen from the ledger this computer
has pulled, saved as CSV or PDF as the server makes them (the server's ledger is the one that counts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.patients import PatientOps
from desktop.ops.session import DesktopContext
from desktop.ui.dates import date_format, format_date
from desktop.ui.patient.screen import SaveChooser, _choose_save_path, _ServerFiles, problem_text
from desktop.ui.patient.text import format_money, method_label, tr
from shared.payments import CashReport

ALL_DESKS = ""


def _local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


class CashReportScreen(QWidget):
    """Signals: `reportShown(object)` with the CashReport on screen."""

    reportShown = Signal(object)

    def __init__(
        self,
        context: DesktopContext,
        *,
        ops: PatientOps | None = None,
        today: Callable[[], date] = date.today,
        zone: tzinfo | None = None,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.ops = ops or PatientOps(context.store, role=context.user.role, files=_ServerFiles(context))
        self._zone = zone or _local_zone()
        self._locale = locale if locale is not None else QLocale()
        self.choose_save_path: SaveChooser = _choose_save_path(self)
        self.report: CashReport | None = None
        now = today()
        self.day = QDateEdit(QDate(now.year, now.month, now.day), self)
        self.day.setDisplayFormat(date_format(self._locale))
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName(tr("Day of the report"))
        self.desk = QComboBox(self)
        self.desk.setAccessibleName(tr("Desk"))
        self.desk.setMinimumContentsLength(18)
        self.desk.addItem(tr("All desks"), ALL_DESKS)
        day_label = QLabel(tr("&Day:"), self)
        day_label.setBuddy(self.day)
        desk_label = QLabel(tr("D&esk:"), self)
        desk_label.setBuddy(self.desk)
        self.csv_button = QPushButton(tr("Save &CSV…"), self)
        self.csv_button.setAccessibleName(tr("Save the report as CSV"))
        self.pdf_button = QPushButton(tr("Save &PDF…"), self)
        self.pdf_button.setAccessibleName(tr("Save the report as PDF"))
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.table = QTableWidget(0, 6, self)
        self.table.setAccessibleName(tr("Takings per payment method"))
        self.table.setHorizontalHeaderLabels(
            [tr("Method"), tr("Payments"), tr("Refunds"), tr("Taken"), tr("Refunded"), tr("Net")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAccessibleName(tr("About this report"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.setStyleSheet("color: #5C3B00;")
        self.message.hide()
        tools = QHBoxLayout()
        for widget in (day_label, self.day, desk_label, self.desk):
            tools.addWidget(widget)
        tools.addStretch(1)
        tools.addWidget(self.csv_button)
        tools.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        self.day.dateChanged.connect(lambda _day: self.refresh())
        self.desk.currentIndexChanged.connect(lambda _row: self.refresh())
        self.csv_button.clicked.connect(lambda: self.save("csv"))
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        context.sync.statusChanged.connect(self._synced)  # a bound slot: dropped with the screen
        self._load_desks()
        self.refresh()

    def chosen_day(self) -> date:
        return self.day.date().toPython()  # type: ignore[no-any-return]

    def chosen_desk(self) -> str | None:
        return self.desk.currentData() or None

    def _load_desks(self) -> None:
        def loaded(desks: list[str]) -> None:
            current = self.desk.currentData()
            self.desk.blockSignals(True)
            for desk in desks:
                if self.desk.findData(desk) < 0:
                    self.desk.addItem(desk, desk)
            self.desk.setCurrentIndex(max(self.desk.findData(current), 0))
            self.desk.blockSignals(False)

        Op(self, self.ops.desks).success(loaded).run_on(
            self._context.executors.store, executors=self._context.executors
        )

    def _synced(self, _status: object = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        day, desk, zone = self.chosen_day(), self.chosen_desk(), self._zone
        Op(self, lambda: self.ops.cash_report(day, desk=desk, zone=zone)).success(
            lambda found: self._show(*found)
        ).run_on(self._context.executors.store, executors=self._context.executors)

    def _show(self, report: CashReport, waiting: int) -> None:
        if (report.day, report.desk) != (self.chosen_day(), self.chosen_desk()):
            return  # the person chose another day or desk meanwhile
        self.report = report
        where = report.desk or tr("all desks")
        self.title.setText(
            tr("Cash report of {day} · {desk}").format(day=format_date(report.day, self._locale), desk=where)
        )
        rows = [
            (
                method_label(line.method),
                self._locale.toString(line.payments),
                self._locale.toString(line.refunds),
                format_money(line.taken, self._locale),
                format_money(line.refunded, self._locale),
                format_money(line.net, self._locale),
            )
            for line in report.lines
        ]
        rows.append(
            (
                tr("Total"),
                self._locale.toString(sum(line.payments for line in report.lines)),
                self._locale.toString(sum(line.refunds for line in report.lines)),
                format_money(report.total_taken, self._locale),
                format_money(report.total_refunded, self._locale),
                format_money(report.total_net, self._locale),
            )
        )
        self.table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row == len(rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        note = tr("From the payments this computer has received from the server.")
        if waiting:
            note += " " + QCoreApplication.translate(
                "Patient",
                "%n payments taken on this computer wait to sync and are not counted yet.",
                None,
                waiting,
            )
        if not report.lines:
            note = tr("No payments or refunds on this day.") + " " + note
        self.note.setText(note)
        self.reportShown.emit(report)

    def save(self, file_format: str) -> None:
        """Fetch the report as the server makes it, then ask where to save it."""
        day, desk = self.chosen_day(), self.chosen_desk()
        self.message.setText(tr("Fetching the report from the server…"))
        self.message.show()
        Op(self, lambda: self.ops.cash_report_file(day, desk=desk, file_format=file_format)).success(
            lambda content: self._save(content, day=day, desk=desk, file_format=file_format)
        ).failure(self._failed).run_on(self._context.executors.network, executors=self._context.executors)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(problem_text(error))
        self.message.show()

    def _save(self, content: bytes, *, day: date, desk: str | None, file_format: str) -> None:
        self.message.hide()
        suggested = f"cash-report-{day.isoformat()}{'-' + desk if desk else ''}.{file_format}"
        name_filter = tr("CSV files (*.csv)") if file_format == "csv" else tr("PDF files (*.pdf)")
        path = self.choose_save_path(tr("Save the cash report"), suggested, name_filter)
        if path is None:
            return
        try:
            Path(path).write_bytes(content)
        except OSError as exc:
            self._failed(exc)
            return
        self.message.setText(tr("Report saved to {path}.").format(path=path))
        self.message.show()
