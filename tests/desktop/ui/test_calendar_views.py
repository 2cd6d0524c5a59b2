from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import combinations

import pytest
from PySide6.QtCore import QEvent, QLocale, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractButton, QDateEdit, QToolTip

from desktop.ops.calendar import CalendarSnapshot, OpenWindow
from desktop.ui.calendar import MultiDoctorDayView, WeekView
from desktop.ui.calendar.views import CalendarPage
from shared.booking import AppointmentStatus
from tests.desktop.ui.calendar_data import (
    LISBON_DOCTOR,
    SAO_PAULO_DOCTOR,
    appointment,
    calendar,
    utc,
)


@pytest.fixture
def open_view(qtbot, english: QLocale, fixed_now: datetime) -> Iterator[Callable[..., CalendarPage]]:
    """Build a calendar view at 1400x900 on 26 March 2025, shown offscreen and closed after the test."""
    views: list[CalendarPage] = []  # qtbot only keeps weak references: the views live until teardown

    def build(kind: type[CalendarPage] = WeekView, **options: object) -> CalendarPage:
        options.setdefault("now", lambda: fixed_now)
        options.setdefault("locale", english)
        options.setdefault("slot_minutes", 20)
        if kind is WeekView:
            options.setdefault("doctor", LISBON_DOCTOR)
        else:
            options.setdefault("doctors", [LISBON_DOCTOR, SAO_PAULO_DOCTOR])
        options.setdefault("query", calendar())
        view = kind(**options)
        qtbot.addWidget(view)
        views.append(view)
        view.resize(1400, 900)
        view.show()
        qtbot.waitExposed(view)
        view.show_today()
        return view

    yield build


def click(qtbot, view: CalendarPage, point: QPointF) -> None:
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())


def slot_of(view: CalendarPage, column: int, at: time) -> QPointF:
    """The centre of the slot starting at wall-clock `at` in a column."""
    slot = view.canvas.slot_at_minutes(at.hour * 60 + at.minute)
    return view.canvas.slot_rect(column, slot).center()


def test_clicking_a_free_slot_offers_that_time_in_utc_for_the_doctors_zone(qtbot, open_view) -> None:
    view = open_view()
    with qtbot.waitSignal(view.slotActivated) as activated:
        click(qtbot, view, slot_of(view, 1, time(9, 20)))  # Tuesday 25 March, 09:20 in Lisbon (UTC+0)

    assert activated.args == [LISBON_DOCTOR.id, utc(2025, 3, 25, 9, 20)]


def test_a_slot_on_the_day_clocks_go_forward_maps_to_summer_time(qtbot, open_view) -> None:
    view = open_view()  # the week of 24-30 March 2025; Lisbon moves to UTC+1 on Sunday the 30th
    times = []
    view.slotActivated.connect(lambda doctor_id, starts_at: times.append(starts_at))

    click(qtbot, view, slot_of(view, 5, time(9, 0)))  # Saturday
    click(qtbot, view, slot_of(view, 6, time(9, 0)))  # Sunday

    assert times == [utc(2025, 3, 29, 9, 0), utc(2025, 3, 30, 8, 0)]


def test_each_doctor_column_of_the_day_view_reads_time_in_that_doctors_zone(qtbot, open_view) -> None:
    view = open_view(MultiDoctorDayView)
    offered = []
    view.slotActivated.connect(lambda doctor_id, starts_at: offered.append((doctor_id, starts_at)))

    click(qtbot, view, slot_of(view, 0, time(9, 0)))
    click(qtbot, view, slot_of(view, 1, time(9, 0)))

    assert offered == [
        (LISBON_DOCTOR.id, utc(2025, 3, 26, 9, 0)),
        (SAO_PAULO_DOCTOR.id, utc(2025, 3, 26, 12, 0)),  # São Paulo is UTC-3
    ]


def test_clicking_an_appointment_opens_that_appointment(qtbot, open_view) -> None:
    booked = appointment(LISBON_DOCTOR, utc(2025, 3, 25, 10, 0), minutes=40, patient="Tomás Rocha")
    view = open_view(query=calendar(booked))
    slot_offers = []
    view.slotActivated.connect(lambda *args: slot_offers.append(args))

    with qtbot.waitSignal(view.appointmentActivated) as activated:
        click(qtbot, view, slot_of(view, 1, time(10, 20)))

    assert activated.args == [booked.id]
    assert slot_offers == []


def test_an_appointment_is_drawn_where_its_start_time_is(open_view) -> None:
    booked = appointment(LISBON_DOCTOR, utc(2025, 3, 30, 8, 0), minutes=60)  # Sunday 09:00 summer time
    view = open_view(query=calendar(booked))

    [rect] = view.canvas.appointment_rects()[booked.id]
    nine = view.canvas.slot_rect(6, view.canvas.slot_at_minutes(9 * 60))
    ten = view.canvas.slot_rect(6, view.canvas.slot_at_minutes(10 * 60))

    assert nine.left() <= rect.left() < rect.right() <= nine.right()
    assert rect.top() == pytest.approx(nine.top(), abs=2)
    assert rect.bottom() == pytest.approx(ten.top(), abs=2)


def test_overlapping_appointments_are_laid_out_side_by_side_without_covering_each_other(open_view) -> None:
    tuesday_nine = utc(2025, 3, 25, 9, 0)
    crowded = [
        appointment(LISBON_DOCTOR, tuesday_nine, minutes=60),
        appointment(LISBON_DOCTOR, tuesday_nine, minutes=20),
        appointment(LISBON_DOCTOR, tuesday_nine + timedelta(minutes=10), minutes=30),
        appointment(LISBON_DOCTOR, tuesday_nine + timedelta(minutes=20), minutes=20),
        appointment(LISBON_DOCTOR, tuesday_nine + timedelta(minutes=60), minutes=20),
        appointment(LISBON_DOCTOR, tuesday_nine, minutes=20, status=AppointmentStatus.CANCELLED),
    ]
    view = open_view(query=calendar(*crowded))

    rects = [rect for rects in view.canvas.appointment_rects().values() for rect in rects]
    assert len(rects) == len(crowded)
    for first, second in combinations(rects, 2):
        overlap = first.intersected(second)
        assert overlap.isEmpty() or overlap.width() * overlap.height() == 0, (first, second)
    tuesday = view.canvas.slot_rect(1, 0)
    assert all(tuesday.left() <= rect.left() and rect.right() <= tuesday.right() for rect in rects)


def test_next_previous_and_today_move_the_range_and_load_its_appointments(qtbot, open_view) -> None:
    this_week = appointment(LISBON_DOCTOR, utc(2025, 3, 26, 9))
    next_week = appointment(LISBON_DOCTOR, utc(2025, 4, 2, 8))
    view = open_view(query=calendar(this_week, next_week))
    assert view.visible_range() == (utc(2025, 3, 24, 0), utc(2025, 3, 31, 0) - timedelta(hours=1))
    assert [item.id for item in view.model.items()] == [this_week.id]

    qtbot.mouseClick(view.navigation.next_button, Qt.MouseButton.LeftButton)
    assert view.visible_range() == (utc(2025, 3, 30, 23), utc(2025, 4, 6, 23))
    assert [item.id for item in view.model.items()] == [next_week.id]

    qtbot.mouseClick(view.navigation.previous_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.navigation.previous_button, Qt.MouseButton.LeftButton)
    assert view.visible_range()[0] == utc(2025, 3, 17, 0)
    assert view.model.items() == []

    qtbot.mouseClick(view.navigation.today_button, Qt.MouseButton.LeftButton)
    assert view.day == date(2025, 3, 26)
    assert [item.id for item in view.model.items()] == [this_week.id]


def test_choosing_a_date_shows_the_week_that_contains_it(open_view) -> None:
    view = open_view()

    view.navigation.date_edit.setDate(date(2025, 5, 15))  # a Thursday

    assert view.visible_range()[0] == utc(2025, 5, 11, 23)  # Monday 12 May, 00:00 in Lisbon (UTC+1)
    assert "12 May" in view.navigation.title.text()


def test_the_day_view_steps_one_day_at_a_time(qtbot, open_view) -> None:
    view = open_view(MultiDoctorDayView)

    qtbot.mouseClick(view.navigation.next_button, Qt.MouseButton.LeftButton)

    assert view.day == date(2025, 3, 27)
    assert [column.day for column in view.canvas.columns()] == [date(2025, 3, 27)] * 2


def test_arrow_keys_move_the_selected_slot_and_enter_books_or_opens_it(qtbot, open_view) -> None:
    booked = appointment(LISBON_DOCTOR, utc(2025, 3, 27, 11, 20))
    view = open_view(query=calendar(booked))
    view.canvas.setFocus()
    # Today's slot at the current time is selected first: Wednesday (column 2), 10:40.
    assert view.canvas.selected_slot() == (2, view.canvas.slot_at_minutes(10 * 60 + 40))

    qtbot.keyClick(view.canvas, Qt.Key.Key_Up)
    with qtbot.waitSignal(view.slotActivated) as activated:
        qtbot.keyClick(view.canvas, Qt.Key.Key_Return)
    assert activated.args == [LISBON_DOCTOR.id, utc(2025, 3, 26, 10, 20)]

    qtbot.keyClick(view.canvas, Qt.Key.Key_Right)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    with qtbot.waitSignal(view.appointmentActivated) as opened:
        qtbot.keyClick(view.canvas, Qt.Key.Key_Enter)
    assert opened.args == [booked.id]


def test_page_down_and_page_up_change_the_week_from_the_keyboard(qtbot, open_view) -> None:
    view = open_view()
    view.canvas.setFocus()

    qtbot.keyClick(view.canvas, Qt.Key.Key_PageDown)
    assert view.day == date(2025, 4, 2)
    qtbot.keyClick(view.canvas, Qt.Key.Key_PageUp)
    assert view.day == date(2025, 3, 26)


def test_an_answer_for_a_range_no_longer_shown_is_ignored(open_view) -> None:
    pending: list[tuple[Callable[[], CalendarSnapshot], Callable[[CalendarSnapshot], None]]] = []
    this_week = appointment(LISBON_DOCTOR, utc(2025, 3, 26, 9))
    next_week = appointment(LISBON_DOCTOR, utc(2025, 4, 2, 9))
    view = open_view(
        query=calendar(this_week, next_week), runner=lambda work, done: pending.append((work, done))
    )

    view.step(1)
    late, current = pending[-2], pending[-1]
    current[1](current[0]())
    late[1](late[0]())  # the answer for the week the user already left arrives last

    assert [item.id for item in view.model.items()] == [next_week.id]


def test_hovering_an_appointment_shows_its_details(qtbot, open_view) -> None:
    booked = appointment(LISBON_DOCTOR, utc(2025, 3, 25, 14), patient="Helena Cardoso")
    view = open_view(query=calendar(booked))
    point = slot_of(view, 1, time(14, 0)).toPoint()

    view.canvas.event(QHelpEvent(QEvent.Type.ToolTip, point, view.canvas.mapToGlobal(point)))
    try:
        assert "Helena Cardoso" in QToolTip.text()
        assert "14:00 to 14:20" in QToolTip.text()
    finally:
        QToolTip.hideText()


def test_availability_is_reported_for_a_free_slot(open_view) -> None:
    window = OpenWindow(
        doctor_id=LISBON_DOCTOR.id, starts_at=utc(2025, 3, 25, 8), ends_at=utc(2025, 3, 25, 12)
    )
    view = open_view(query=calendar(windows=(window,)))

    view.canvas.select_slot(1, view.canvas.slot_at_minutes(9 * 60))
    assert view.canvas.accessibleDescription().endswith("free")
    view.canvas.select_slot(1, view.canvas.slot_at_minutes(15 * 60))
    assert view.canvas.accessibleDescription().endswith("outside opening hours")


def test_every_control_has_an_accessible_name(open_view) -> None:
    view = open_view()

    controls = view.findChildren(QAbstractButton) + view.findChildren(QDateEdit) + [view.canvas]

    assert controls and all(control.accessibleName() for control in controls)


def test_a_visible_day_must_start_before_it_ends(qtbot, english: QLocale) -> None:
    with pytest.raises(ValueError):
        WeekView(doctor=LISBON_DOCTOR, query=calendar(), locale=english, day_start=time(20), day_end=time(7))
