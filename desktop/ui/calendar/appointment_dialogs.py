"""An appointment's details (status, history, a refusal's reason and the slots offered instead), and the
dialogs to move or cancel it. The dialogs collect; the calendar screen queues the change.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import QCoreApplication, QLocale, QTime, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.booking import AppointmentDetails, Happening, HistoryLine
from desktop.ops.calendar import DoctorColumn, local_instant
from desktop.ui import refusals
from desktop.ui.calendar.booking_dialog import clock, pydate, qdate, short_day
from desktop.ui.theme import status_label
from shared.booking import AppointmentStatus

MIN_CANCEL_REASON = 3


def format_when(starts: datetime, ends: datetime, *, zone: object, locale: QLocale) -> str:
    """'Tue 25/03/2025, 10:20–10:40' in the doctor's zone."""
    local_start = starts.astimezone(zone)  # type: ignore[arg-type]
    local_end = ends.astimezone(zone)  # type: ignore[arg-type]
    day = short_day(locale, local_start.date(), weekday=True)
    return f"{day}, {clock(locale, local_start)}–{clock(locale, local_end)}"


def refusal_text(code: str, message: str) -> str:
    """Why the server refused the booking: our sentence alone for a known code (the server's English
    message says the same thing), the server's message for an unknown one."""
    return refusals.refusal_text(
        code,
        None if refusals.is_known(code) else message,
        fallback=QCoreApplication.translate("AppointmentDetails", "The server refused the booking."),
    )


def history_text(line: HistoryLine, *, locale: QLocale) -> str:
    when = ""
    if line.at is not None:
        local = line.at.astimezone()
        when = f"{short_day(locale, local.date())} {clock(locale, local)}"
    texts = {
        Happening.REQUESTED_HERE: QCoreApplication.translate(
            "AppointmentDetails", "Requested on this computer"
        ),
        Happening.RESCHEDULE_REQUESTED_HERE: QCoreApplication.translate(
            "AppointmentDetails", "Move requested on this computer"
        ),
        Happening.CANCEL_REQUESTED_HERE: QCoreApplication.translate(
            "AppointmentDetails", "Cancellation requested on this computer"
        ),
        Happening.ATTENDANCE_RECORDED_HERE: QCoreApplication.translate(
            "AppointmentDetails", "Attendance recorded on this computer"
        ),
        Happening.SENT: QCoreApplication.translate(
            "AppointmentDetails", "Sent to the server, waiting for its answer"
        ),
        Happening.ACCEPTED: QCoreApplication.translate("AppointmentDetails", "Accepted by the server"),
        Happening.REFUSED: QCoreApplication.translate("AppointmentDetails", "Refused by the server"),
        Happening.CONFLICT: QCoreApplication.translate(
            "AppointmentDetails", "Changed by someone else meanwhile"
        ),
        Happening.RESCHEDULED_FROM: QCoreApplication.translate(
            "AppointmentDetails", "Moved here from an earlier appointment"
        ),
        Happening.RESCHEDULED_TO: QCoreApplication.translate("AppointmentDetails", "Moved to another time"),
    }
    if line.happening is Happening.NOW:
        try:
            status = status_label(AppointmentStatus(line.detail))
        except ValueError:
            status = line.detail
        return QCoreApplication.translate("AppointmentDetails", "Now: {status}").format(status=status)
    text = texts[line.happening]
    if line.detail and line.happening is Happening.REFUSED:
        text = f"{text}: {line.detail}"
    return f"{when} · {text}" if when else text


class AppointmentDetailsDialog(QDialog):
    """Shows one appointment. Signals: `bookInsteadRequested(starts_at_utc)` (one click on an offered
    slot), `rescheduleRequested()`, `cancelRequested()`, `attendanceRecorded(came)` (the patient came
    or did not, once it has begun). `show_details` refreshes it in place (the server's answer arrived
    while it was open)."""

    bookInsteadRequested = Signal(object)
    rescheduleRequested = Signal()
    cancelRequested = Signal()
    attendanceRecorded = Signal(bool)
    patientRequested = Signal(object)  # the patient's id: open their screen

    def __init__(
        self,
        details: AppointmentDetails,
        *,
        locale: QLocale | None = None,
        documents: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`documents`: the appointment's documents (desktop/ui/documents/panel.py), for its carers."""
        super().__init__(parent)
        self._locale = locale if locale is not None else QLocale()
        self.setWindowTitle(self.tr("Appointment"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(480)
        self.details = details

        self.patient = QLabel(self)
        self.when = QLabel(self)
        self.doctor = QLabel(self)
        self.room = QLabel(self)
        self.status = QLabel(self)
        self.status.setAccessibleName(self.tr("Status"))
        self.waiting = QLabel(self)
        self.waiting.setWordWrap(True)
        self.waiting.setStyleSheet("color: #475569;")
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.cancel_reason = QLabel(self)
        self.cancel_reason.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Patient:"), self.patient)
        form.addRow(self.tr("When:"), self.when)
        form.addRow(self.tr("Doctor:"), self.doctor)
        form.addRow(self.tr("Room:"), self.room)
        form.addRow(self.tr("Status:"), self.status)
        form.addRow(self.tr("Reason:"), self.reason)
        form.addRow(self.tr("Cancelled because:"), self.cancel_reason)
        self._form = form

        self.refusal_box = QGroupBox(self.tr("Why the server refused it"), self)
        self.refusal = QLabel(self.refusal_box)
        self.refusal.setWordWrap(True)
        self.refusal.setAccessibleName(self.tr("Why the server refused it"))
        self.alternatives_label = QLabel(self.refusal_box)
        self.alternatives_label.setWordWrap(True)
        self.alternatives = QVBoxLayout()
        refusal_layout = QVBoxLayout(self.refusal_box)
        refusal_layout.addWidget(self.refusal)
        refusal_layout.addWidget(self.alternatives_label)
        refusal_layout.addLayout(self.alternatives)
        self.alternative_buttons: list[QPushButton] = []

        history_box = QGroupBox(self.tr("History"), self)
        self.history = QListWidget(history_box)
        self.history.setAccessibleName(self.tr("History"))
        self.history.setMaximumHeight(120)
        QVBoxLayout(history_box).addWidget(self.history)

        self.reschedule_button = QPushButton(self.tr("&Move…"), self)
        self.reschedule_button.setAccessibleName(self.tr("Move the appointment"))
        self.cancel_button = QPushButton(self.tr("Cancel &appointment…"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel the appointment"))
        self.came_button = QPushButton(self.tr("Patient &came"), self)
        self.came_button.setAccessibleName(self.tr("Record that the patient came"))
        self.no_show_button = QPushButton(self.tr("&Did not come"), self)
        self.no_show_button.setAccessibleName(self.tr("Record that the patient did not come"))
        self.patient_button = QPushButton(self.tr("&Open patient…"), self)
        self.patient_button.setAccessibleName(self.tr("Open the patient's screen"))
        self.patient_button.clicked.connect(self._open_patient)
        close = QPushButton(self.tr("&Close"), self)
        close.setDefault(True)
        close.clicked.connect(self.accept)
        self.reschedule_button.clicked.connect(self.rescheduleRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.came_button.clicked.connect(lambda: self.attendanceRecorded.emit(True))
        self.no_show_button.clicked.connect(lambda: self.attendanceRecorded.emit(False))
        buttons = QHBoxLayout()
        buttons.addWidget(self.came_button)
        buttons.addWidget(self.no_show_button)
        buttons.addWidget(self.reschedule_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.patient_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.waiting)
        layout.addWidget(self.refusal_box)
        layout.addWidget(history_box)
        self.documents = documents
        if documents is not None:
            documents_box = QGroupBox(self.tr("Documents"), self)
            documents.setParent(documents_box)
            documents.setMaximumHeight(140)
            QVBoxLayout(documents_box).addWidget(documents)
            layout.addWidget(documents_box)
        layout.addLayout(buttons)
        self.show_details(details)

    def _open_patient(self) -> None:
        if self.details.patient is not None:
            self.patientRequested.emit(self.details.patient.id)
            self.accept()

    def show_details(self, details: AppointmentDetails) -> None:
        self.details = details
        self.patient_button.setEnabled(details.patient is not None)
        zone = details.doctor.zone if details.doctor else None
        self.patient.setText(
            details.patient.label if details.patient else self.tr("A patient not on this computer")
        )
        self.when.setText(format_when(details.starts_at, details.ends_at, zone=zone, locale=self._locale))
        self.doctor.setText(details.doctor.name if details.doctor else "")
        self.room.setText(details.room.name if details.room else self.tr("None"))
        self.status.setText(f"<b>{status_label(details.status)}</b>")
        if details.status is AppointmentStatus.REJECTED:
            self.waiting.setText("")
        elif details.waiting_for_server:
            self.waiting.setText(self.tr("Requested: it will be confirmed when the server answers."))
        else:
            self.waiting.setText("")
        self.waiting.setVisible(bool(self.waiting.text()))
        self.reason.setText(details.reason or "—")
        self.cancel_reason.setText(details.cancel_reason)
        # Only a cancelled appointment has the row, and only with its reason: never "Cancelled because: -".
        self._form.setRowVisible(self.cancel_reason, bool(details.cancel_reason.strip()))

        refused = details.status is AppointmentStatus.REJECTED
        self.refusal_box.setVisible(refused)
        why = refusal_text(details.rejection_code, details.rejection_message) if refused else ""
        self.refusal.setText(why)
        # The server's English words stay at hand for IT, not repeated in brackets after ours.
        self.refusal.setToolTip(
            details.rejection_message if refused and details.rejection_message != why else ""
        )
        for button in self.alternative_buttons:
            self.alternatives.removeWidget(button)
            button.deleteLater()
        self.alternative_buttons = []
        if refused and details.alternatives:
            self.alternatives_label.setText(self.tr("The next free times the server offered:"))
            for slot in details.alternatives:
                when = format_when(slot.starts_at, slot.ends_at, zone=zone, locale=self._locale)
                button = QPushButton(self.tr("Book {when} instead").format(when=when), self.refusal_box)
                button.setAccessibleName(button.text())
                button.setEnabled(details.can_book_alternative)
                button.clicked.connect(lambda _=False, at=slot.starts_at: self.bookInsteadRequested.emit(at))
                self.alternatives.addWidget(button)
                self.alternative_buttons.append(button)
        elif refused:
            self.alternatives_label.setText(
                self.tr("The server offered no other time; pick one in the calendar.")
            )
        else:
            self.alternatives_label.setText("")

        self.history.clear()
        for line in details.history:
            self.history.addItem(history_text(line, locale=self._locale))
        self.reschedule_button.setVisible(details.can_reschedule)
        self.cancel_button.setVisible(details.can_cancel)
        self.came_button.setVisible(details.can_record_attendance)
        self.no_show_button.setVisible(details.can_record_attendance)


class RescheduleDialog(QDialog):
    """Choose the new date and time (in the doctor's zone) and length of a confirmed appointment."""

    def __init__(
        self,
        *,
        doctor: DoctorColumn,
        starts_at: datetime,
        duration_minutes: int,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._doctor = doctor
        locale = locale if locale is not None else QLocale()
        self.setWindowTitle(self.tr("Move the appointment"))
        self.setAccessibleName(self.windowTitle())
        local = starts_at.astimezone(doctor.zone)
        self.date_edit = QDateEdit(qdate(local.date()), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setLocale(locale)
        self.date_edit.setDisplayFormat(locale.dateFormat(QLocale.FormatType.ShortFormat))
        self.date_edit.setAccessibleName(self.tr("New date"))
        self.time_edit = QTimeEdit(QTime(local.hour, local.minute), self)
        self.time_edit.setLocale(locale)
        self.time_edit.setDisplayFormat(locale.timeFormat(QLocale.FormatType.ShortFormat))
        self.time_edit.setAccessibleName(self.tr("New start time"))
        self.duration = QSpinBox(self)
        self.duration.setRange(5, 480)
        self.duration.setValue(duration_minutes)
        self.duration.setSuffix(self.tr(" min"))
        self.duration.setAccessibleName(self.tr("Duration in minutes"))
        note = QLabel(
            self.tr("The appointment keeps its place until the server confirms the new time."), self
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("New &date:"), self.date_edit)
        form.addRow(self.tr("New &time:"), self.time_edit)
        form.addRow(self.tr("D&uration:"), self.duration)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Move"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def set_start(self, starts_at: datetime) -> None:
        local = starts_at.astimezone(self._doctor.zone)
        self.date_edit.setDate(qdate(local.date()))
        self.time_edit.setTime(QTime(local.hour, local.minute))

    def starts_at(self) -> datetime:
        chosen = self.time_edit.time()
        day = pydate(self.date_edit.date())
        return local_instant(day, time(chosen.hour(), chosen.minute()), self._doctor.zone)

    def ends_at(self) -> datetime:
        return self.starts_at() + timedelta(minutes=self.duration.value())


class CancelDialog(QDialog):
    """Cancel with a reason: the Cancel-appointment button stays disabled until one is written."""

    def __init__(self, *, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cancel the appointment"))
        self.setAccessibleName(self.windowTitle())
        what = QLabel(description, self)
        what.setWordWrap(True)
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName(self.tr("Reason for cancelling"))
        self.reason.setPlaceholderText(self.tr("Why is it cancelled? (required)"))
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        label = QLabel(self.tr("&Reason:"), self)
        label.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.confirm_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText(self.tr("Cancel &appointment"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("&Keep it"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._refresh)
        self._refresh()

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()[:500]

    def _refresh(self) -> None:
        self.confirm_button.setEnabled(len(self.reason_text()) >= MIN_CANCEL_REASON)

    def accept(self) -> None:
        if len(self.reason_text()) < MIN_CANCEL_REASON:
            return  # a reason is required (Enter in the dialog must not bypass the disabled button)
        super().accept()
