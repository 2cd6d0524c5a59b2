"""The admin screen against the REAL sync server: every workstation as its desktop reported itself, the
stale ones marked, the dead-letter queue inspected without patient data, replayed and discarded after a
confirmation; offline it says it needs the server, and a bad answer is shown, never raised."""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.admin import AdminOps
from desktop.ops.background import Executors
from desktop.ops.session import SignedInUser
from desktop.sync import SessionTokens, SyncClient
from desktop.ui.admin.screen import AdminScreen, DiscardDialog, StaleRole, admin_screen
from desktop.ui.shell.screens import default_screens, screens_for
from shared.roles import Role
from sync_server.audit.models import AuditEntry
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, emit
from sync_server.messaging.failures import record
from tests.conftest import PASSWORD
from tests.desktop.live_server import free_port
from tests.desktop.shell.test_keyboard import nameless_controls
from tests.desktop.tickets.conftest import Desk
from tests.sync_server.messaging.conftest import confirmed_payload

ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def tokens_of(server_url: str, user: User) -> tuple[str, str]:
    answer = httpx.post(
        f"{server_url}/auth/token",
        data={"grant_type": "password", "username": user.username, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"], answer.json()["refresh_token"]


def signed_in(user: User) -> SignedInUser:
    return SignedInUser(id=user.id, username=user.username, full_name=user.full_name, role=user.role)


def dead_letter(session_factory: sessionmaker[Session]) -> OutboxMessage:
    """An appointment.confirmed event for Maria Silva that the e-mail consumer gave up on."""
    with transaction(session_factory) as session:
        row = emit(
            session,
            event_type="appointment.confirmed",
            aggregate_type="appointment",
            aggregate_id=str(uuid.uuid4()),
            payload=confirmed_payload(),
        )
        session.flush()
    record(
        session_factory,
        consumer="confirmation-email",
        message_id=row.message_id,
        error=RuntimeError("SES said no to patient@example.org"),
        dead=True,
    )
    return row


@pytest.fixture
def admin_desk(
    tmp_path: Path, server_url: str, make_user: Callable[..., User], executors: Executors
) -> Iterator[Desk]:
    user = make_user(Role.ADMIN)
    access, refresh = tokens_of(server_url, user)
    desk = Desk(
        data_dir=tmp_path / "admin",
        server_url=server_url,
        user=signed_in(user),
        executors=executors,
        access_token=access,
        refresh_token=refresh,
    )
    yield desk
    desk.close()


@pytest.fixture
def shown(qtbot: QtBot, admin_desk: Desk) -> Iterator[AdminScreen]:
    """The screen as the main window makes it for an admin, shown (which asks the server)."""
    host = QWidget()
    qtbot.addWidget(host)
    screen = admin_screen(admin_desk.context, host)
    screen.show()
    host.show()
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=15_000)
    yield screen
    screen.timer.stop()


def a_nurse_pc_syncs(server_url: str, user: User) -> uuid.UUID:
    """A nurse's desktop of version 1.4.2 on WARD3-PC07 pulls once, through the desktop's own client."""
    access, refresh = tokens_of(server_url, user)
    tokens = SessionTokens(base_url=server_url, access_token=access, refresh_token=refresh)
    client = SyncClient(server_url, tokens=tokens, timeout=10, desktop=("1.4.2", "WARD3-PC07"))
    client.queued_changes = lambda: 2
    client_id = uuid.uuid4()
    try:
        client.pull(cursor=None, client_id=client_id)
    finally:
        client.close()
        tokens.close()
    return client_id


def a_pc_silent_for_days(session_factory: sessionmaker[Session], user: User) -> uuid.UUID:
    client_id = uuid.uuid4()
    with transaction(session_factory) as session:
        session.execute(
            text(
                "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, last_push_at, workstation,"
                " desktop_version) VALUES (:id, :user, 4, :at, 'PHARMACY-1', '1.2')"
            ),
            {"id": client_id, "user": user.id, "at": datetime.now(UTC) - timedelta(days=3)},
        )
    return client_id


def row_of(screen: AdminScreen, message_id: uuid.UUID) -> int:
    """The row, as shown, of a dead letter."""
    proxy = screen.letters_proxy
    ids = [
        screen.letters.row(proxy.mapToSource(proxy.index(r, 0)).row()).message_id
        for r in range(proxy.rowCount())
    ]
    return ids.index(message_id)


def rows_of(screen: AdminScreen) -> list[dict[str, object]]:
    proxy = screen.workstations_proxy
    return [
        {
            "workstation": proxy.index(row, 0).data(),
            "version": proxy.index(row, 2).data(),
            "queued": proxy.index(row, 4).data(),
            "stale": proxy.index(row, 0).data(StaleRole),
            "tinted": proxy.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is not None,
            "spoken": proxy.index(row, 0).data(Qt.ItemDataRole.AccessibleTextRole),
        }
        for row in range(proxy.rowCount())
    ]


def test_workstations_show_what_each_desktop_reported_and_the_stale_ones_stand_out(  # type: ignore[no-untyped-def]
    qtbot: QtBot, server_url, make_user, session_factory, admin_desk, executors
) -> None:
    a_nurse_pc_syncs(server_url, make_user(Role.NURSE))
    a_pc_silent_for_days(session_factory, make_user(Role.PHARMACIST))
    host = QWidget()
    qtbot.addWidget(host)
    screen = admin_screen(admin_desk.context, host)
    host.show()
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=15_000)

    rows = {row["workstation"]: row for row in rows_of(screen)}
    assert rows["WARD3-PC07"]["version"] == "1.4.2" and rows["WARD3-PC07"]["queued"] == "2"
    assert rows["WARD3-PC07"]["stale"] is False and not rows["WARD3-PC07"]["tinted"]
    assert rows["PHARMACY-1"]["stale"] is True and rows["PHARMACY-1"]["tinted"]
    assert rows["PHARMACY-1"]["spoken"] == "PHARMACY-1 (stale)"
    assert [row["workstation"] for row in rows_of(screen)][:1] == ["PHARMACY-1"]  # the longest silent first
    screen.workstations_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    names = [row["workstation"] for row in rows_of(screen)]
    assert names == sorted(names, reverse=True)
    assert "1 stale" in screen.summary.text()
    assert screen.tabs.tabText(0) == "&Workstations (2)"
    screen.timer.stop()


def test_an_admin_inspects_replays_and_discards_dead_letters(  # type: ignore[no-untyped-def]
    qtbot: QtBot, server_url, session_factory, admin_desk, executors
) -> None:
    first, second = dead_letter(session_factory), dead_letter(session_factory)
    host = QWidget()
    qtbot.addWidget(host)
    screen = admin_screen(admin_desk.context, host)
    host.show()
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=15_000)
    assert screen.tabs.tabText(2) == "Dead &letters (2)"
    assert not screen.replay_button.isEnabled()

    screen.choose_letter(row_of(screen, first.message_id))
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=10_000)
    shown = screen.detail_text.toPlainText()
    assert "Event: appointment.confirmed" in shown and "Attempts: 1" in shown
    assert first.payload["appointment_id"] in shown and "«redacted»" in shown
    for private in ("Maria Silva", "patient@example.org", "Ana Costa"):
        assert private not in shown

    qtbot.mouseClick(screen.replay_button, Qt.MouseButton.LeftButton)
    box = screen.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Replayed" in screen.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: len(screen.snapshot.dead_letters) == 1, timeout=10_000)  # type: ignore[union-attr]

    screen.choose_letter(0)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=10_000)
    qtbot.mouseClick(screen.discard_button, Qt.MouseButton.LeftButton)
    dialog = screen.dialog
    assert isinstance(dialog, DiscardDialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no reason yet
    qtbot.keyClicks(dialog.reason, "Appointment cancelled")
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.status.text() == "Discarded.", timeout=10_000)
    qtbot.waitUntil(lambda: screen.snapshot.dead_letters == [], timeout=10_000)  # type: ignore[union-attr]
    assert screen.tabs.tabText(2) == "Dead &letters (0)"

    with transaction(session_factory) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("dead_letters.%"))).all()
        done = {(e.action, e.entity_id): e.details for e in entries}
    assert ("dead_letters.replay", str(first.message_id)) in done
    assert done[("dead_letters.discard", str(second.message_id))]["reason"] == "Appointment cancelled"
    screen.timer.stop()


def test_it_refreshes_by_itself_only_while_shown(qtbot: QtBot, shown: AdminScreen) -> None:
    assert shown.timer.isActive() and shown.timer.interval() == 30_000
    shown.hide()
    assert not shown.timer.isActive()
    shown.show()
    assert shown.timer.isActive()


def test_every_control_a_keyboard_reaches_has_a_name(shown: AdminScreen) -> None:
    for tab in range(shown.tabs.count()):
        shown.tabs.setCurrentIndex(tab)
        assert nameless_controls(shown) == [], shown.tabs.tabText(tab)


def test_f5_asks_the_server_again(qtbot: QtBot, shown: AdminScreen) -> None:  # type: ignore[no-untyped-def]
    answers: list[object] = []
    shown.ops.loaded.connect(answers.append)
    shown.workstations_view.setFocus()

    qtbot.keyClick(shown.workstations_view, Qt.Key.Key_F5)

    qtbot.waitUntil(lambda: len(answers) == 1, timeout=10_000)
    assert shown.workstations_view.accessibleName() == "Workstations"
    assert shown.refresh_button.text() == "&Refresh" and shown.refresh_button.isEnabled()


def test_offline_it_says_it_needs_the_server_and_comes_back_with_the_connection(  # type: ignore[no-untyped-def]
    qtbot: QtBot, tmp_path: Path, executors: Executors, server_url, admin_desk
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    tokens = SessionTokens(base_url=closed, access_token="t", refresh_token="r")
    client = SyncClient(closed, tokens=tokens, timeout=2, max_attempts=1)
    current = {"client": client}
    screen = AdminScreen(
        AdminOps(client_for=lambda: current["client"], executors=executors), online=False, locale=ENGLISH
    )
    qtbot.addWidget(screen)
    try:
        assert screen.needs_server_shown
        screen.show()
        qtbot.waitUntil(lambda: not screen.ops.busy, timeout=10_000)
        assert screen.needs_server_shown and screen.snapshot is None
        assert screen.needs_server.accessibleName() == "Needs the server"

        current["client"] = admin_desk.runner.client  # the network is back
        qtbot.mouseClick(screen.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=10_000)
        assert not screen.needs_server_shown
    finally:
        screen.timer.stop()
        client.close()
        tokens.close()


class NonsenseHandler(http.server.BaseHTTPRequestHandler):
    """A server that is not a WardDesk server (a captive portal, a misrouted proxy): 200 with nonsense."""

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = b'{"workstations": "none of your business", "dead_letters": 7}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_it_cannot_read_is_reported_not_raised(qtbot: QtBot, executors: Executors) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NonsenseHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    tokens = SessionTokens(base_url=url, access_token="t", refresh_token="r")
    client = SyncClient(url, tokens=tokens, timeout=5, max_attempts=1)
    screen = AdminScreen(AdminOps(client_for=lambda: client, executors=executors), locale=ENGLISH)
    qtbot.addWidget(screen)
    try:
        screen.show()
        qtbot.waitUntil(lambda: "cannot read" in screen.status.text(), timeout=10_000)
        assert screen.snapshot is None and not screen.needs_server_shown
        assert screen.refresh_button.isEnabled()
    finally:
        screen.timer.stop()
        client.close()
        tokens.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_only_admins_have_the_screen() -> None:
    for role in Role:
        keys = [screen.key for screen in screens_for(role, default_screens())]
        assert ("admin" in keys) is (role is Role.ADMIN)
