"""The bar above a calendar: today, previous, next, a date picker and the range being shown."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop.ui.dates import date_format


class CalendarNavigationBar(QWidget):
    """Shows the range on screen; emits `todayRequested()`, `stepRequested(-1 | +1)`, `dateChosen(date)`."""

    todayRequested = Signal()
    stepRequested = Signal(int)
    dateChosen = Signal(object)

    def __init__(self, *, locale: QLocale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locale = locale

        self.today_button = QPushButton(self.tr("Today"), self)
        self.today_button.setAccessibleName(self.tr("Go to today"))
        self.today_button.setToolTip(self.tr("Go to today"))
        self.today_button.clicked.connect(self.todayRequested)

        self.previous_button = QToolButton(self)
        self.previous_button.setText("‹")
        self.previous_button.setAutoRaise(True)
        self.previous_button.clicked.connect(lambda: self.stepRequested.emit(-1))

        self.next_button = QToolButton(self)
        self.next_button.setText("›")
        self.next_button.setAutoRaise(True)
        self.next_button.clicked.connect(lambda: self.stepRequested.emit(1))
        arrow_font = QFont(self.next_button.font())
        arrow_font.setPointSizeF(arrow_font.pointSizeF() * 1.5)
        for button in (self.previous_button, self.next_button):
            button.setFont(arrow_font)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # tool buttons are skipped by Tab otherwise

        self.title = QLabel(self)
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setAccessibleName(self.tr("Dates shown"))

        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setLocale(locale)
        self.date_edit.setDisplayFormat(date_format(locale))
        # Change the range once the date is complete, not on every keystroke while typing it.
        self.date_edit.setKeyboardTracking(False)
        self.date_edit.setAccessibleName(self.tr("Go to date"))
        self.date_edit.setToolTip(self.tr("Go to date"))
        self.date_edit.dateChanged.connect(self._date_edited)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self.today_button)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addSpacing(8)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.date_edit)

    def set_state(self, *, day: date, title: str, previous_label: str, next_label: str) -> None:
        """Show the range now on screen, without echoing the change back as a request."""
        self.title.setText(title)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self.previous_button.setAccessibleName(previous_label)
        self.previous_button.setToolTip(previous_label)
        self.next_button.setAccessibleName(next_label)
        self.next_button.setToolTip(next_label)

    def _date_edited(self, chosen: QDate) -> None:
        self.dateChosen.emit(date(chosen.year(), chosen.month(), chosen.day()))
