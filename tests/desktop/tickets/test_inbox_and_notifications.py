"""The conflict and rejection inbox, and the tray notifications: what the author is told and can decide."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_action, queue_ticket_submit
from desktop.ui.inbox.screen import InboxScreen
from desktop.ui.notify import Announcement, TrayNotifier, summarise
from shared.protocol import Change, Entity, MutationResult, MutationStatus, PushResponse
from shared.roles import Role
from shared.tickets import TicketAction
from tests.desktop.tickets.conftest import NOW, WARD_A, Desk, person, pull, server_ticket


def refused_changes(store: LocalStore) -> tuple[uuid.UUID, uuid.UUID]:
    """An edit the pharmacy overtook (conflict) and a new ticket the server refused (rejection)."""
    ticket = server_ticket()
    pull(store, [ticket])
    edit = queue_ticket_action(
        store,
        ticket_id=ticket.id,
        action=TicketAction.EDIT,
        role=Role.NURSE,
        payload={"notes": "Patient deteriorating"},
    )
    draft = store.save_draft(
        ward_id=WARD_A,
        data={
            "priority": "urgent",
            "lines": [
                {
                    "line_id": str(uuid.uuid4()),
                    "medication_code": "AMOX500",
                    "quantity": 400,
                    "unit": "capsule",
                }
            ],
        },
    )
    submit = queue_ticket_submit(store, draft_id=draft)
    store.mark_sent([edit.mutation_id, submit.mutation_id])
    server = dict(ticket.data or {}, status="approved", version=2)
    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=edit.mutation_id,
                    status=MutationStatus.CONFLICT,
                    entity_id=ticket.id,
                    code="version_conflict",
                    reason="The pharmacy approved it first.",
                    server_record=server,
                ),
                MutationResult(
                    mutation_id=submit.mutation_id,
                    status=MutationStatus.REJECTED,
                    entity_id=draft,
                    code="invalid",
                    reason="400 capsules exceed the ward's limit.",
                ),
            ],
            last_mutation_id=submit.mutation_id,
        )
    )
    return ticket.id, draft


def open_inbox(qtbot: QtBot, desk: Desk, locale: QLocale) -> InboxScreen:
    inbox = InboxScreen(desk.context, locale=locale)
    qtbot.addWidget(inbox)
    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.show()
    return inbox


def choose(inbox: InboxScreen, kind: str) -> None:
    for row, item in enumerate(inbox.model.items()):
        if item.entry.state == kind:
            inbox.list.setCurrentIndex(inbox.model.index(row, 0))


def test_each_refused_change_shows_mine_theirs_and_why(
    qtbot: QtBot, qtmodeltester: ModelTester, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    refused_changes(nurse.store)
    inbox = open_inbox(qtbot, nurse, english)
    qtmodeltester.check(inbox.model, force_py=True)
    assert inbox.model.rowCount() == 2

    choose(inbox, "conflict")
    assert inbox.reason.text() == "Someone else changed this record first. (The pharmacy approved it first.)"
    assert "Notes: Patient deteriorating" in inbox.mine.toPlainText()
    assert "Status: Approved" in inbox.theirs.toPlainText()
    assert inbox.keep_button.isVisibleTo(inbox) and inbox.take_button.isVisibleTo(inbox)
    assert not inbox.dismiss_button.isVisibleTo(inbox)

    choose(inbox, "rejected")
    assert inbox.reason.text() == "400 capsules exceed the ward's limit."
    assert "Amoxicillin: 400 capsules" in inbox.mine.toPlainText()
    assert inbox.dismiss_button.isVisibleTo(inbox) and not inbox.keep_button.isVisibleTo(inbox)


def test_keep_mine_sends_the_change_again_and_dismiss_forgets_a_rejection(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    ticket_id, _draft = refused_changes(nurse.store)
    inbox = open_inbox(qtbot, nurse, english)

    choose(inbox, "conflict")
    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.keep_button.click()
    queued = nurse.store.outbox_entries(states=["queued"])
    assert [(e.name.value, e.entity_id) for e in queued] == [("ticket.edit", ticket_id)]
    assert queued[0].base_version == 2  # now based on the server's version

    choose(inbox, "rejected")
    with qtbot.waitSignal(inbox.loaded, timeout=5000):
        inbox.dismiss_button.click()
    assert nurse.store.outbox_entries(states=["conflict", "rejected"]) == []
    assert inbox.empty.isVisibleTo(inbox)


def test_edit_and_resend_brings_a_refused_ticket_back_into_the_editor_as_a_draft(
    qtbot: QtBot, desk: Callable[..., Desk], english: QLocale
) -> None:
    nurse = desk(person(Role.NURSE))
    refused_changes(nurse.store)
    inbox = open_inbox(qtbot, nurse, english)
    choose(inbox, "rejected")
    inbox.edit_button.click()
    qtbot.waitUntil(lambda: inbox.editor is not None, timeout=5000)
    editor = inbox.editor
    assert editor is not None
    line = editor.line_editors()[0]
    assert line.quantity.text() == "400" and line.medication.text() == "Amoxicillin 500 mg (AMOX500)"
    line.quantity.setText("40")
    with qtbot.waitSignal(editor.submitted, timeout=5000):
        editor.submit_button.click()
    assert [e.state for e in nurse.store.outbox_entries(states=["queued"])] == ["queued"]
    assert len(nurse.store.drafts()) == 0


def notification(
    title: str,
    *,
    entity: str = "ticket",
    entity_id: uuid.UUID | None = None,
    read: bool = False,
    minute: int = 0,
) -> Change:
    notification_id = uuid.uuid4()
    data: dict[str, Any] = {
        "id": str(notification_id),
        "user_id": str(uuid.uuid4()),
        "kind": f"{entity}.changed",
        "title": title,
        "body": "By Carla Nunes (pharmacist).",
        "entity": entity,
        "entity_id": str(entity_id or uuid.uuid4()),
        "created_at": NOW.replace(minute=minute).isoformat(),
        "read_at": NOW.isoformat() if read else None,
        "version": 1,
    }
    return Change(entity=Entity.NOTIFICATION, id=notification_id, version=1, data=data)


def test_one_change_is_told_in_its_own_words_several_become_one_summary() -> None:
    from desktop.store import CachedRecord

    def cached(change: Change) -> CachedRecord:
        return CachedRecord(Entity.NOTIFICATION, change.id, 1, change.data or {}, False)

    ticket = uuid.uuid4()
    one = summarise([cached(notification("Refill ticket approved in full", entity_id=ticket))])
    assert one is not None and one.title == "Refill ticket approved in full" and one.entity_id == ticket

    many = [
        cached(notification(f"Change {n}", entity="appointment" if n == 4 else "ticket", minute=n))
        for n in range(5)
    ]
    summary = summarise(many, while_away=True)
    assert summary is not None and summary.title == "5 updates while you were away"
    assert summary.body.splitlines() == [
        "4 on your refill tickets, 1 on your bookings:",
        "• Change 4",
        "• Change 3",
        "• Change 2",
        "and 2 more",
    ]
    assert summary.entity is None  # about several records: a click opens nothing in particular
    assert summarise([]) is None


def test_the_tray_tells_what_arrived_while_away_then_only_what_is_new_and_a_click_marks_it_read(
    qtbot: QtBot, desk: Callable[..., Desk]
) -> None:
    nurse = desk(person(Role.NURSE))
    ticket = uuid.uuid4()
    earlier = [notification("Approved", entity_id=ticket), notification("Dispatched", entity_id=ticket)]
    pull(nurse.store, [*earlier, notification("Old news", read=True)])
    heard: list[Announcement] = []
    notifier = TrayNotifier(nurse.context)
    notifier.announced.connect(heard.append)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert [a.title for a in heard] == ["2 updates while you were away"]

    pull(nurse.store, [notification("Received", entity_id=ticket, minute=9)])
    nurse.runner.statusChanged.emit(nurse.runner.status)  # a sync reported
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=5000)
    assert heard[1].title == "Received" and heard[1].entity_id == ticket

    with qtbot.waitSignal(notifier.openRequested, timeout=5000) as opened:
        notifier.open_last()
    assert opened.args == ["ticket", ticket]
    qtbot.waitUntil(lambda: bool(nurse.store.outbox_entries()), timeout=5000)
    assert [e.name.value for e in nurse.store.outbox_entries()] == ["notification.read"]
    notifier.deleteLater()
