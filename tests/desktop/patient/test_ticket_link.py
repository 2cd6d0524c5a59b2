"""A refill ticket that names a patient opens the patient's screen (most tickets name a ward only)."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from desktop.ui.tickets.screens import NurseTicketsScreen
from shared.roles import Role
from tests.desktop.patient.conftest import MARIA
from tests.desktop.tickets.conftest import NOW, person, pull, server_ticket
from tests.desktop.tickets.conftest import desk as desk  # noqa: F401  (a fixture)


def test_a_ticket_naming_a_patient_offers_their_screen_and_one_naming_a_ward_does_not(
    qtbot: QtBot,
    desk,
    english: QLocale,  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    nurse = desk(person(Role.NURSE))
    named, plain = server_ticket(patient_id=str(MARIA)), server_ticket()
    pull(nurse.store, [named, plain])
    screen = NurseTicketsScreen(nurse.context, locale=english, now=lambda: NOW)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.resize(1400, 800)
        screen.show()

    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(plain.id)
    assert not screen.detail.patient_button.isVisible()

    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(named.id)
    assert screen.detail.patient_button.isVisible()
    with qtbot.waitSignal(screen.patientRequested, timeout=5000) as requested:
        qtbot.mouseClick(screen.detail.patient_button, Qt.MouseButton.LeftButton)
    assert requested.args == [MARIA]
