"""Booking a free slot: patient type-ahead over the cache, time, duration, room and reason.

The dialog only collects and checks what the user typed; the calendar screen queues the booking on the
store worker once the dialog is accepted. Patients come from a `PatientIndex` already in memory, so
each keystroke is answered on the UI thread without touching SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.calendar import AppointmentItem, DoctorColumn, local_instant
from desktop.ops.calendar_query import BookingCheck, BookingQuestion, RoomChoice
from desktop.ops.patient_search import PatientIndex, PatientMatch
from desktop.ui.dates import birth_date_with_age, date_format

_Index = QModelIndex | QPersistentModelIndex
PatientRole = Qt.ItemDataRole.UserRole + 1


class PatientSearchModel(QAbstractListModel):
    """The type-ahead's rows: the patients matching what was typed, replaced on every keystroke."""

    def __init__(self, index: PatientIndex, parent: Any = None, *, limit: int = 20) -> None:
        super().__init__(parent)
        self._index = index
        self._limit = limit
        self._rows: list[PatientMatch] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column() != 0:
            return None
        patient = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return patient.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Born {date}").format(date=patient.birth_date) if patient.birth_date else None
        if role == PatientRole:
            return patient
        return None

    def search(self, text: str) -> None:
        self.beginResetModel()
        self._rows = self._index.search(text, limit=self._limit)
        self.endResetModel()

    def patients(self) -> list[PatientMatch]:
        return list(self._rows)


@dataclass(frozen=True)
class BookingChoice:
    """What the user chose in the dialog (the screen turns it into `BookingDesk.book`)."""

    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: datetime
    duration_minutes: int
    room_id: uuid.UUID | None
    reason: str


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def clock(locale: QLocale, value: datetime) -> str:
    """The wall-clock time of an aware `value` (already in the zone to show), in the locale's format."""
    return locale.toString(QTime(value.hour, value.minute), QLocale.FormatType.ShortFormat)


def short_day(locale: QLocale, day: date, *, weekday: bool = False) -> str:
    """The day in the locale's short form, the year in full."""
    pattern = date_format(locale)
    return locale.toString(qdate(day), f"ddd {pattern}" if weekday else pattern)


class BookingDialog(QDialog):
    """Book `doctor` at `starts_at` (a free slot). `choice()` is valid once the dialog is accepted.

    Each change of patient or time emits `checkWanted(BookingQuestion)`; whoever owns the dialog answers
    it off the UI thread (the cache is read on the store worker, never here) with `show_check`, and the
    dialog warns when the time is outside the doctor's hours or the patient is already booked then.
    `is_open(starts_at, ends_at)`, when given, answers the hours at once from memory (no cache reads).
    With `offline`, the dialog says the booking is confirmed later.
    """

    checkWanted = Signal(object)  # BookingQuestion
    checked = Signal(object)  # BookingCheck: an answer was shown

    def __init__(
        self,
        *,
        doctor: DoctorColumn,
        starts_at: datetime,
        patients: PatientIndex,
        rooms: Sequence[RoomChoice] = (),
        slot_minutes: int = 20,
        offline: bool = False,
        is_open: Callable[[datetime, datetime], bool] | None = None,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._doctor = doctor
        self._locale = locale if locale is not None else QLocale()
        self._is_open = is_open
        self._patient: PatientMatch | None = None
        self.setWindowTitle(self.tr("Book an appointment"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(460)

        local = starts_at.astimezone(doctor.zone)
        heading = QLabel(self.tr("Appointment with {doctor}").format(doctor=doctor.name), self)
        heading_font = heading.font()
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.15)
        heading.setFont(heading_font)

        self.patient_edit = QLineEdit(self)
        self.patient_edit.setPlaceholderText(self.tr("Type a name or an MRN"))
        self.patient_edit.setAccessibleName(self.tr("Patient"))
        self.patient_edit.setClearButtonEnabled(True)
        self.patients = PatientSearchModel(patients, self)
        self.completer = QCompleter(self.patients, self)
        # The model is already filtered by PatientIndex (word prefixes, accents ignored): show it as is.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(10)
        self.patient_edit.setCompleter(self.completer)
        self.patient_edit.textEdited.connect(self._typed)
        self.completer.activated[str].connect(self._picked)
        self.patient_hint = QLabel(self)
        self.patient_hint.setWordWrap(True)

        self.date_edit = QDateEdit(qdate(local.date()), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setLocale(self._locale)
        self.date_edit.setDisplayFormat(date_format(self._locale))
        self.date_edit.setAccessibleName(self.tr("Date"))
        self.time_edit = QTimeEdit(QTime(local.hour, local.minute), self)
        self.time_edit.setLocale(self._locale)
        self.time_edit.setDisplayFormat(self._locale.timeFormat(QLocale.FormatType.ShortFormat))
        self.time_edit.setAccessibleName(self.tr("Start time"))

        self.duration = QSpinBox(self)
        self.duration.setRange(5, 480)
        self.duration.setSingleStep(max(5, slot_minutes))
        self.duration.setValue(max(5, slot_minutes))
        self.duration.setSuffix(self.tr(" min"))
        self.duration.setAccessibleName(self.tr("Duration in minutes"))

        self.room = QComboBox(self)
        self.room.setAccessibleName(self.tr("Room"))
        self.room.addItem(self.tr("No room"), None)
        for room in rooms:
            self.room.addItem(room.name, room.id)

        self.reason = QLineEdit(self)
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(self.tr("Why the patient comes (optional)"))
        self.reason.setAccessibleName(self.tr("Reason"))

        self.hours_warning = QLabel(self)
        self.hours_warning.setWordWrap(True)
        self.hours_warning.setStyleSheet("color: #9A3412;")
        self.patient_warning = QLabel(self)
        self.patient_warning.setWordWrap(True)
        self.patient_warning.setStyleSheet("color: #9A3412;")
        self.patient_warning.setAccessibleName(self.tr("Patient already booked"))
        self.patient_warning.hide()
        self.offline_notice = QLabel(self)
        self.offline_notice.setWordWrap(True)
        if offline:
            self.offline_notice.setText(
                self.tr(
                    "You are working offline. The appointment is saved on this computer as requested and "
                    "will be confirmed when the server answers."
                )
            )
        else:
            self.offline_notice.setText(self.tr("The server confirms the appointment in a moment."))
        self.offline_notice.setStyleSheet("color: #475569;")

        form = QFormLayout()
        form.addRow(self._label(self.tr("&Patient:"), self.patient_edit), self.patient_edit)
        form.addRow("", self.patient_hint)
        form.addRow(self._label(self.tr("&Date:"), self.date_edit), self.date_edit)
        form.addRow(self._label(self.tr("&Time:"), self.time_edit), self.time_edit)
        form.addRow(self._label(self.tr("D&uration:"), self.duration), self.duration)
        form.addRow(self._label(self.tr("R&oom:"), self.room), self.room)
        form.addRow(self._label(self.tr("&Reason:"), self.reason), self.reason)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.book_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.book_button.setText(self.tr("&Book"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.hours_warning)
        layout.addWidget(self.patient_warning)
        layout.addWidget(self.offline_notice)
        layout.addWidget(self.buttons)

        for signal in (self.date_edit.dateChanged, self.time_edit.timeChanged, self.duration.valueChanged):
            signal.connect(self._refresh)
        self.patient_edit.setFocus()
        self._refresh()

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    # -- the patient

    def _typed(self, text: str) -> None:
        self._patient = None
        self.patients.search(text)
        matches = self.patients.patients()
        if text.strip() and not matches:
            hint = self.tr("No patient on this computer matches “{text}”.")
            self.patient_hint.setText(hint.format(text=text))
        else:
            self.patient_hint.setText("")
        # A single match that the user typed out whole counts as chosen.
        if len(matches) == 1 and text.strip().casefold() in (
            matches[0].label.casefold(),
            matches[0].mrn.casefold(),
        ):
            self._patient = matches[0]
        self.completer.complete()
        self._refresh()

    def _picked(self, label: str) -> None:
        self._patient = next((p for p in self.patients.patients() if p.label == label), None)
        if self._patient is not None and self._patient.birth_date:
            self.patient_hint.setText(self.tr("Born {date}").format(date=self._born(self._patient)))
        self._refresh()

    def _born(self, patient: PatientMatch) -> str:
        """The birth date in full with the age on the appointment's day: "08/06/1999 (26 years)"."""
        try:
            born = date.fromisoformat(patient.birth_date)
        except ValueError:
            return patient.birth_date
        on = self.starts_at().astimezone(self._doctor.zone).date()
        return birth_date_with_age(born, today=on, locale=self._locale)

    def choose_patient(self, patient: PatientMatch) -> None:
        """Pick `patient` as if chosen from the type-ahead."""
        self.patient_edit.setText(patient.label)
        self.patient_edit.setCursorPosition(0)
        self.patients.search(patient.label)
        self._picked(patient.label)

    @property
    def patient(self) -> PatientMatch | None:
        return self._patient

    # -- the time

    def starts_at(self) -> datetime:
        """The chosen start as a UTC instant (wall-clock time in the doctor's zone)."""
        chosen = self.time_edit.time()
        return local_instant(
            pydate(self.date_edit.date()), time(chosen.hour(), chosen.minute()), self._doctor.zone
        )

    def question(self) -> BookingQuestion:
        """The patient and time chosen now, as `checkWanted` asks about them."""
        starts = self.starts_at()
        return BookingQuestion(
            doctor_id=self._doctor.id,
            patient_id=self._patient.id if self._patient is not None else None,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=self.duration.value()),
        )

    def _refresh(self) -> None:
        question = self.question()
        if self._is_open is not None:
            self._show_hours(self._is_open(question.starts_at, question.ends_at))
        self.book_button.setEnabled(self._patient is not None)
        self.checkWanted.emit(question)

    def show_check(self, check: BookingCheck) -> None:
        """The cache's answer to `checkWanted`; an answer to an earlier choice is dropped."""
        if check.question != self.question():
            return
        self._show_hours(check.within_hours)
        self._show_busy(check.patient_busy)
        self.checked.emit(check)

    def _show_hours(self, within: bool) -> None:
        self.hours_warning.setText(
            ""
            if within
            else self.tr("This time is outside {doctor}'s hours: the server will refuse it.").format(
                doctor=self._doctor.name
            )
        )
        self.hours_warning.setVisible(bool(self.hours_warning.text()))

    def _show_busy(self, busy: Sequence[AppointmentItem]) -> None:
        """Warn before sending when this computer already knows the patient is booked at that time."""
        if busy:
            first = busy[0]
            self.patient_warning.setText(
                self.tr(
                    "{patient} already has an appointment at this time ({start}–{end}): the server will "
                    "refuse a second one. Choose another time, or move the other appointment first."
                ).format(
                    patient=self._patient.full_name if self._patient else "",
                    start=clock(self._locale, first.starts_at.astimezone(self._doctor.zone)),
                    end=clock(self._locale, first.ends_at.astimezone(self._doctor.zone)),
                )
            )
        else:
            self.patient_warning.setText("")
        self.patient_warning.setVisible(bool(busy))

    def choice(self) -> BookingChoice:
        """What to book. Raises ValueError when no patient is chosen."""
        if self._patient is None:
            raise ValueError("no patient chosen")
        return BookingChoice(
            doctor_id=self._doctor.id,
            patient_id=self._patient.id,
            starts_at=self.starts_at(),
            duration_minutes=self.duration.value(),
            room_id=self.room.currentData(),
            reason=self.reason.text().strip(),
        )
