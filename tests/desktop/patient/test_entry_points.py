"""Where a patient's screen opens from: the main window's search box, a notification or link naming the
patient, and an appointment's details in the calendar. The real main window over a real cache, offline."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.ops.session import DesktopSession
from desktop.settings import DesktopSettings
from desktop.ui.calendar.appointment_dialogs import AppointmentDetailsDialog
from desktop.ui.patient.screen import PatientsScreen
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.screens import default_screens
from shared.roles import Role
from tests.desktop.calendar.conftest import SERVER, tomorrow_at
from tests.desktop.patient.conftest import MARIA, pulled, server_appointment


@pytest.fixture
def main_window(qtbot: QtBot, workstation, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    station = workstation(Role.SCHEDULER)
    session = DesktopSession(
        server_url=SERVER,
        user=station.user,
        store=station.store,
        tokens=station.tokens,
        offline=True,
        token_in_keyring=False,
        keyring_available=False,
    )
    settings = DesktopSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(station.context, session=session, screens=default_screens(), settings=settings)
    window.station = station  # type: ignore[attr-defined]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close_for_sign_out()


def patients_screen(window: MainWindow) -> PatientsScreen:
    widget = window.screen_widgets["patients"]
    assert isinstance(widget, PatientsScreen)
    return widget


def test_the_search_box_finds_and_opens_a_patient(qtbot: QtBot, main_window: MainWindow) -> None:
    assert "patients" in main_window.screen_keys and "cash_report" in main_window.screen_keys
    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert main_window.patient_search.hasFocus()
    main_window.patient_search.setText("maria fer")
    qtbot.keyClick(main_window.patient_search, Qt.Key.Key_Return)
    screen = patients_screen(main_window)
    qtbot.waitUntil(lambda: screen.patient.name.text() == "Maria Fernandes", timeout=5000)
    assert main_window.screens.currentWidget() is screen


def test_a_record_naming_a_patient_opens_their_screen(qtbot: QtBot, main_window: MainWindow) -> None:
    main_window.open_record("patient", MARIA)
    screen = patients_screen(main_window)
    qtbot.waitUntil(lambda: screen.patient.name.text() == "Maria Fernandes", timeout=5000)
    assert main_window.screens.currentWidget() is screen


def test_an_appointments_details_open_the_patients_screen(qtbot: QtBot, main_window: MainWindow) -> None:
    appointment = uuid.uuid4()
    pulled(main_window.station.store, [server_appointment(appointment, starts_at=tomorrow_at(10))])  # type: ignore[attr-defined]
    calendar = main_window.show_screen(main_window.screen_keys.index("calendar"))
    assert calendar is not None
    with qtbot.waitSignal(calendar.dialogOpened, timeout=5000) as opened:  # type: ignore[attr-defined]
        calendar.open_appointment(appointment)  # type: ignore[attr-defined]
    dialog = opened.args[0]
    assert isinstance(dialog, AppointmentDetailsDialog) and dialog.patient_button.isEnabled()
    qtbot.mouseClick(dialog.patient_button, Qt.MouseButton.LeftButton)
    screen = patients_screen(main_window)
    qtbot.waitUntil(lambda: screen.patient.name.text() == "Maria Fernandes", timeout=5000)
    assert main_window.screens.currentWidget() is screen  # the details dialog closed on the way


def test_every_control_of_the_patient_screens_has_a_name(qtbot: QtBot, main_window: MainWindow) -> None:
    main_window.open_record("patient", MARIA)
    screen = patients_screen(main_window)
    qtbot.waitUntil(lambda: screen.patient.name.text() == "Maria Fernandes", timeout=5000)
    report = main_window.show_screen(main_window.screen_keys.index("cash_report"))
    assert report is not None
    for widget in (screen, report):
        nameless = [
            type(child).__name__
            for child in widget.findChildren(QWidget)
            if child.focusPolicy() & Qt.FocusPolicy.TabFocus
            and child.isVisibleTo(widget)
            and not child.accessibleName()
            and not getattr(child, "text", lambda: "")()
            and type(child).__name__ not in ("QTabBar", "QScrollBar", "QSplitterHandle", "QToolButton")
            and not type(child).__name__.startswith("Qt")
        ]
        assert nameless == [], type(widget).__name__
