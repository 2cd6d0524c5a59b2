"""A booking the server accepted and its saga then refused reaches its author's inbox (and nobody else's),
once, with the free times the server offered: one click books one of them instead."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QLocale
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.ops.booking import BookingDesk, CalendarRights
from desktop.ops.calendar_query import StoreCalendarQuery
from desktop.ops.session import SignedInUser
from desktop.store import LocalStore
from desktop.ui.inbox.screen import InboxScreen
from shared.protocol import Entity, MutationName
from shared.roles import Role
from tests.desktop.calendar.conftest import (
    CARDIOLOGIST,
    GONCALO,
    answer_push,
    directory_changes,
    pulled,
    server_appointment,
    tomorrow_at,
)
from tests.desktop.tickets.conftest import Desk, person

OFFERED = [tomorrow_at(10, 20), tomorrow_at(10, 40)]


def scheduler(desk: Callable[..., Desk]) -> Desk:
    station = desk(person(Role.SCHEDULER))
    pulled(station.store, directory_changes())
    return station


def book_and_let_the_saga_refuse(booker: Desk, *others: Desk) -> uuid.UUID:
    """`booker` books 10:00 from her calendar; the server accepts, then the saga finds the slot taken.
    The refused appointment reaches every calendar that shows this doctor."""
    desk = BookingDesk(StoreCalendarQuery(booker.store), CalendarRights(Role.SCHEDULER))
    booked = desk.book(
        doctor_id=CARDIOLOGIST,
        patient_id=GONCALO,
        starts_at=tomorrow_at(10),
        duration_minutes=20,
        reason="ECG",
    )
    settled = answer_push(booker.store)  # applied: the saga has started
    refused = refused_appointment(booked, booked_by=booker.user)
    pulled(booker.store, [refused], last_mutation_id=settled)
    for other in others:
        pulled(other.store, [refused])
    return booked


def refused_appointment(appointment_id: uuid.UUID, *, booked_by: SignedInUser) -> object:
    return server_appointment(
        appointment_id,
        patient_id=GONCALO,
        starts_at=tomorrow_at(10),
        status="rejected",
        reason="ECG",
        booked_by=str(booked_by.id),
        rejection_code="slot_taken",
        rejection_message="the doctor already has an appointment at that time",
        alternatives=[
            {"starts_at": s.isoformat(), "ends_at": (s + timedelta(minutes=20)).isoformat()} for s in OFFERED
        ],
    )


def open_inbox(qtbot: QtBot, station: Desk, locale: QLocale) -> InboxScreen:
    inbox = InboxScreen(station.context, locale=locale)
    qtbot.addWidget(inbox)
    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.show()
    return inbox


def booked_times(store: LocalStore) -> list[datetime]:
    return [
        datetime.fromisoformat(str(e.payload["starts_at"]))
        for e in store.outbox_entries(states=["queued"])
        if e.name is MutationName.APPOINTMENT_BOOK
    ]


def test_a_booking_refused_by_its_saga_is_in_its_authors_inbox_once_with_the_times_offered(
    qtbot: QtBot, qtmodeltester: ModelTester, desk: Callable[..., Desk], english: QLocale
) -> None:
    author, colleague = scheduler(desk), scheduler(desk)
    book_and_let_the_saga_refuse(author, colleague)

    inbox = open_inbox(qtbot, author, english)
    qtmodeltester.check(inbox.model, force_py=True)
    assert inbox.model.rowCount() == 1
    assert inbox.heading.text().startswith("<b>Refused by the server: Appointment booked</b>")
    assert inbox.reason.text() == (
        "Someone else booked this time first. (the doctor already has an appointment at that time)"
    )
    assert inbox.offered_label.text() == "The next free times the server offered:"
    assert [
        b.text().startswith("Book ") and b.text().endswith(" instead") for b in inbox.offered_buttons
    ] == [
        True,
        True,
    ]
    assert all(b.isEnabled() for b in inbox.offered_buttons)

    # The colleague's calendar shows the refused appointment too, but it was not her change.
    assert colleague.store.record(Entity.APPOINTMENT, inbox.current().entry.entity_id) is not None  # type: ignore[union-attr]
    other = open_inbox(qtbot, colleague, english)
    assert other.model.rowCount() == 0 and other.empty.isVisibleTo(other)


def test_one_click_on_an_offered_time_books_it_instead_and_settles_the_refusal(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    author = scheduler(desk)
    refused = book_and_let_the_saga_refuse(author)
    inbox = open_inbox(qtbot, author, english)

    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.offered_buttons[1].click()

    assert booked_times(author.store) == [OFFERED[1]]
    assert author.store.outbox_entries(states=["rejected"]) == []
    assert inbox.model.rowCount() == 0 and inbox.empty.isVisibleTo(inbox)
    assert inbox.note.text() == "Requested: it will be confirmed when the server answers."
    (instead,) = author.store.outbox_entries(states=["queued"])
    assert instead.entity_id != refused


def test_a_dismissed_saga_refusal_does_not_come_back(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    author = scheduler(desk)
    refused = book_and_let_the_saga_refuse(author)
    inbox = open_inbox(qtbot, author, english)

    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.dismiss_button.click()
    assert inbox.model.rowCount() == 0

    pulled(author.store, [refused_appointment(refused, booked_by=author.user)])  # sent again, newer
    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.reload()
    assert inbox.model.rowCount() == 0 and booked_times(author.store) == []
