"""Screenshots of the ticket screens and the conflict inbox on a demo ward, for desktop/ui/screenshots.py.

The demo lives in a throw-away cache filled as a sync would fill it (wards, formulary, tickets), plus a
few changes of this workstation the server refused, so the screens run exactly as they do for real.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEvent, QLocale, QSize
from PySide6.QtWidgets import QWidget

from desktop.ops.background import Executors
from desktop.ops.session import DesktopContext, DesktopSession, SignedInUser, SyncRunner
from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_action, queue_ticket_submit
from desktop.sync import SessionTokens
from shared.protocol import Change, Entity, MutationResult, MutationStatus, PullResponse, PushResponse
from shared.roles import Role
from shared.tickets import Priority, TicketAction

NOW = datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
WARDS = {
    uuid.UUID(int=0xA3): ("W3", "Internal Medicine"),
    uuid.UUID(int=0xB4): ("W4", "Surgery"),
    uuid.UUID(int=0xC5): ("W5", "Paediatrics"),
}
FORMULARY = [
    ("AMOX500", "Amoxicillin", "500 mg", "capsule", "capsule"),
    ("PARA500", "Paracetamol", "500 mg", "tablet", "tablet"),
    ("MORPH10", "Morphine", "10 mg/ml", "injection", "ampoule"),
    ("HEP5000", "Heparin", "5000 IU/ml", "injection", "vial"),
    ("SAL100", "Salbutamol", "100 mcg", "inhaler", "inhaler"),
    ("NACL09", "Sodium chloride 0.9%", "500 ml", "infusion", "bag"),
    ("OMEP20", "Omeprazole", "20 mg", "capsule", "capsule"),
    ("FURO40", "Furosemide", "40 mg", "tablet", "tablet"),
    ("CEFTR1", "Ceftriaxone", "1 g", "injection", "vial"),
    ("METF850", "Metformin", "850 mg", "tablet", "tablet"),
]
NURSES = ["Inês Carvalho", "Rui Almeida", "Marta Sousa", "João Pereira"]
PLAN = [  # (ward, priority, status, needed in hours, submitted hours ago, [(code, quantity)])
    (0, "stat", "submitted", 1, 0.3, [("MORPH10", 10)]),
    (1, "stat", "approved", 2, 0.8, [("HEP5000", 6), ("NACL09", 12)]),
    (0, "urgent", "submitted", 3, 1.5, [("AMOX500", 40), ("PARA500", 60)]),
    (2, "urgent", "in_preparation", 4, 2.0, [("SAL100", 4)]),
    (1, "routine", "submitted", 8, 3.0, [("OMEP20", 28), ("FURO40", 30), ("METF850", 56), ("PARA500", 100)]),
    (0, "routine", "approved", 20, 5.0, [("CEFTR1", 10)]),
    (2, "routine", "submitted", None, 6.0, [("PARA500", 24)]),
    (0, "urgent", "dispatched", 2, 20.0, [("MORPH10", 10), ("AMOX500", 20)]),
    (0, "routine", "received", None, 48.0, [("FURO40", 30)]),
    (0, "routine", "closed", None, 72.0, [("METF850", 56)]),
    (1, "urgent", "rejected", 6, 30.0, [("SAL100", 10)]),
]


def _medications() -> dict[str, tuple[str, str, str, str, str]]:
    return {item[0]: item for item in FORMULARY}


def _history(status: str, submitted: datetime, nurse: str) -> list[dict[str, Any]]:
    steps = ["submitted", "approved", "in_preparation", "dispatched", "received", "closed"]
    actions = {
        "approved": "approve",
        "in_preparation": "start_preparation",
        "dispatched": "dispatch",
        "received": "receive",
        "closed": "close",
        "rejected": "reject",
    }
    history = [
        {
            "at": submitted.isoformat(),
            "actor_name": nurse,
            "actor_role": "nurse",
            "action": "submit",
            "from_status": "draft",
            "to_status": "submitted",
        }
    ]
    if status == "rejected":
        path = ["rejected"]
    else:
        path = steps[1 : steps.index(status) + 1] if status in steps else []
    previous = "submitted"
    for number, step in enumerate(path, start=1):
        pharmacy = step not in ("received",)
        history.append(
            {
                "at": (submitted + timedelta(minutes=25 * number)).isoformat(),
                "actor_name": "Carla Nunes" if pharmacy else nurse,
                "actor_role": "pharmacist" if pharmacy else "nurse",
                "action": actions[step],
                "from_status": previous,
                "to_status": step,
            }
        )
        previous = step
    return history


def demo_changes() -> list[Change]:
    """Wards, formulary and a morning's tickets across three wards, as the server's feed carries them."""
    changes = [
        Change(entity=Entity.WARD, id=ward, version=1, data={"id": str(ward), "code": code, "name": name})
        for ward, (code, name) in WARDS.items()
    ]
    for number, (code, name, strength, form, unit) in enumerate(FORMULARY, start=1):
        data = {"code": code, "name": name, "strength": strength, "form": form, "unit": unit, "active": True}
        changes.append(Change(entity=Entity.MEDICATION, id=uuid.UUID(int=number), version=1, data=data))
    medications = _medications()
    wards = list(WARDS)
    for number, (ward, priority, status, needed, ago, lines) in enumerate(PLAN, start=1):
        submitted = NOW - timedelta(hours=ago)
        nurse = NURSES[number % len(NURSES)]
        ticket_lines = []
        for position, (code, quantity) in enumerate(lines):
            short = quantity if position else quantity - 2  # the first line approved for less
            approved = None if status in ("submitted", "rejected") else short
            dispatched = approved if status in ("dispatched", "received", "closed") else 0
            ticket_lines.append(
                {
                    "line_id": str(uuid.UUID(int=number * 100 + position)),
                    "medication_code": code,
                    "quantity": quantity,
                    "unit": medications[code][4],
                    "approved_quantity": approved,
                    "approval_reason": "stock short until Friday"
                    if approved and approved < quantity
                    else None,
                    "dispatched_quantity": dispatched or 0,
                    "received_quantity": dispatched if status in ("received", "closed") else None,
                    "discrepancy_note": None,
                    "remainder_cancelled": False,
                }
            )
        ticket_id = uuid.UUID(int=0x7000 + number)
        version = len(_history(status, submitted, nurse))
        changes.append(
            Change(
                entity=Entity.TICKET,
                id=ticket_id,
                version=version,
                data={
                    "id": str(ticket_id),
                    "ward_id": str(wards[ward]),
                    "requested_by": str(uuid.UUID(int=0x500 + number)),
                    "requested_by_name": nurse,
                    "priority": priority,
                    "needed_by": (NOW + timedelta(hours=needed)).isoformat() if needed is not None else None,
                    "notes": "Bed 12, post-op pain" if number == 1 else "",
                    "status": status,
                    "has_discrepancy": False,
                    "submitted_at": submitted.isoformat(),
                    "rejection_reason": "Use the ward's own inhalers first" if status == "rejected" else None,
                    "cancel_reason": None,
                    "lines": ticket_lines,
                    "history": _history(status, submitted, nurse),
                },
            )
        )
    return changes


class DemoDesk:
    """A throw-away signed-in desktop (offline: nothing is ever sent) over a demo cache."""

    def __init__(self, folder: Path, role: Role, executors: Executors) -> None:
        server = "http://127.0.0.1:9"  # the discard port: never answered
        wards = tuple(WARDS) if role is Role.NURSE else ()
        user = SignedInUser(uuid.UUID(int=1), role.value, "Inês Carvalho", role, ward_ids=wards[:1])
        self.store = LocalStore.open(folder / f"{role.value}.sqlite", server_url=server, username=role.value)
        demo = PullResponse(changes=demo_changes(), cursor="demo", has_more=False, server_time=NOW)
        self.store.apply_pull(demo)
        self.tokens = SessionTokens(base_url=server, access_token="", refresh_token="")
        session = DesktopSession(
            server,
            user,
            self.store,
            self.tokens,
            offline=True,
            token_in_keyring=False,
            keyring_available=False,
        )
        self.session = session
        self.runner = SyncRunner(session, executors=executors)
        self.context = DesktopContext(
            store=self.store, executors=executors, sync=self.runner, user=user, server_url=server
        )

    def close(self) -> None:
        self.runner.client.close()
        self.tokens.close()
        self.store.close()


def _wait(condition: Callable[[], bool], timeout_ms: int = 5000) -> None:
    deadline = QDeadlineTimer(timeout_ms)
    while not condition() and not deadline.hasExpired():
        QCoreApplication.processEvents()
    QCoreApplication.processEvents()


def _settle(screen: Any) -> None:
    """Let the screen load its list, its visible rows and its detail."""
    loaded: list[bool] = []
    screen.loaded.connect(lambda: loaded.append(True))
    _wait(lambda: bool(loaded))
    model = screen.model
    for row in range(min(model.rowCount(), 40)):
        model.data(model.index(row, 0))
    _wait(lambda: all(model.cached_row(i) for i in model.ticket_ids()[:40]))


def _conflicts(store: LocalStore) -> None:
    """A ticket edit the pharmacy overtook, and a new ticket the server refused."""
    edited = uuid.UUID(int=0x7000 + 3)
    record = store.record(Entity.TICKET, edited)
    assert record is not None
    edit = queue_ticket_action(
        store,
        ticket_id=edited,
        action=TicketAction.EDIT,
        role=Role.NURSE,
        payload={"priority": "stat", "notes": "Patient deteriorating: needed now"},
    )
    draft = store.save_draft(
        ward_id=list(WARDS)[0],
        data={
            "priority": "urgent",
            "lines": [
                {
                    "line_id": str(uuid.UUID(int=9001)),
                    "medication_code": "HEP5000",
                    "quantity": 40,
                    "unit": "vial",
                }
            ],
        },
    )
    submit = queue_ticket_submit(store, draft_id=draft)
    server = dict(record.data, status="approved", version=2)
    store.mark_sent([edit.mutation_id, submit.mutation_id])
    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=edit.mutation_id,
                    status=MutationStatus.CONFLICT,
                    entity_id=edited,
                    code="version_conflict",
                    server_record=server,
                    reason="This ticket changed since you opened it: the pharmacy approved it first.",
                ),
                MutationResult(
                    mutation_id=submit.mutation_id,
                    status=MutationStatus.REJECTED,
                    entity_id=draft,
                    code="invalid",
                    reason="Line 1: 40 vials of Heparin exceed the ward's limit (20).",
                ),
            ],
            last_mutation_id=submit.mutation_id,
        )
    )


def render_tickets(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """tickets_<language>.png, ticket_editor_, pharmacy_queue_ and conflict_inbox_<language>.png."""
    from desktop.ui.inbox.screen import InboxScreen
    from desktop.ui.screenshots import render_png
    from desktop.ui.tickets.screens import NurseTicketsScreen, PharmacyQueueScreen

    written: list[Path] = []
    executors = Executors()
    widgets: list[QWidget] = []
    with tempfile.TemporaryDirectory() as folder:
        nurse = DemoDesk(Path(folder), Role.NURSE, executors)
        pharmacist = DemoDesk(Path(folder), Role.PHARMACIST, executors)
        try:
            tickets = NurseTicketsScreen(nurse.context, locale=locale, now=lambda: NOW)
            widgets.append(tickets)
            tickets.resize(1400, 900)
            _settle(tickets)
            shown: list[bool] = []
            tickets.detailShown.connect(lambda _d: shown.append(True))
            tickets.select_ticket(uuid.UUID(int=0x7000 + 8))
            _wait(lambda: bool(shown))
            written.append(render_png(tickets, output / f"tickets_{language}.png"))

            editor = tickets.open_editor()  # deletes itself when closed
            editor.priority_buttons[Priority.URGENT].setChecked(True)
            editor.has_deadline.setChecked(True)
            editor.notes.setPlainText("Bed 7: first doses due at 14:00")
            first = editor.line_editors()[0]
            first.medication.setText("Amoxicillin 500 mg (AMOX500)")
            first.quantity.setText("21")
            second = editor.add_line()
            second.medication.setText("Paracetamol 500 mg (PARA500)")
            second.quantity.setText("3O")
            _wait(lambda: False, 200)  # let the new line's layout settle before painting
            written.append(render_png(editor, output / f"ticket_editor_{language}.png", size=QSize(820, 620)))
            editor.done(0)

            queue = PharmacyQueueScreen(pharmacist.context, locale=locale, now=lambda: NOW)
            widgets.append(queue)
            queue.resize(1400, 900)
            _settle(queue)
            shown.clear()
            queue.detailShown.connect(lambda _d: shown.append(True))
            queue.select_ticket(uuid.UUID(int=0x7000 + 1))
            _wait(lambda: bool(shown))
            written.append(render_png(queue, output / f"pharmacy_queue_{language}.png"))

            _conflicts(nurse.store)
            inbox = InboxScreen(nurse.context, locale=locale)
            widgets.append(inbox)
            loaded: list[bool] = []
            inbox.loaded.connect(lambda: loaded.append(True))
            _wait(lambda: bool(loaded))
            inbox_png = output / f"conflict_inbox_{language}.png"
            written.append(render_png(inbox, inbox_png, size=QSize(1400, 700)))
        finally:
            for widget in widgets:  # first: a screen's late refresh must not meet stopped workers
                widget.close()
                widget.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            executors.shutdown()
            QCoreApplication.processEvents()
            nurse.close()
            pharmacist.close()
    return written


def demo_notifications() -> list[Change]:
    """What the pharmacy did to the nurse's tickets while she was away (the server's English wording)."""
    happened = [
        (
            "ticket.approved",
            "Refill ticket approved with changes",
            "By Paulo Reis (pharmacist). AMOX500: 20 → 14",
        ),
        ("ticket.preparation_started", "Refill ticket in preparation", "By Paulo Reis (pharmacist)."),
        ("ticket.dispatched", "Refill ticket dispatched", "By Paulo Reis (pharmacist). 14 capsules sent."),
        (
            "ticket.rejected",
            "Refill ticket rejected",
            "By Paulo Reis (pharmacist). Use the ward's own inhalers first",
        ),
    ]
    changes = []
    for number, (kind, title, body) in enumerate(happened):
        notification = uuid.UUID(int=0x9000 + number)
        changes.append(
            Change(
                entity=Entity.NOTIFICATION,
                id=notification,
                version=1,
                data={
                    "id": str(notification),
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "entity": "ticket",
                    "entity_id": str(uuid.UUID(int=0x7000 + 8 - number)),
                    "created_at": (NOW - timedelta(minutes=50 - 12 * number)).isoformat(),
                    "read_at": (NOW - timedelta(minutes=30)).isoformat() if number == 0 else None,
                },
            )
        )
    return changes


def render_windows(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The whole window at 1366x768 (a common ward PC): the nurse's tickets with the notification centre
    open (notification_centre_<language>.png) and the pharmacy queue (window_1366_pharmacy_<language>.png)."""
    from PySide6.QtCore import QSettings

    from desktop.settings import DesktopSettings
    from desktop.ui.screenshots import render_png
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.screens import Screen
    from desktop.ui.tickets.screens import NurseTicketsScreen, PharmacyQueueScreen

    size = QSize(1366, 768)
    written: list[Path] = []
    executors = Executors()
    windows: list[MainWindow] = []
    with tempfile.TemporaryDirectory() as folder:
        nurse = DemoDesk(Path(folder), Role.NURSE, executors)
        pharmacist = DemoDesk(Path(folder), Role.PHARMACIST, executors)
        nurse.store.apply_pull(
            PullResponse(changes=demo_notifications(), cursor="n", has_more=False, server_time=NOW)
        )
        settings = DesktopSettings(QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat))
        try:
            for desk, factory, name in (
                (nurse, NurseTicketsScreen, "notification_centre"),
                (pharmacist, PharmacyQueueScreen, "window_1366_pharmacy"),
            ):
                screen = Screen(
                    key="tickets",
                    title_source="Refill tickets",
                    roles=frozenset({desk.context.user.role}),
                    factory=lambda context, parent, f=factory: f(
                        context, locale=locale, now=lambda: NOW, parent=parent
                    ),  # type: ignore[misc]
                )
                window = MainWindow(
                    desk.context,
                    session=desk.session,
                    screens=[screen],
                    settings=settings,
                    idle_lock_ms=3_600_000,
                )
                windows.append(window)
                window.notifier.tray = None  # no tray messages from a screenshot run
                widget = window.screen_widgets["tickets"]
                _settle(widget)
                shown: list[bool] = []
                widget.detailShown.connect(lambda _d, shown=shown: shown.append(True))  # type: ignore[attr-defined]
                widget.select_ticket(uuid.UUID(int=0x7000 + (8 if desk is nurse else 1)))  # type: ignore[attr-defined]
                _wait(lambda shown=shown: bool(shown))
                if desk is nurse:
                    listed: list[object] = []
                    window.notification_centre.listed.connect(listed.append)
                    window.show_notifications()
                    _wait(lambda listed=listed, bell=window.bell: bool(listed) and bell.unread > 0)
                written.append(render_png(window, output / f"{name}_{language}.png", size=size))
        finally:
            for window in windows:  # first: a screen's late refresh must not meet stopped workers
                window.idle.stop()
                window.close_for_sign_out()
                window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            executors.shutdown()
            QCoreApplication.processEvents()
            nurse.close()
            pharmacist.close()
    return written
