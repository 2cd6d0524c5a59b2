"""The calendar by keyboard alone: Tab reaches every control in a sensible order, none is nameless."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from shared.roles import Role
from tests.desktop.calendar.conftest import Workstation
from tests.desktop.calendar.test_calendar_screen import open_screen


def tab_chain(qtbot: QtBot, start: QWidget, *, limit: int = 40) -> list[QWidget]:
    """The widgets Tab visits from `start` until it comes back round."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus)
    visited: list[QWidget] = [start]
    for _ in range(limit):
        current = QApplication.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        after = QApplication.focusWidget()
        assert after is not None
        if after is start:
            return visited
        visited.append(after)
    return visited


def test_tab_reaches_today_previous_next_and_the_date_picker_and_every_control_has_a_name(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    page = screen.page
    assert page is not None
    chain = tab_chain(qtbot, screen.week_button)
    nav = page.navigation
    for widget in (nav.today_button, nav.previous_button, nav.next_button, page.canvas, screen.doctor):
        assert any(w is widget or w.parent() is widget for w in chain), type(widget).__name__
    assert all(w.accessibleName() for w in chain), [type(w).__name__ for w in chain if not w.accessibleName()]
    # The week/day switch is one group: the arrow keys move within it (and Alt+W / Alt+D choose).
    assert screen.week_button.text() == "&Week"

    # Page Down on the calendar moves a step on; the date picker takes a typed date.
    before = nav.title.text()
    page.canvas.setFocus()
    qtbot.keyClick(page.canvas, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: nav.title.text() != before)
