"""The Calendar screen as its users drive it: book from a free slot, see the server's answer, act on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from desktop.ops.calendar import AppointmentItem
from desktop.ops.patient_search import PatientIndex, PatientMatch
from desktop.ui.calendar.appointment_dialogs import AppointmentDetailsDialog, CancelDialog, RescheduleDialog
from desktop.ui.calendar.booking_dialog import BookingDialog, PatientSearchModel
from desktop.ui.calendar.screen import DAY, WEEK, CalendarScreen
from shared.booking import AppointmentStatus
from shared.protocol import Entity
from shared.roles import Role
from tests.desktop.calendar.conftest import (
    CARDIOLOGIST,
    GONCALO,
    LISBON,
    MARIA,
    NEUROLOGIST,
    PATIENTS,
    Workstation,
    answer_push,
    pulled,
    server_appointment,
    tomorrow_at,
)


def open_screen(
    qtbot: QtBot, station: Workstation, locale: QLocale, *, now: Callable[[], datetime] | None = None
) -> CalendarScreen:
    screen = (
        CalendarScreen(station.context, locale=locale)
        if now is None
        else CalendarScreen(station.context, locale=locale, now=now)
    )
    qtbot.addWidget(screen)
    screen.resize(1200, 800)
    screen.show()
    qtbot.waitUntil(lambda: screen.ready_to_book)
    screen.page.show_date(tomorrow_at(10).astimezone(LISBON).date())  # type: ignore[union-attr]
    return screen


def shown(screen: CalendarScreen) -> dict[uuid.UUID, AppointmentItem]:
    assert screen.page is not None
    return {item.id: item for item in screen.page.model.items()}


def wait_for(
    qtbot: QtBot, screen: CalendarScreen, check: Callable[[dict[uuid.UUID, AppointmentItem]], bool]
) -> None:
    def holds() -> bool:
        try:
            return check(shown(screen))
        except KeyError:  # not loaded yet
            return False

    qtbot.waitUntil(holds, timeout=5000)


def click_free_slot(qtbot: QtBot, screen: CalendarScreen, doctor_id: uuid.UUID, starts_at: datetime):  # type: ignore[no-untyped-def]
    assert screen.page is not None
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        screen.page.canvas.slotActivated.emit(doctor_id, starts_at)  # a click on free time
    return opened.args[0]


def open_details(qtbot: QtBot, screen: CalendarScreen, appointment_id: uuid.UUID) -> AppointmentDetailsDialog:
    assert screen.page is not None
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        screen.page.canvas.appointmentActivated.emit(appointment_id)  # a click on the appointment
    dialog = opened.args[0]
    assert isinstance(dialog, AppointmentDetailsDialog)
    return dialog


def test_a_scheduler_books_a_free_slot_choosing_the_patient_from_the_type_ahead(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    starts = tomorrow_at(10)

    dialog = click_free_slot(qtbot, screen, CARDIOLOGIST, starts)
    assert isinstance(dialog, BookingDialog)
    assert not dialog.book_button.isEnabled()  # no patient yet
    assert "will be confirmed when the server answers" in dialog.offline_notice.text()
    qtbot.keyClicks(dialog.patient_edit, "gon")
    assert [dialog.patients.data(dialog.patients.index(r, 0)) for r in range(dialog.patients.rowCount())] == [
        "Gonçalo Nunes · MRN-0042"
    ]
    popup = dialog.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.patient is not None and dialog.patient.id == GONCALO
    dialog.duration.setValue(40)
    dialog.reason.setText("ECG review")
    with qtbot.waitSignal(screen.changed, timeout=5000) as booked:
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)

    appointment_id = booked.args[0]
    wait_for(qtbot, screen, lambda items: appointment_id in items)
    item = shown(screen)[appointment_id]
    assert item.patient_name == "Gonçalo Nunes" and item.reason == "ECG review"
    assert item.status is AppointmentStatus.REQUESTED and item.pending
    assert (item.starts_at, item.ends_at) == (starts, starts + timedelta(minutes=40))
    assert "will be confirmed when the server answers" in screen.banner.text()
    assert screen.dialog is None


def test_an_offline_booking_shows_as_requested_and_turns_confirmed_when_the_server_answers(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    starts = tomorrow_at(11)
    dialog = click_free_slot(qtbot, screen, CARDIOLOGIST, starts)
    dialog.choose_patient(station_patient(MARIA))
    with qtbot.waitSignal(screen.changed, timeout=5000) as booked:
        dialog.accept()
    appointment_id = booked.args[0]
    wait_for(qtbot, screen, lambda items: appointment_id in items)
    details = open_details(qtbot, screen, appointment_id)
    assert "confirmed when the server answers" in details.waiting.text()

    last = answer_push(station.store)  # back online: the push is accepted, the saga confirms
    pulled(station.store, [server_appointment(appointment_id, starts_at=starts)], last_mutation_id=last)

    wait_for(qtbot, screen, lambda items: items[appointment_id].status is AppointmentStatus.CONFIRMED)
    assert not shown(screen)[appointment_id].pending
    qtbot.waitUntil(lambda: details.status.text() == "<b>Confirmed</b>")  # the open dialog follows
    assert not details.waiting.isVisibleTo(details)
    details.accept()
    # The banner no longer says "requested" once the answer is in.
    qtbot.waitUntil(lambda: screen.banner.text().startswith("Confirmed: Maria Fernandes, "))


def test_booking_a_patient_who_already_has_an_appointment_then_warns_before_sending(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    starts = tomorrow_at(11)
    dialog = click_free_slot(qtbot, screen, CARDIOLOGIST, starts)
    dialog.choose_patient(station_patient(MARIA))
    assert not dialog.patient_warning.isVisibleTo(dialog)
    with qtbot.waitSignal(screen.changed, timeout=5000):
        dialog.accept()

    other = click_free_slot(qtbot, screen, NEUROLOGIST, tomorrow_at(11, 10))
    with qtbot.waitSignal(other.checked):  # answered on the store worker, never on the UI thread
        other.choose_patient(station_patient(GONCALO))
    assert not other.patient_warning.isVisibleTo(other)
    with qtbot.waitSignal(other.checked):
        other.choose_patient(station_patient(MARIA))
    assert other.patient_warning.isVisibleTo(other)
    assert other.patient_warning.text().startswith(
        "Maria Fernandes already has an appointment at this time (11:00–11:20)"
    )
    with qtbot.waitSignal(other.checked):
        other.time_edit.setTime(other.time_edit.time().addSecs(20 * 60))  # 11:30: after the first one
    assert not other.patient_warning.isVisibleTo(other)
    other.reject()


def test_the_page_reloads_for_its_own_doctors_and_appointments_only(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    screen.set_mode(WEEK)  # the cardiologist's week: the neurologist is not on the page
    assert screen.page is not None and screen.selected_doctor().id == CARDIOLOGIST  # type: ignore[union-attr]
    wait_for(qtbot, screen, lambda items: True)
    reloads: list[object] = []
    screen.page.rangeChanged.connect(lambda *_range: reloads.append(_range))

    neurology = uuid.uuid4()
    with qtbot.waitSignal(screen.caughtUp, timeout=5000) as heard:
        pulled(
            station.store, [server_appointment(neurology, doctor_id=NEUROLOGIST, starts_at=tomorrow_at(9))]
        )
    assert heard.args[0].ids(Entity.APPOINTMENT) == {str(neurology)}
    assert reloads == []  # another doctor's appointment: nothing on this page changed

    cardiology = uuid.uuid4()
    with qtbot.waitSignal(screen.caughtUp, timeout=5000):
        pulled(station.store, [server_appointment(cardiology, starts_at=tomorrow_at(9))])
    wait_for(qtbot, screen, lambda items: cardiology in items)
    assert len(reloads) == 1


def station_patient(patient_id: uuid.UUID) -> PatientMatch:
    name, mrn = PATIENTS[patient_id]
    return PatientMatch(patient_id, name, mrn, "1970-05-01")


def test_a_refused_booking_says_why_offers_the_next_free_slots_and_books_one_in_one_click(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    starts = tomorrow_at(9)
    dialog = click_free_slot(qtbot, screen, CARDIOLOGIST, starts)
    dialog.choose_patient(station_patient(GONCALO))
    with qtbot.waitSignal(screen.changed, timeout=5000) as booked:
        dialog.accept()
    refused = booked.args[0]
    last = answer_push(station.store)
    offered = [tomorrow_at(9, 20), tomorrow_at(9, 40)]
    pulled(
        station.store,
        [
            server_appointment(
                refused,
                patient_id=GONCALO,
                starts_at=starts,
                status="rejected",
                rejection_code="slot_taken",
                rejection_message="the doctor already has an appointment at that time",
                alternatives=[
                    {"starts_at": s.isoformat(), "ends_at": (s + timedelta(minutes=20)).isoformat()}
                    for s in offered
                ],
            )
        ],
        last_mutation_id=last,
    )
    wait_for(qtbot, screen, lambda items: items[refused].status is AppointmentStatus.REJECTED)

    details = open_details(qtbot, screen, refused)
    assert details.refusal_box.isVisibleTo(details)
    assert details.refusal.text() == "Someone else booked this time first."  # not again in English
    assert "already has an appointment" in details.refusal.toolTip()
    assert not details.cancel_reason.isVisibleTo(details)  # no "Cancelled because: -"
    day = english.toString(tomorrow_at(9).astimezone(LISBON).date(), "ddd dd/MM/yyyy")
    assert [b.text() for b in details.alternative_buttons] == [
        f"Book {day}, 09:20–09:40 instead",
        f"Book {day}, 09:40–10:00 instead",
    ]
    assert not details.cancel_button.isVisibleTo(details)
    with qtbot.waitSignal(screen.changed, timeout=5000) as rebooked:
        qtbot.mouseClick(details.alternative_buttons[1], Qt.MouseButton.LeftButton)

    new_id = rebooked.args[0]
    wait_for(qtbot, screen, lambda items: new_id in items)
    new = shown(screen)[new_id]
    assert new.starts_at == offered[1] and new.patient_name == "Gonçalo Nunes"
    assert new.status is AppointmentStatus.REQUESTED and new.pending
    assert screen.dialog is None


def test_a_confirmed_appointment_is_moved_with_the_dialog(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    old = uuid.uuid4()
    pulled(station.store, [server_appointment(old, starts_at=tomorrow_at(9))])
    screen = open_screen(qtbot, station, english)
    wait_for(qtbot, screen, lambda items: old in items)

    details = open_details(qtbot, screen, old)
    assert details.reschedule_button.isVisibleTo(details)
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        qtbot.mouseClick(details.reschedule_button, Qt.MouseButton.LeftButton)
    move = opened.args[0]
    assert isinstance(move, RescheduleDialog)
    move.set_start(tomorrow_at(16))
    with qtbot.waitSignal(screen.changed, timeout=5000) as moved:
        move.accept()

    new_id = moved.args[0]
    wait_for(qtbot, screen, lambda items: new_id in items)
    items = shown(screen)
    assert items[old].status is AppointmentStatus.CANCELLED
    assert items[new_id].starts_at == tomorrow_at(16) and items[new_id].status is AppointmentStatus.REQUESTED


def test_cancelling_needs_a_reason_before_the_button_works(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    confirmed = uuid.uuid4()
    pulled(station.store, [server_appointment(confirmed, starts_at=tomorrow_at(14))])
    screen = open_screen(qtbot, station, english)
    wait_for(qtbot, screen, lambda items: confirmed in items)

    details = open_details(qtbot, screen, confirmed)
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        qtbot.mouseClick(details.cancel_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert isinstance(dialog, CancelDialog)
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "ok")
    assert not dialog.confirm_button.isEnabled()
    dialog.accept()  # Enter without a reason does nothing
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason, " - patient is abroad")
    assert dialog.confirm_button.isEnabled()
    with qtbot.waitSignal(screen.changed, timeout=5000):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)

    wait_for(qtbot, screen, lambda items: items[confirmed].status is AppointmentStatus.CANCELLED)
    (entry,) = station.store.outbox_entries()
    assert entry.payload == {"reason": "ok - patient is abroad"}


def test_a_doctor_sees_only_their_own_calendar_cannot_book_and_may_cancel_their_own(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    own, other = uuid.uuid4(), uuid.uuid4()
    pulled(
        station.store,
        [
            server_appointment(own, doctor_id=CARDIOLOGIST, starts_at=tomorrow_at(9)),
            server_appointment(other, doctor_id=NEUROLOGIST, starts_at=tomorrow_at(9)),
        ],
    )
    screen = open_screen(qtbot, station, english)
    wait_for(qtbot, screen, lambda items: own in items)
    assert other not in shown(screen) and not screen.doctor.isVisibleTo(screen)

    screen.set_mode(DAY)
    assert screen.page is not None and [c.doctor.id for c in screen.page.canvas.columns()] == [CARDIOLOGIST]
    screen.page.canvas.slotActivated.emit(CARDIOLOGIST, tomorrow_at(11))
    assert screen.dialog is None and "read-only" in screen.banner.text()
    screen.set_mode(WEEK)
    screen.page.show_date(tomorrow_at(9).astimezone(LISBON).date())
    wait_for(qtbot, screen, lambda items: own in items)

    details = open_details(qtbot, screen, own)
    assert details.cancel_button.isVisibleTo(details) and not details.reschedule_button.isVisibleTo(details)
    details.accept()
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000):
        screen.open_appointment(other)  # even asked directly, another doctor's appointment is not theirs
    other_details = screen.dialog
    assert isinstance(other_details, AppointmentDetailsDialog)
    assert not other_details.cancel_button.isVisibleTo(other_details)
    other_details.accept()


def test_a_scheduler_narrows_the_doctors_day_to_a_department(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = open_screen(qtbot, station, english)
    assert screen.mode == DAY
    assert screen.page is not None
    assert [c.doctor.name for c in screen.page.canvas.columns()] == ["Dr. Ana Costa", "Dr. Rui Matos"]

    screen.department.setCurrentIndex(screen.department.findData("Neurology"))

    assert [c.doctor.name for c in screen.page.canvas.columns()] == ["Dr. Rui Matos"]
    assert screen.page.day == tomorrow_at(10).astimezone(LISBON).date()  # the date stays
    screen.set_mode(WEEK)
    assert {c.doctor.id for c in screen.page.canvas.columns()} == {NEUROLOGIST}


def test_the_icalendar_export_and_the_pdf_day_list_are_written(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale, tmp_path: Path
) -> None:
    station = workstation(Role.SCHEDULER)
    appointment = uuid.uuid4()
    pulled(station.store, [server_appointment(appointment, starts_at=tomorrow_at(9), reason="Echo")])
    screen = open_screen(qtbot, station, english)
    screen.set_mode(WEEK)

    with qtbot.waitSignal(screen.exported, timeout=5000):
        screen.export_calendar(tmp_path / "calendar.ics")
    with qtbot.waitSignal(screen.exported, timeout=10000):
        screen.save_day_list(tmp_path / "day.pdf")

    events = Calendar.from_ical((tmp_path / "calendar.ics").read_bytes()).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"{appointment}@warddesk"]
    pdf = (tmp_path / "day.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert "day list" in screen.banner.text()


def test_the_patient_search_model_is_a_well_behaved_qt_model(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PatientSearchModel(PatientIndex(station_patient(p) for p in PATIENTS))
    model.search("mari")
    assert model.rowCount() == 2
    qtmodeltester.check(model)
    model.search("")
    qtmodeltester.check(model)


def test_once_an_appointment_has_begun_one_click_records_that_the_patient_did_not_come(
    qtbot: QtBot, workstation: Callable[..., Workstation], english: QLocale
) -> None:
    station = workstation(Role.SCHEDULER)
    begun = uuid.uuid4()
    now = tomorrow_at(10)  # the screen's clock: a minute after the appointment began, whatever the hour
    pulled(station.store, [server_appointment(begun, starts_at=now - timedelta(minutes=1))])
    screen = open_screen(qtbot, station, english, now=lambda: now)
    screen.page.show_date(now.astimezone(LISBON).date())  # type: ignore[union-attr]
    wait_for(qtbot, screen, lambda items: begun in items)

    details = open_details(qtbot, screen, begun)
    assert details.came_button.isVisibleTo(details) and details.no_show_button.isVisibleTo(details)
    with qtbot.waitSignal(screen.changed, timeout=5000):
        qtbot.mouseClick(details.no_show_button, Qt.MouseButton.LeftButton)

    wait_for(qtbot, screen, lambda items: items[begun].status is AppointmentStatus.NO_SHOW)
    (entry,) = station.store.outbox_entries()
    assert entry.payload == {"status": "no_show"}
