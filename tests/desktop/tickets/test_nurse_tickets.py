"""A nurse's refill tickets: the editor checks as she types, drafts stay here, submissions queue offline,
receipt reports discrepancies, and Cancel exists only while the pharmacy has not acted."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from desktop.sync import Connection
from desktop.ui.tickets.detail import ReasonDialog, ReceiveDialog
from desktop.ui.tickets.editor import TicketEditorDialog
from desktop.ui.tickets.screens import NurseTicketsScreen
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import Priority, TicketAction
from tests.desktop.tickets.conftest import (
    NOW,
    WARD_A,
    WARD_B,
    Desk,
    person,
    pull,
    seed_reference,
    server_ticket,
    shown_status,
)


def open_list(qtbot: QtBot, desk: Desk, locale: QLocale) -> NurseTicketsScreen:
    screen = NurseTicketsScreen(desk.context, locale=locale, now=lambda: NOW)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.resize(1400, 800)
        screen.show()
    return screen


def new_ticket(qtbot: QtBot, screen: NurseTicketsScreen) -> TicketEditorDialog:
    screen.new_button.click()
    editor = screen.editor
    assert editor is not None
    return editor


def test_the_medication_field_suggests_formulary_items_as_she_types_and_fills_in_the_unit(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    line = editor.line_editors()[0]

    completer = line.medication.completer()
    completer.setCompletionPrefix("amox")
    suggestions = [completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())]
    assert suggestions == ["Amoxicillin 500 mg (AMOX500)"]
    completer.setCompletionPrefix("500 mg")  # matches anywhere, not only at the start
    assert completer.completionCount() == 2
    completer.setCompletionPrefix("discontinued")
    assert completer.completionCount() == 0  # no longer stocked: not offered

    completer.setCompletionPrefix("morph")
    completer.activated[type(completer.currentIndex())].emit(completer.completionModel().index(0, 0))
    assert line.medication.text() == "Morphine 10 mg/ml (MORPH10)"
    assert line.unit.currentData() == "ampoule"
    editor.close()


def test_the_editor_explains_each_problem_as_she_types_and_submits_only_a_valid_ticket(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    line = editor.line_editors()[0]
    assert not editor.submit_button.isEnabled()

    qtbot.keyClicks(line.medication, "ASPIRIN")
    qtbot.keyClicks(line.quantity, "2O")
    assert "Not in the formulary" in line.problems.text()
    assert "must be a whole number" in line.problems.text()

    line.medication.setText("Paracetamol 500 mg (PARA500)")
    line.quantity.setText("200000")
    assert "between 1 and 100000" in line.problems.text()
    line.quantity.setText("30")
    line.unit.setCurrentIndex(line.unit.findData("capsule"))
    assert "dispensed by the tablet" in line.problems.text()
    line.unit.setCurrentIndex(line.unit.findData("tablet"))
    assert line.problems.isHidden() and editor.submit_button.isEnabled()

    second = editor.add_line()
    second.medication.setText("PARA500")
    second.quantity.setText("10")
    assert "appears twice" in editor.problems.text() and not editor.submit_button.isEnabled()
    editor.close()


def test_a_new_editor_shows_no_problems_until_she_writes_something(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    line = editor.line_editors()[0]
    assert line.problems.isHidden() and editor.problems.isHidden()
    assert line.medication.styleSheet() == "" and not editor.submit_button.isEnabled()

    qtbot.keyClicks(line.medication, "AMOX500")
    assert "Enter a quantity." in line.problems.text() and not line.problems.isHidden()
    editor.close()


def test_a_draft_closed_with_escape_is_listed_at_once(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    qtbot.keyClicks(editor.line_editors()[0].medication, "AMOX500")
    with qtbot.waitSignal(screen.draftsShown, timeout=5000, check_params_cb=lambda found: len(found) == 1):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert screen.editor is None
    assert screen.drafts_list.count() == 1 and "Amoxicillin" in screen.drafts_list.item(0).text()


def test_an_editor_opened_before_the_first_sync_names_the_ward_and_offers_the_formulary_once_it_arrives(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE), seed=False)  # the cache is still empty
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    assert editor.ward.currentText() == str(WARD_A)  # only its id is known yet
    line = editor.line_editors()[0]
    line.medication.completer().setCompletionPrefix("amox")
    assert line.medication.completer().completionCount() == 0

    seed_reference(nurse.store)  # the first sync brings the wards and the formulary
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        nurse.sync()
    assert editor.ward.currentText() == "W3 · Internal Medicine"
    line.medication.completer().setCompletionPrefix("amox")
    assert line.medication.completer().completionCount() == 1
    qtbot.keyClicks(line.medication, "AMOX500")
    qtbot.keyClicks(line.quantity, "20")
    assert line.unit.currentData() == "capsule" and editor.submit_button.isEnabled()
    editor.close()


def test_a_draft_stays_on_the_workstation_until_submitted_and_the_submission_queues_offline(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE, ward_ids=(WARD_A, WARD_B)))
    screen = open_list(qtbot, nurse, english)
    editor = new_ticket(qtbot, screen)
    editor.ward.setCurrentIndex(editor.ward.findData(str(WARD_B)))
    editor.priority_buttons[Priority.URGENT].setChecked(True)
    line = editor.line_editors()[0]
    line.medication.setText("Amoxicillin 500 mg (AMOX500)")
    line.quantity.setText("20")
    with qtbot.waitSignal(screen.draftsShown, timeout=5000, check_params_cb=lambda found: len(found) == 1):
        editor.save_button.click()
    assert "Draft saved on this workstation" in editor.saved_note.text()
    assert screen.drafts_list.count() == 1 and "Amoxicillin · Urgent" in screen.drafts_list.item(0).text()
    assert nurse.store.outbox_entries() == []  # a draft is never sent
    editor.close()

    screen.open_draft_button.click()
    editor = screen.editor
    assert editor is not None and editor.line_editors()[0].quantity.text() == "20"
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        editor.submit_button.click()
    (entry,) = nurse.store.outbox_entries()
    assert entry.name.value == "ticket.submit" and entry.state == "queued"
    assert nurse.store.drafts() == []

    status = nurse.sync()  # the server is out of reach: it stays queued
    assert status.state is Connection.OFFLINE and status.queued == 1
    ticket_id = str(entry.entity_id)
    qtbot.waitUntil(lambda: screen.model.ticket_ids() == [ticket_id], timeout=5000)
    sync_column = len(screen.COLUMNS) - 1
    screen.model.data(screen.model.index(0, 0))
    qtbot.waitUntil(lambda: screen.model.data(screen.model.index(0, sync_column)) == "Waiting for the server")
    assert screen.model.data(screen.model.index(0, 0)) == "Urgent"


def test_the_list_filters_by_status_priority_and_submission_date(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    old = server_ticket(status="closed", submitted_at=NOW.replace(month=1))
    today = server_ticket(status="approved", priority="stat")
    other_ward = server_ticket(ward_id=WARD_B)  # not her ward: the server would not send it; ignored here
    pull(nurse.store, [old, today, other_ward])
    screen = open_list(qtbot, nurse, english)

    assert screen.model.ticket_ids() == [str(today.id)]  # open tickets of her wards
    screen.status_filter.setCurrentIndex(screen.status_filter.findText("All tickets"))
    assert set(screen.model.ticket_ids()) == {str(old.id), str(today.id)}
    screen.period_filter.setCurrentIndex(screen.period_filter.findText("Last 7 days"))
    assert screen.model.ticket_ids() == [str(today.id)]
    screen.period_filter.setCurrentIndex(0)
    screen.priority_filter.setCurrentIndex(screen.priority_filter.findText("Routine"))
    assert screen.model.ticket_ids() == [str(old.id)]


def test_cancel_is_offered_only_while_submitted_and_afterwards_its_absence_is_explained(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    waiting = server_ticket()
    pull(nurse.store, [waiting])
    screen = open_list(qtbot, nurse, english)
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(waiting.id)
    cancel = screen.detail.buttons[TicketAction.CANCEL]
    assert cancel.isVisible() and screen.detail.cancel_note.isHidden()

    approved = server_ticket(ticket_id=waiting.id, status="approved", version=2)
    pull(nurse.store, [approved])  # the pharmacy acted meanwhile
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.reload()
    assert not cancel.isVisible()
    assert screen.detail.cancel_note.isVisible()
    explanation = screen.detail.cancel_note.text()
    assert "the pharmacy has already acted on this ticket (it is approved)" in explanation


def test_cancelling_a_submitted_ticket_asks_why_and_queues_it(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    waiting = server_ticket()
    pull(nurse.store, [waiting])
    screen = open_list(qtbot, nurse, english)
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(waiting.id)
    screen.detail.buttons[TicketAction.CANCEL].click()
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, ReasonDialog)
    dialog.reason.setPlainText("Patient discharged")
    with qtbot.waitSignal(screen.actionQueued, timeout=5000):
        dialog.ok.click()
    qtbot.waitUntil(lambda: shown_status(screen) == "cancelled")
    assert screen.detail.cancel_note.text() == "This ticket has been cancelled."


def test_confirming_receipt_with_less_than_dispatched_reports_a_discrepancy(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    line = str(uuid.uuid4())
    dispatched = server_ticket(
        status="dispatched",
        lines=[
            {
                "line_id": line,
                "medication_code": "MORPH10",
                "quantity": 10,
                "unit": "ampoule",
                "approved_quantity": 8,
                "dispatched_quantity": 8,
            }
        ],
    )
    pull(nurse.store, [dispatched])
    screen = open_list(qtbot, nurse, english)
    with qtbot.waitSignal(screen.detailShown, timeout=5000):
        screen.select_ticket(dispatched.id)

    screen.detail.buttons[TicketAction.RECEIVE].click()
    dialog = screen.detail.open_dialog
    assert isinstance(dialog, ReceiveDialog)
    assert dialog.discrepancy.text() == "Everything dispatched arrived."
    dialog.findChildren(QSpinBox)[0].setValue(6)
    dialog.notes[0].setText("2 ampoules broken")
    assert "Discrepancy on Morphine" in dialog.discrepancy.text()
    with qtbot.waitSignal(screen.actionQueued, timeout=5000) as queued:
        dialog.ok.click()

    received = {"line_id": line, "received_quantity": 6, "note": "2 ampoules broken"}
    assert queued.args[0].payload == {"lines": [received]}
    record = nurse.store.record(Entity.TICKET, dispatched.id)
    assert record is not None and record.data["status"] == "received"
    assert record.data["lines"][0]["received_quantity"] == 6
    qtbot.waitUntil(lambda: screen.detail.timeline.count() == 2)
    timeline = [screen.detail.timeline.item(i).text() for i in range(screen.detail.timeline.count())]
    assert "Submitted by Nurse Ana (nurse)" in timeline[0]
    assert "Receipt confirmed on this workstation: Waiting to be sent (offline)" in timeline[1]
    assert screen.detail.timeline.item(1).foreground().color() != Qt.GlobalColor.black
