"""The Calendar screen of the main window: the painted calendars plus booking, moving and cancelling.

Schedulers and administrators pick a department (the doctors' specialty, or all) and see its doctors'
day side by side, or one doctor's week; they book from any free slot. A doctor sees their own calendar
read-mostly: they may cancel in it, nothing else. Every read and write goes through the store worker
(`Op`), the booking dialog's checks too. The cache reports what each write changed
(`DesktopContext.changes`): the page on screen reloads only when a report touches one of its appointments
or doctors, the directory (doctors, rooms, hours, patients) only when one of those changed. The sync
engine notices a queued change by itself. The server's answer (confirmed, or refused with the next free
slots) arrives with a pull: the page, the banner and an open details dialog then refresh themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.ops.background import Op
from desktop.ops.booking import AppointmentDetails, BookingDesk, BookingRefused, CalendarRights
from desktop.ops.calendar import CalendarSnapshot
from desktop.ops.calendar_query import BookingQuestion, DoctorEntry, RoomChoice, StoreCalendarQuery
from desktop.ops.export import day_list, export_ics
from desktop.ops.patient_search import PatientIndex
from desktop.ops.session import DesktopContext
from desktop.store import StorageUnavailable
from desktop.store.changes import OpChanges
from desktop.sync import Connection
from desktop.ui.calendar.appointment_dialogs import (
    AppointmentDetailsDialog,
    CancelDialog,
    RescheduleDialog,
    format_when,
)
from desktop.ui.calendar.booking_dialog import BookingDialog, short_day
from desktop.ui.calendar.print_day import write_day_pdf
from desktop.ui.calendar.views import CalendarPage, MultiDoctorDayView, Runner, WeekView
from shared.booking import AppointmentStatus
from shared.privacy import CARE_ROLES
from shared.protocol import Entity
from shared.roles import Role

T = TypeVar("T")
EXPORT_DAYS = 56  # an iCalendar export covers the shown week and the seven after it
REFRESH_DELAY_MS = 100  # reports heard within this long are acted on together (a pull writes page by page)
# Record kinds the screen keeps in memory besides the page: doctors, rooms, hours, the type-ahead.
DIRECTORY = (Entity.DOCTOR, Entity.ROOM, Entity.AVAILABILITY, Entity.PATIENT)
WEEK, DAY = "week", "day"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CalendarScreen(QWidget):
    """The shell's Calendar screen. Signals: `noticed(text)` for every message shown in the banner,
    `dialogOpened(dialog)` when a booking, details, move or cancel dialog opens, `changed(appointment_id)`
    after a change was queued, `exported(path)` after a file was written, `caughtUp(changes)` once the
    cache's reports heard together (OpChanges, merged) have been acted on."""

    noticed = Signal(str)
    dialogOpened = Signal(object)
    changed = Signal(object)
    exported = Signal(object)
    caughtUp = Signal(object)
    patientRequested = Signal(object)  # a patient's id, from an appointment's details

    def __init__(
        self,
        context: DesktopContext,
        *,
        parent: QWidget | None = None,
        locale: QLocale | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._locale = locale if locale is not None else QLocale()
        self._now = now
        self.query = StoreCalendarQuery(context.store)
        self.rights = CalendarRights(role=context.user.role, doctor_id=context.user.doctor_id)
        self.desk = BookingDesk(self.query, self.rights, now=now)
        self._doctors: list[DoctorEntry] = []
        self._patients: PatientIndex | None = None
        self._rooms: list[RoomChoice] = []
        self._heard: OpChanges | None = None  # the cache's reports not yet acted on
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._catch_up)
        self.page: CalendarPage | None = None
        self._awaiting: uuid.UUID | None = None  # the booking the banner says is requested
        self.dialog: QDialog | None = None
        self.setAccessibleName(self.tr("Calendar"))

        self.week_button = QPushButton(self.tr("&Week"), self)
        self.day_button = QPushButton(
            self.tr("&Day") if self._own_calendar_only else self.tr("Doctors' &day"), self
        )
        self._modes = QButtonGroup(self)
        for mode, button in ((WEEK, self.week_button), (DAY, self.day_button)):
            button.setCheckable(True)
            button.setProperty("mode", mode)
            self._modes.addButton(button)
        self.week_button.setAccessibleName(self.tr("Show one doctor's week"))
        self.day_button.setAccessibleName(self.tr("Show one day of several doctors"))
        (self.week_button if self._own_calendar_only else self.day_button).setChecked(True)
        self._modes.buttonClicked.connect(lambda _button: self._show_page())

        self.department = QComboBox(self)
        self.department.setAccessibleName(self.tr("Department"))
        self.department.currentIndexChanged.connect(self._department_changed)
        self.department_label = QLabel(self.tr("De&partment:"), self)
        self.department_label.setBuddy(self.department)
        self.doctor = QComboBox(self)
        self.doctor.setAccessibleName(self.tr("Doctor"))
        self.doctor.currentIndexChanged.connect(lambda _index: self._show_page())
        self.doctor_label = QLabel(self.tr("D&octor:"), self)
        self.doctor_label.setBuddy(self.doctor)
        for widget in (self.department_label, self.department, self.doctor_label, self.doctor):
            widget.setVisible(not self._own_calendar_only)

        self.export_button = QPushButton(self.tr("Export iCalendar…"), self)
        self.export_button.setAccessibleName(self.tr("Export the doctor's calendar as iCalendar"))
        self.export_button.setToolTip(self.tr("The week shown and the seven after it, as an .ics file"))
        self.export_button.clicked.connect(self._ask_export_path)
        self.print_button = QPushButton(self.tr("Day list as PDF…"), self)
        self.print_button.setAccessibleName(self.tr("Save the doctor's day list as PDF"))
        self.print_button.clicked.connect(self._ask_pdf_path)

        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.tr("Message"))
        self.banner.setStyleSheet("background: #FFF7E6; color: #7A4B00; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        self._waiting = QLabel(self.tr("Loading the calendar…"), self)
        self._waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._waiting.setWordWrap(True)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._waiting)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 8, 8, 0)
        bar.addWidget(self.week_button)
        bar.addWidget(self.day_button)
        bar.addSpacing(12)
        bar.addWidget(self.department_label)
        bar.addWidget(self.department)
        bar.addWidget(self.doctor_label)
        bar.addWidget(self.doctor)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self._stack, 1)

        context.changes.changed.connect(self._store_changed)
        self.reload_directory()

    @property
    def _own_calendar_only(self) -> bool:
        return self._context.user.role is Role.DOCTOR

    # ---- running work on the store worker ----

    def _run(
        self,
        work: Callable[[], T],
        done: Callable[[T], Any],
        *,
        failed: Callable[[BaseException], Any] | None = None,
    ) -> None:
        executors = self._context.executors
        Op(self, work).success(done).failure(failed or self._failed).run_on(
            executors.store, executors=executors
        )

    def _runner_for(self, holder: list[CalendarPage]) -> Runner:
        """A page's runner: its answer is dropped once the page is gone (replaced by another view)."""

        def run(work: Callable[[], CalendarSnapshot], done: Callable[[CalendarSnapshot], None]) -> None:
            self._run(work, lambda snapshot: done(snapshot) if holder and isValid(holder[0]) else None)

        return run

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, BookingRefused):
            self.notify(refused_text(error))
        elif isinstance(error, (StorageUnavailable, OSError)):
            self.notify(str(error))
        else:
            self._context.executors.on_unhandled(error)

    def notify(self, text: str) -> None:
        """Show a message above the calendar (it stays until the next one)."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.noticed.emit(text)

    # ---- doctors, patients, rooms ----

    def reload_directory(self, *, forget: bool = False) -> None:
        """Read the doctors (again, with `forget`: after the cache reported new ones), then the rooms and
        the patients of the type-ahead: the calendar shows first, the index of every patient after it."""
        query = self.query

        def read_doctors() -> list[DoctorEntry]:
            if forget:
                query.forget()
            return query.doctors()

        self._run(read_doctors, self._doctors_loaded)

    def _booking_lists_loaded(self, loaded: tuple[list[RoomChoice], PatientIndex]) -> None:
        self._rooms, self._patients = loaded

    @property
    def ready_to_book(self) -> bool:
        """The page is on screen and the type-ahead's patients are loaded."""
        return self.page is not None and self._patients is not None

    def _doctors_loaded(self, doctors: list[DoctorEntry]) -> None:
        self._show_doctors(doctors)
        # After the page's first range: the calendar is on screen before every patient is indexed.
        query = self.query
        self._run(lambda: (query.rooms(), query.patients()), self._booking_lists_loaded)

    def _show_doctors(self, doctors: list[DoctorEntry]) -> None:
        visible = [doctor for doctor in doctors if self.rights.sees(doctor.id)]
        if visible == self._doctors and self.page is not None:
            return  # the same doctors: the page on screen stays (it reloads its own range)
        self._doctors = visible
        if not self._doctors:
            self._waiting.setText(
                self.tr("Your calendar appears here after the first sync with the server.")
                if self._own_calendar_only
                else self.tr("The doctors' calendars appear here after the first sync with the server.")
            )
            return
        self.department.blockSignals(True)
        current = self.department.currentData()
        self.department.clear()
        self.department.addItem(self.tr("All departments"), "")
        for specialty in sorted({d.specialty for d in self._doctors if d.specialty}, key=str.casefold):
            self.department.addItem(specialty, specialty)
        self.department.setCurrentIndex(max(0, self.department.findData(current)))
        self.department.blockSignals(False)
        self._fill_doctors()
        self._show_page()

    def _department_doctors(self) -> list[DoctorEntry]:
        specialty = self.department.currentData() or ""
        return [d for d in self._doctors if not specialty or d.specialty == specialty] or self._doctors

    def _fill_doctors(self) -> None:
        current = self.doctor.currentData()
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for doctor in self._department_doctors():
            self.doctor.addItem(doctor.name, doctor.id)
        self.doctor.setCurrentIndex(max(0, self.doctor.findData(current)))
        self.doctor.blockSignals(False)

    def _department_changed(self, _index: int) -> None:
        self._fill_doctors()
        self._show_page()

    def selected_doctor(self) -> DoctorEntry | None:
        """The doctor of the week view, of the exports and of the day list."""
        if not self._doctors:
            return None
        chosen = self.doctor.currentData()
        return next((d for d in self._doctors if d.id == chosen), self._department_doctors()[0])

    # ---- the page on screen ----

    @property
    def mode(self) -> str:
        button = self._modes.checkedButton()
        return str(button.property("mode")) if button is not None else WEEK

    def set_mode(self, mode: str) -> None:
        (self.week_button if mode == WEEK else self.day_button).setChecked(True)
        self._show_page()

    def _show_page(self) -> None:
        doctor = self.selected_doctor()
        if doctor is None:
            return
        holder: list[CalendarPage] = []
        options: dict[str, Any] = {
            "query": self.query,
            "runner": self._runner_for(holder),
            "now": self._now,
            "locale": self._locale,
            "slot_minutes": min(30, max(5, doctor.slot_minutes)),
        }
        page: CalendarPage
        if self.mode == WEEK:
            page = WeekView(doctor=doctor.column, **options)
        else:
            doctors = [doctor] if self._own_calendar_only else self._department_doctors()
            page = MultiDoctorDayView(doctors=[d.column for d in doctors], **options)
        holder.append(page)
        page.slotActivated.connect(self.book_at)
        page.appointmentActivated.connect(self.open_appointment)
        old, self.page = self.page, page
        self._stack.addWidget(page)
        self._stack.setCurrentWidget(page)
        if old is not None:
            page.show_date(old.day)
            self._stack.removeWidget(old)
            old.deleteLater()
        else:
            page.show_today()

    def _entry(self, doctor_id: uuid.UUID) -> DoctorEntry | None:
        return next((d for d in self._doctors if d.id == doctor_id), None)

    @property
    def offline(self) -> bool:
        return self._context.sync.status.state not in (Connection.ONLINE, Connection.SYNCING)

    # ---- booking ----

    def book_at(self, doctor_id: uuid.UUID, starts_at: datetime) -> BookingDialog | None:
        """Open the booking dialog for a free slot (what a click or Enter on free time does)."""
        doctor = self._entry(doctor_id)
        if doctor is None:
            return None
        if self._patients is None:
            self.notify(self.tr("The patient list is still loading; try again in a moment."))
            return None
        if not self.rights.may_book(doctor_id):
            self.notify(self.tr("Your calendar is read-only here: ask a scheduler to book appointments."))
            return None
        dialog = BookingDialog(
            doctor=doctor.column,
            starts_at=starts_at,
            patients=self._patients,
            rooms=self._rooms,
            slot_minutes=doctor.slot_minutes,
            offline=self.offline,
            locale=self._locale,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._book(dialog))
        dialog.checkWanted.connect(lambda question: self._check(dialog, question))
        self._check(dialog, dialog.question())
        self._open(dialog)
        return dialog

    def _check(self, dialog: BookingDialog, question: BookingQuestion) -> None:
        """Answer the dialog's check on the store worker; an answer for a closed dialog is dropped."""
        query, executors = self.query, self._context.executors
        Op(dialog, lambda: query.check_booking(question)).success(dialog.show_check).failure(
            self._failed
        ).run_on(executors.store, executors=executors)

    def _book(self, dialog: BookingDialog) -> None:
        choice = dialog.choice()
        desk = self.desk
        self._run(
            lambda: desk.book(
                doctor_id=choice.doctor_id,
                patient_id=choice.patient_id,
                starts_at=choice.starts_at,
                duration_minutes=choice.duration_minutes,
                room_id=choice.room_id,
                reason=choice.reason,
            ),
            self._requested,
        )

    def _requested(self, appointment_id: uuid.UUID) -> None:
        """A booking (or a move) is on its way: the banner says so until the server's answer arrives."""
        self._awaiting = appointment_id
        self._queued(appointment_id, self._requested_text())

    def _requested_text(self) -> str:
        if self.offline:
            return self.tr(
                "Saved as requested on this computer: it will be confirmed when the server answers."
            )
        return self.tr("Requested: the server confirms it in a moment.")

    def _queued(self, appointment_id: uuid.UUID, text: str) -> None:
        """A change is queued: the cache's report of it reloads the page, and the sync sends it."""
        self.notify(text)
        self.changed.emit(appointment_id)

    # ---- an appointment ----

    def open_appointment(self, appointment_id: uuid.UUID) -> None:
        """Show the details dialog (what a click or Enter on an appointment does)."""
        desk = self.desk
        self._run(lambda: desk.details(appointment_id), self._show_details)

    def _show_details(self, details: AppointmentDetails) -> None:
        documents = None
        ops = getattr(self._context.sync, "documents", None)
        if ops is not None and self._context.user.role in CARE_ROLES:  # clinical: the carers only
            from desktop.ui.documents.panel import AppointmentDocumentsList

            documents = AppointmentDocumentsList(details.id, ops, executors=self._context.executors)
        dialog = AppointmentDetailsDialog(details, locale=self._locale, documents=documents, parent=self)
        dialog.bookInsteadRequested.connect(lambda at: self._book_instead(dialog, at))
        dialog.rescheduleRequested.connect(lambda: self._ask_reschedule(dialog))
        dialog.cancelRequested.connect(lambda: self._ask_cancel(dialog))
        dialog.attendanceRecorded.connect(lambda came: self._record_attendance(dialog, came))
        dialog.patientRequested.connect(self.patientRequested)
        self._open(dialog)

    def _record_attendance(self, dialog: AppointmentDetailsDialog, came: bool) -> None:
        appointment_id = dialog.details.id
        desk = self.desk
        dialog.accept()
        saved = self.tr("Saved: the patient came.") if came else self.tr("Saved: the patient did not come.")
        self._run(
            lambda: desk.record_attendance(appointment_id=appointment_id, came=came),
            lambda done_id: self._queued(done_id, saved),
        )

    def _book_instead(self, dialog: AppointmentDetailsDialog, starts_at: datetime) -> None:
        refused_id = dialog.details.id
        desk = self.desk
        dialog.accept()
        self._run(
            lambda: desk.book_instead(appointment_id=refused_id, starts_at=starts_at),
            self._requested,
        )

    def _ask_reschedule(self, details_dialog: AppointmentDetailsDialog) -> None:
        details = details_dialog.details
        if details.doctor is None:
            return
        details_dialog.accept()
        dialog = RescheduleDialog(
            doctor=details.doctor,
            starts_at=details.starts_at,
            duration_minutes=details.duration_minutes,
            locale=self._locale,
            parent=self,
        )
        desk = self.desk

        def move() -> None:
            starts_at, minutes = dialog.starts_at(), dialog.duration.value()
            self._run(
                lambda: desk.reschedule(
                    appointment_id=details.id, starts_at=starts_at, duration_minutes=minutes
                ),
                self._requested,
            )

        dialog.accepted.connect(move)
        self._open(dialog)

    def _ask_cancel(self, details_dialog: AppointmentDetailsDialog) -> None:
        details = details_dialog.details
        zone = details.doctor.zone if details.doctor else None
        when = format_when(details.starts_at, details.ends_at, zone=zone, locale=self._locale)
        who = details.patient.full_name if details.patient else ""
        details_dialog.accept()
        dialog = CancelDialog(description=f"{who}\n{when}", parent=self)
        desk = self.desk

        def cancel() -> None:
            reason = dialog.reason_text()
            self._run(
                lambda: desk.cancel(appointment_id=details.id, reason=reason),
                lambda appointment_id: self._queued(appointment_id, self.tr("Cancellation saved.")),
            )

        dialog.accepted.connect(cancel)
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        self.dialogOpened.emit(dialog)

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    # ---- the server's answers ----

    def _store_changed(self, changes: OpChanges) -> None:
        self._heard = changes if self._heard is None else self._heard.merged(changes)
        self._refresh_timer.start()

    def _catch_up(self) -> None:
        """Act on the reports heard since the last time, refreshing only what they touch."""
        heard, self._heard = self._heard, None
        if heard is None:
            return
        if heard.touches(*DIRECTORY):
            self.refresh()
            self.caughtUp.emit(heard)
            return
        if self.page is not None and self.page.concerned_by(heard):
            self.page.reload()
        if self._awaiting is not None and heard.touches_ids(Entity.APPOINTMENT, [self._awaiting]):
            self._check_awaited()
        dialog = self.dialog
        if isinstance(dialog, AppointmentDetailsDialog) and heard.touches_ids(
            Entity.APPOINTMENT, [dialog.details.id]
        ):
            self._refresh_details(dialog)
        self.caughtUp.emit(heard)

    def refresh(self) -> None:
        """Read the cache again: directory, the page on screen and an open details dialog."""
        self.reload_directory(forget=True)
        if self.page is not None:
            self.page.reload()
        if self._awaiting is not None:
            self._check_awaited()
        dialog = self.dialog
        if isinstance(dialog, AppointmentDetailsDialog):
            self._refresh_details(dialog)

    def _check_awaited(self) -> None:
        desk, awaited = self.desk, self._awaiting
        if awaited is not None:
            self._run(lambda: desk.details(awaited), self._answered, failed=lambda _error: None)

    def _refresh_details(self, dialog: AppointmentDetailsDialog) -> None:
        desk, appointment_id = self.desk, dialog.details.id
        self._run(
            lambda: desk.details(appointment_id),
            lambda details: dialog.show_details(details) if self.dialog is dialog else None,
        )

    def _answered(self, details: AppointmentDetails) -> None:
        """Replace "requested" in the banner with the server's answer once it is in the cache."""
        if details.id != self._awaiting or details.waiting_for_server:
            return
        self._awaiting = None
        zone = details.doctor.zone if details.doctor else None
        when = format_when(details.starts_at, details.ends_at, zone=zone, locale=self._locale)
        who = details.patient.full_name if details.patient else ""
        if details.status is AppointmentStatus.REJECTED:
            self.notify(
                self.tr(
                    "Not booked: the server refused {patient}, {when}. Open it in the calendar to see why "
                    "and to pick one of the next free times."
                ).format(patient=who, when=when)
            )
        else:
            self.notify(self.tr("Confirmed: {patient}, {when}.").format(patient=who, when=when))

    # ---- export and print ----

    def _ask_export_path(self) -> None:
        doctor = self.selected_doctor()
        if doctor is None:
            return
        name = f"{doctor.name}.ics".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export iCalendar"), str(Path.home() / name), self.tr("iCalendar (*.ics)")
        )
        if path:
            self.export_calendar(Path(path))

    def export_calendar(self, path: Path) -> None:
        """Write the selected doctor's calendar (the week shown and the 7 after it) to `path`."""
        doctor = self.selected_doctor()
        if doctor is None or self.page is None:
            return
        starts_at = self.page.visible_range()[0]
        query = self.query

        def written(count: int) -> None:
            text = self.tr("{count} appointments exported to {path}.")
            self._exported(path, text.format(count=count, path=path))

        self._run(
            lambda: export_ics(
                query,
                doctor=doctor.column,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=EXPORT_DAYS),
                path=path,
            ),
            written,
        )

    def _ask_pdf_path(self) -> None:
        doctor = self.selected_doctor()
        if doctor is None or self.page is None:
            return
        name = f"{doctor.name} {self.page.day.isoformat()}.pdf".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save the day list"), str(Path.home() / name), self.tr("PDF (*.pdf)")
        )
        if path:
            self.save_day_list(Path(path))

    def save_day_list(self, path: Path) -> None:
        """Save the selected doctor's list of the day shown as a PDF at `path`."""
        doctor = self.selected_doctor()
        if doctor is None or self.page is None:
            return
        query, day = self.query, self.page.day

        def saved(rows: Any) -> None:
            try:
                write_day_pdf(rows, path, locale=self._locale)
            except OSError as exc:
                self.notify(str(exc))
                return
            self._exported(
                path,
                self.tr("The day list of {day} was saved to {path}.").format(
                    day=short_day(self._locale, day), path=path
                ),
            )

        self._run(lambda: day_list(query, doctor=doctor.column, day=day), saved)

    def _exported(self, path: Path, text: str) -> None:
        self.notify(text)
        self.exported.emit(path)


def refused_text(error: BookingRefused) -> str:
    """What the user reads when this computer refuses a change before queueing it."""
    texts = {
        "not_allowed": QCoreApplication.translate(
            "CalendarScreen", "You may not change appointments in this calendar."
        ),
        "in_the_past": QCoreApplication.translate(
            "CalendarScreen", "That time has already passed: choose a later one."
        ),
        "unknown_patient": QCoreApplication.translate(
            "CalendarScreen", "That patient is not on this computer yet: sync and try again."
        ),
        "unknown_doctor": QCoreApplication.translate(
            "CalendarScreen", "That doctor is not on this computer yet: sync and try again."
        ),
        "unknown_appointment": QCoreApplication.translate(
            "CalendarScreen", "That appointment is no longer on this computer."
        ),
        "not_confirmed": QCoreApplication.translate(
            "CalendarScreen", "Only a confirmed appointment can be moved or cancelled; wait for the server."
        ),
        "not_begun": QCoreApplication.translate(
            "CalendarScreen", "The appointment has not begun yet: record who came once it has."
        ),
        "reason_too_short": QCoreApplication.translate(
            "CalendarScreen", "Write a reason of at least 3 characters."
        ),
    }
    return texts.get(error.code) or QCoreApplication.translate(
        "CalendarScreen", "The change was not saved: {detail}"
    ).format(detail=error.detail)
