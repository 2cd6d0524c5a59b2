"""The pharmacy's queue: most urgent first, STAT unmistakable, and every action a pharmacist takes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QSpinBox
from pytestqt.qtbot import QtBot

from desktop.ui.tickets.detail import ApproveDialog, DispatchDialog, ReasonDialog
from desktop.ui.tickets.model import Column
from desktop.ui.tickets.screens import PharmacyQueueScreen
from shared.protocol import Change, Entity
from shared.roles import Role
from shared.tickets import TicketAction
from tests.desktop.tickets.conftest import WARD_B, Desk, person, pull, server_ticket, shown_status, soon


def open_queue(qtbot: QtBot, desk: Desk, locale: QLocale) -> PharmacyQueueScreen:
    screen = PharmacyQueueScreen(desk.context, locale=locale)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.resize(1400, 800)
        screen.show()
    return screen


def shown_rows(qtbot: QtBot, screen: PharmacyQueueScreen) -> list[str]:
    """The priority column as the pharmacist reads it, once every row has loaded."""
    model = screen.model
    for row in range(model.rowCount()):
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: all(model.cached_row(i) for i in model.ticket_ids()), timeout=5000)
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def test_the_queue_puts_stat_first_then_the_earliest_needed_by_and_leaves_out_finished_tickets(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    routine_soon = server_ticket(priority="routine", needed_by=soon(1))
    urgent_later = server_ticket(priority="urgent", needed_by=soon(8), ward_id=WARD_B)
    urgent_sooner = server_ticket(priority="urgent", needed_by=soon(2))
    stat = server_ticket(priority="stat", needed_by=soon(6))
    closed_stat = server_ticket(priority="stat", status="closed")
    pull(pharmacist.store, [routine_soon, urgent_later, urgent_sooner, stat, closed_stat])

    screen = open_queue(qtbot, pharmacist, english)

    assert screen.model.ticket_ids() == [str(c.id) for c in (stat, urgent_sooner, urgent_later, routine_soon)]
    assert shown_rows(qtbot, screen) == ["STAT", "Urgent", "Urgent", "Routine"]
    assert "4 tickets shown, 1 of them STAT" in screen.count.text()


def test_a_stat_ticket_is_marked_by_colour_icon_and_word_not_colour_alone(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    pull(pharmacist.store, [server_ticket(priority="stat"), server_ticket(priority="routine")])
    screen = open_queue(qtbot, pharmacist, english)
    shown_rows(qtbot, screen)
    model = screen.model
    stat, routine = model.index(0, 0), model.index(1, 0)

    assert model.data(stat) == "STAT" and model.data(stat, Qt.ItemDataRole.FontRole).bold()
    assert not model.data(stat, Qt.ItemDataRole.DecorationRole).isNull()  # a warning icon
    assert model.data(stat, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(routine, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(routine, Qt.ItemDataRole.BackgroundRole) is None
    assert "Priority: STAT" in model.data(stat, Qt.ItemDataRole.AccessibleDescriptionRole)


def test_filtering_the_queue_by_ward_and_stage_and_sorting_by_a_column(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    surgery = server_ticket(ward_id=WARD_B, status="approved", needed_by=soon(9))
    medicine = server_ticket(status="submitted", needed_by=soon(3))
    pull(pharmacist.store, [surgery, medicine])
    screen = open_queue(qtbot, pharmacist, english)

    screen.queue_filter.setCurrentIndex(screen.queue_filter.findText("To approve"))
    assert screen.model.ticket_ids() == [str(medicine.id)]
    screen.queue_filter.setCurrentIndex(0)
    screen.ward_filter.setCurrentIndex(screen.ward_filter.findText("W4 · Surgery"))
    assert screen.model.ticket_ids() == [str(surgery.id)]

    screen.ward_filter.setCurrentIndex(0)
    needed_by = screen.model.columns.index(Column.NEEDED_BY)
    screen.table.sortByColumn(needed_by, Qt.SortOrder.DescendingOrder)
    assert screen.model.ticket_ids() == [str(surgery.id), str(medicine.id)]


def select(qtbot: QtBot, screen: PharmacyQueueScreen, ticket_id: uuid.UUID) -> None:
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(ticket_id)


def test_approving_less_than_requested_needs_a_reason_per_reduced_line(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    amox, para = str(uuid.uuid4()), str(uuid.uuid4())
    ticket = server_ticket(
        lines=[
            {"line_id": amox, "medication_code": "AMOX500", "quantity": 20, "unit": "capsule"},
            {"line_id": para, "medication_code": "PARA500", "quantity": 30, "unit": "tablet"},
        ]
    )
    pull(pharmacist.store, [ticket])
    screen = open_queue(qtbot, pharmacist, english)
    select(qtbot, screen, ticket.id)
    assert screen.detail.buttons[TicketAction.APPROVE].isVisible()
    assert not screen.detail.buttons[TicketAction.DISPATCH].isVisible()

    screen.detail.buttons[TicketAction.APPROVE].click()
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, ApproveDialog)
    dialog.quantities[1].setValue(10)
    assert not dialog.ok.isEnabled() and "Say why less Paracetamol is approved." in dialog.problem.text()
    dialog.reasons[1].setText("stock short until Friday")
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(screen.actionQueued, timeout=5000) as queued:
        dialog.ok.click()

    entry = queued.args[0]
    assert entry.name.value == "ticket.approve" and entry.state == "queued"
    assert entry.payload["lines"] == [
        {"line_id": amox, "approved_quantity": 20, "reason": ""},
        {"line_id": para, "approved_quantity": 10, "reason": "stock short until Friday"},
    ]
    qtbot.waitUntil(lambda: shown_status(screen) == "approved")
    assert "Waiting to be sent" in screen.detail.sync_state.text()
    assert screen.detail.buttons[TicketAction.DISPATCH].isVisible()


def test_rejecting_asks_for_the_reason_the_ward_will_read(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    ticket = server_ticket()
    pull(pharmacist.store, [ticket])
    screen = open_queue(qtbot, pharmacist, english)
    select(qtbot, screen, ticket.id)

    screen.detail.buttons[TicketAction.REJECT].click()
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, ReasonDialog) and not dialog.ok.isEnabled()
    dialog.reason.setPlainText("Not on the ward's formulary; prescribe an alternative")
    with qtbot.waitSignal(screen.actionQueued, timeout=5000) as queued:
        dialog.ok.click()

    assert queued.args[0].payload == {"reason": "Not on the ward's formulary; prescribe an alternative"}
    cached = pharmacist.store.record(Entity.TICKET, ticket.id)
    assert cached is not None and cached.data["status"] == "rejected"


def test_dispatching_part_keeps_the_rest_open_and_a_later_dispatch_sends_it(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    line = str(uuid.uuid4())
    ticket = server_ticket(
        status="approved",
        lines=[
            {
                "line_id": line,
                "medication_code": "MORPH10",
                "quantity": 10,
                "unit": "ampoule",
                "approved_quantity": 10,
            }
        ],
    )
    pull(pharmacist.store, [ticket])
    screen = open_queue(qtbot, pharmacist, english)
    select(qtbot, screen, ticket.id)

    with qtbot.waitSignal(screen.actionQueued, timeout=5000):
        screen.detail.buttons[TicketAction.START_PREPARATION].click()
    qtbot.waitUntil(lambda: shown_status(screen) == "in_preparation")

    screen.detail.buttons[TicketAction.DISPATCH].click()
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, DispatchDialog)
    spin = dialog.findChildren(QSpinBox)[0]
    spin.setValue(6)
    dialog.keep_open.setChecked(True)
    with qtbot.waitSignal(screen.actionQueued, timeout=5000) as queued:
        dialog.ok.click()
    assert queued.args[0].payload["remainder"] == "keep_open"
    assert queued.args[0].payload["lines"] == [{"line_id": line, "dispatched_quantity": 6}]
    timeline = screen.detail.timeline
    qtbot.waitUntil(lambda: "Dispatched" in timeline.item(timeline.count() - 1).text())
    detail = screen.detail.detail
    assert detail is not None and detail.lines[0].dispatched_quantity == 6
    assert detail.status.value == "in_preparation"  # the rest is still to come


def test_by_keyboard_alone_the_pharmacist_picks_a_ticket_with_the_arrows_and_tabs_out_to_approve_it(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    ticket = server_ticket(priority="stat")
    pull(pharmacist.store, [ticket])
    screen = open_queue(qtbot, pharmacist, english)
    screen.activateWindow()
    screen.table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(screen.table.hasFocus)

    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    approve = screen.detail.buttons[TicketAction.APPROVE]
    for _ in range(30):  # Tab leaves the table and walks to the detail's actions
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if approve.hasFocus():
            break
    assert approve.hasFocus()
    qtbot.keyClick(approve, Qt.Key.Key_Space)
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, ApproveDialog) and dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_on_a_1366_pixel_screen_the_queue_shows_priority_status_and_needed_by_without_scrolling(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    ticket = server_ticket(priority="stat", status="approved")
    pull(pharmacist.store, [ticket])
    screen = PharmacyQueueScreen(pharmacist.context, locale=english)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.resize(1366 - 200, 700)  # the window less the screen list
        screen.show()
    assert not screen.detail.isVisible()  # no empty half-width pane before a ticket is chosen
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(ticket.id)
    assert screen.detail.isVisible()
    viewport = screen.table.viewport().width()
    for column in (Column.PRIORITY, Column.STATUS, Column.NEEDED_BY, Column.MEDICATIONS):
        number = screen.COLUMNS.index(column)
        right = screen.table.columnViewportPosition(number) + screen.table.columnWidth(number)
        assert right <= viewport, column
    assert screen.table.columnWidth(
        screen.COLUMNS.index(Column.STATUS)
    ) >= screen.table.fontMetrics().horizontalAdvance("In preparation")


def test_a_pulled_ticket_joins_the_queue_alone_and_only_new_ward_names_read_everything_again(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    pharmacist = desk(person(Role.PHARMACIST))
    first = server_ticket(priority="routine", needed_by=soon(4))
    pull(pharmacist.store, [first])
    screen = open_queue(qtbot, pharmacist, english)
    full_reloads: list[bool] = []
    reload = screen.reload
    screen.reload = lambda: (full_reloads.append(True), reload())[1]  # type: ignore[method-assign]

    stat = server_ticket(priority="stat", needed_by=soon(1))
    pull(pharmacist.store, [stat])  # the sync engine commits a page with one new ticket
    qtbot.waitUntil(lambda: screen.model.ticket_ids() == [str(stat.id), str(first.id)], timeout=5000)
    assert full_reloads == []  # the new ticket's keys were read, not every ticket's

    renamed = Change(
        entity=Entity.WARD, id=WARD_B, version=2, data={"id": str(WARD_B), "code": "W4", "name": "Theatres"}
    )
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        pull(pharmacist.store, [renamed])
    assert full_reloads == [True] and screen.ward_names[str(WARD_B)] == "W4 · Theatres"
