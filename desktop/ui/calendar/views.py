"""The calendar screens: a week of one doctor, and one day of several doctors side by side.

Each view owns a navigation bar, an `AppointmentModel` and a `CalendarCanvas`. It never reads storage
itself: it hands `load_range` to a runner (the shell's background runner; `run_inline` in tests and
benchmarks) and applies the answer when it comes back, ignoring answers for a range no longer shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from desktop.ops.calendar import (
    CalendarQuery,
    CalendarSnapshot,
    DoctorColumn,
    day_bounds,
    load_range,
    week_start,
)
from desktop.store.changes import OpChanges
from desktop.ui.calendar.canvas import CalendarCanvas, CanvasColumn
from desktop.ui.calendar.model import AppointmentModel
from desktop.ui.calendar.navigation import CalendarNavigationBar
from desktop.ui.theme import Theme
from shared.protocol import Entity

Runner = Callable[[Callable[[], CalendarSnapshot], Callable[[CalendarSnapshot], None]], None]


def run_inline(work: Callable[[], CalendarSnapshot], done: Callable[[CalendarSnapshot], None]) -> None:
    """Run `work` now on this thread and hand its result to `done` (tests, benchmarks, screenshots)."""
    done(work())


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CalendarPage(QWidget):
    """What the week and day views share: navigation, loading a range, forwarding activation signals.

    Signals: `slotActivated(doctor_id, starts_at_utc)`, `appointmentActivated(appointment_id)`,
    `rangeChanged(starts_at_utc, ends_at_utc)`.
    """

    slotActivated = Signal(object, object)
    appointmentActivated = Signal(object)
    rangeChanged = Signal(object, object)

    step_days = 1

    def __init__(
        self,
        *,
        doctors: Sequence[DoctorColumn],
        query: CalendarQuery,
        theme: Theme | None = None,
        runner: Runner = run_inline,
        now: Callable[[], datetime] = _utc_now,
        locale: QLocale | None = None,
        day_start: time = time(7),
        day_end: time = time(20),
        slot_minutes: int = 15,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if not doctors:
            raise ValueError("a calendar shows at least one doctor")
        self._doctors = list(doctors)
        self._query = query
        self._runner = runner
        self._now = now
        self._locale = locale if locale is not None else QLocale()
        self._generation = 0
        self._day = now().astimezone(self._doctors[0].zone).date()

        self.model = AppointmentModel(self, locale=self._locale)
        self.model.set_doctors(self._doctors)
        self.navigation = CalendarNavigationBar(locale=self._locale, parent=self)
        self.canvas = CalendarCanvas(
            self.model,
            theme=theme if theme is not None else Theme.default(),
            now=now,
            locale=self._locale,
            day_start=day_start,
            day_end=day_end,
            slot_minutes=slot_minutes,
        )
        scroll = QScrollArea(self)
        scroll.setWidget(self.canvas)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the canvas inside takes the keyboard
        scroll.viewport().setAutoFillBackground(False)  # the canvas paints every pixel itself
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(scroll, 1)
        # No focus proxy: a proxy makes Tab skip the bar's buttons. Tab goes Today, previous, next, the
        # date picker, then the calendar (arrows move, Enter books or opens, Page Up/Down step).
        QWidget.setTabOrder(self.navigation.today_button, self.navigation.previous_button)
        QWidget.setTabOrder(self.navigation.previous_button, self.navigation.next_button)
        QWidget.setTabOrder(self.navigation.next_button, self.navigation.date_edit)
        QWidget.setTabOrder(self.navigation.date_edit, self.canvas)

        self.navigation.todayRequested.connect(self.show_today)
        self.navigation.stepRequested.connect(self.step)
        self.navigation.dateChosen.connect(self.show_date)
        self.canvas.stepRequested.connect(self.step)
        self.canvas.slotActivated.connect(self.slotActivated)
        self.canvas.appointmentActivated.connect(self.appointmentActivated)

    # -- navigation

    @property
    def day(self) -> date:
        """The date the view is anchored on (any day of the week shown, for the week view)."""
        return self._day

    def show_date(self, day: date) -> None:
        """Show the range containing `day` and load it."""
        self._day = day
        columns = self._columns()
        self.canvas.set_columns(columns)
        self._select_now(columns)
        self.navigation.set_state(
            day=day, title=self._title(), previous_label=self._step_label(-1), next_label=self._step_label(1)
        )
        self.reload()

    def show_today(self) -> None:
        self.show_date(self._now().astimezone(self._doctors[0].zone).date())

    def step(self, direction: int) -> None:
        """Move by one range: +1 next, -1 previous."""
        self.show_date(self._day + timedelta(days=direction * self.step_days))

    def visible_range(self) -> tuple[datetime, datetime]:
        """UTC bounds of the whole local days shown (all columns)."""
        bounds = [day_bounds(column.day, column.doctor.zone) for column in self.canvas.columns()]
        return min(b[0] for b in bounds), max(b[1] for b in bounds)

    def reload(self) -> None:
        """Ask for the visible range again (after a change reported by a mutation or a sync)."""
        self._generation += 1
        generation = self._generation
        starts_at, ends_at = self.visible_range()
        doctor_ids = [doctor.id for doctor in self._doctors]
        self.rangeChanged.emit(starts_at, ends_at)
        self._runner(
            lambda: load_range(self._query, doctor_ids=doctor_ids, starts_at=starts_at, ends_at=ends_at),
            lambda snapshot: self._apply(generation, snapshot),
        )

    def concerned_by(self, changes: OpChanges) -> bool:
        """Whether a report of the cache touches this page: an appointment shown on it, or any of its
        doctors' (a new or moved one may fall in the range shown)."""
        if changes.everything or changes.doctors & {str(doctor.id) for doctor in self._doctors}:
            return True
        return changes.touches_ids(Entity.APPOINTMENT, (item.id for item in self.model.items()))

    def _apply(self, generation: int, snapshot: CalendarSnapshot) -> None:
        if generation != self._generation:
            return  # the user has moved on to another range meanwhile
        self.canvas.set_open_windows(snapshot.open_windows)
        self.model.set_items(snapshot.appointments)

    def _select_now(self, columns: Sequence[CanvasColumn]) -> None:
        now = self._now()
        for index, column in enumerate(columns):
            local = now.astimezone(column.doctor.zone)
            if local.date() == column.day:
                minutes = local.hour * 60 + local.minute
                slot = self.canvas.slot_at_minutes(minutes)
                self.canvas.select_slot(index, slot)
                return

    # -- per view

    def _columns(self) -> list[CanvasColumn]:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _step_label(self, direction: int) -> str:
        raise NotImplementedError

    def _qdate(self, day: date) -> QDate:
        return QDate(day.year, day.month, day.day)


class WeekView(CalendarPage):
    """Monday to Sunday of one doctor, in the doctor's zone."""

    step_days = 7

    def __init__(self, *, doctor: DoctorColumn, query: CalendarQuery, **options: object) -> None:
        super().__init__(doctors=[doctor], query=query, **options)  # type: ignore[arg-type]
        self.setAccessibleName(self.tr("Week of {doctor}").format(doctor=doctor.name))
        self.canvas.setAccessibleName(self.accessibleName())

    def _columns(self) -> list[CanvasColumn]:
        monday = week_start(self._day)
        doctor = self._doctors[0]
        return [
            CanvasColumn(
                doctor=doctor,
                day=monday + timedelta(days=offset),
                title=self._locale.toString(self._qdate(monday + timedelta(days=offset)), "ddd d"),
            )
            for offset in range(7)
        ]

    def _title(self) -> str:
        monday = week_start(self._day)
        sunday = monday + timedelta(days=6)
        start_format = "d MMM" if monday.year == sunday.year else "d MMM yyyy"
        return self.tr("{doctor} · {start} – {end}").format(
            doctor=self._doctors[0].name,
            start=self._locale.toString(self._qdate(monday), start_format),
            end=self._locale.toString(self._qdate(sunday), "d MMM yyyy"),
        )

    def _step_label(self, direction: int) -> str:
        return self.tr("Previous week") if direction < 0 else self.tr("Next week")


class MultiDoctorDayView(CalendarPage):
    """One day, one column per doctor (each in their own zone); with one doctor, that doctor's day view."""

    step_days = 1

    def __init__(self, *, doctors: Sequence[DoctorColumn], query: CalendarQuery, **options: object) -> None:
        super().__init__(doctors=doctors, query=query, **options)  # type: ignore[arg-type]
        self.setAccessibleName(self.tr("Day of several doctors"))
        self.canvas.setAccessibleName(self.accessibleName())

    def _columns(self) -> list[CanvasColumn]:
        return [CanvasColumn(doctor=doctor, day=self._day, title=doctor.name) for doctor in self._doctors]

    def _title(self) -> str:
        return self._locale.toString(self._qdate(self._day), QLocale.FormatType.LongFormat)

    def _step_label(self, direction: int) -> str:
        return self.tr("Previous day") if direction < 0 else self.tr("Next day")
