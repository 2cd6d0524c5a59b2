from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QLocale, Qt

from desktop.ui.calendar.model import AppointmentModel, IdRole
from shared.booking import AppointmentStatus
from tests.desktop.ui.calendar_data import LISBON_DOCTOR, appointment, utc


def test_the_appointment_model_passes_the_model_tester_through_reset_insert_change_and_remove(
    qtmodeltester, english: QLocale
) -> None:
    model = AppointmentModel(locale=english)
    model.set_doctors([LISBON_DOCTOR])
    first = appointment(LISBON_DOCTOR, utc(2025, 3, 24, 9))
    second = appointment(LISBON_DOCTOR, utc(2025, 3, 24, 10), patient="João Carvalho")
    model.set_items([first, second])
    qtmodeltester.check(model, force_py=True)

    model.upsert(appointment(LISBON_DOCTOR, utc(2025, 3, 25, 9), patient="Inês Rodrigues"))
    model.upsert(replace(first, status=AppointmentStatus.CANCELLED))
    model.remove(second.id)
    model.set_items([])

    assert model.rowCount() == 0


def test_the_model_shows_patient_names_and_describes_appointments_in_the_doctors_zone(
    english: QLocale,
) -> None:
    model = AppointmentModel(locale=english)
    model.set_doctors([LISBON_DOCTOR])
    summer = appointment(LISBON_DOCTOR, utc(2025, 7, 1, 8), patient="Tomás Rocha")  # 09:00 in Lisbon
    model.set_items([summer])

    index = model.index(0, 0)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "Tomás Rocha"
    assert model.data(index, IdRole) == summer.id
    description = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "09:00 to 09:20" in description
    assert "Confirmed" in description


def test_a_changed_appointment_replaces_its_row_instead_of_adding_one(english: QLocale) -> None:
    model = AppointmentModel(locale=english)
    booked = appointment(LISBON_DOCTOR, utc(2025, 3, 24, 9), status=AppointmentStatus.REQUESTED)
    model.set_items([booked])

    model.upsert(replace(booked, status=AppointmentStatus.CANCELLED))

    assert model.rowCount() == 1
    assert model.items()[0].status is AppointmentStatus.CANCELLED
