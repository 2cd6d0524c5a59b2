"""A shared ward PC: the status bar and its list of changes, locking when idle, switching user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.ops.session import TokenVault, sign_in
from desktop.store import LocalStore
from desktop.sync import Connection
from desktop.ui.shell.flow import ShellFlow
from desktop.ui.shell.main_window import MainWindow
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.config import Settings
from tests.conftest import PASSWORD
from tests.desktop.live_server import running_server
from tests.desktop.shell.conftest import MemoryKeyring
from tests.desktop.sync.conftest import submit_ticket


def _signed_in(qtbot: QtBot, flow: ShellFlow, user: User) -> MainWindow:
    window = flow.show_sign_in()
    window.fill(username=user.username, password=PASSWORD)
    window.submit()
    qtbot.waitUntil(lambda: flow.main_window is not None and flow.main_window.isVisible(), timeout=15_000)
    assert flow.main_window is not None
    return flow.main_window


def test_the_status_bar_counts_unsettled_changes_and_lists_them_with_the_servers_reason(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    nurse = make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, nurse)
    qtbot.waitUntil(lambda: main.sync_status.status.state is Connection.ONLINE, timeout=15_000)
    assert flow.session is not None

    # A refill for a medication the formulary does not have: the server refuses it, and says why.
    submit_ticket(flow.session.store, ward_id=nurse.wards[0].ward_id, medication="NOT-IN-FORMULARY")
    flow.runner.wake()  # type: ignore[union-attr]  # what a screen does after queueing a change
    qtbot.waitUntil(lambda: main.sync_status.status.rejected == 1, timeout=15_000)
    assert "Rejected: 1" in main.sync_status.text()

    qtbot.mouseClick(main.sync_status, Qt.MouseButton.LeftButton)
    dialog = main._sync_list
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5_000)
    qtmodeltester.check(dialog.model)
    row = [dialog.model.index(0, column).data() for column in range(dialog.model.columnCount())]
    assert row[0] == "Submit refill ticket"
    assert row[1] == "Rejected"
    assert dialog.model.entries()[0].reason in row[3]  # the server's specifics, after our sentence


def test_changes_made_offline_wait_in_the_queue_and_the_status_bar_says_how_many(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    settings: Settings,
    database_url: str,
    vault: TokenVault,
    data_dir: Path,
) -> None:
    nurse = make_user(Role.NURSE)
    with running_server(settings, database_url) as url:  # signed in online once...
        sign_in(
            server_url=url, username=nurse.username, password=PASSWORD, vault=vault, data_dir=data_dir
        ).close()
    # ...then the network went.
    flow = make_flow(server_url=url, vault=vault)
    main = _signed_in(qtbot, flow, nurse)
    assert flow.session is not None and flow.session.offline

    submit_ticket(flow.session.store, ward_id=nurse.wards[0].ward_id)
    submit_ticket(flow.session.store, ward_id=nurse.wards[0].ward_id)
    flow.runner.wake()  # type: ignore[union-attr]

    qtbot.waitUntil(lambda: main.sync_status.status.queued == 2, timeout=10_000)
    assert "Queued: 2" in main.sync_status.text()
    main.open_sync_list()
    dialog = main._sync_list
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5_000)
    assert {dialog.model.index(row, 1).data() for row in range(2)} == {"Waiting to be sent"}


def test_an_idle_workstation_locks_and_only_the_users_password_unlocks_it(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    doctor = make_user(Role.DOCTOR)
    flow = make_flow(server_url=server_url, vault=vault, idle_lock_ms=300)
    main = _signed_in(qtbot, flow, doctor)

    qtbot.waitUntil(lambda: main.locked, timeout=5_000)
    assert not main.screens.isVisible()  # the patient data is hidden
    assert not main.menuBar().isEnabled()

    qtbot.keyClicks(main.lock_screen.password, "not my password")
    qtbot.keyClick(main.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.lock_screen.message.text() != "", timeout=5_000)
    assert main.locked

    main.lock_screen.password.setText(PASSWORD)
    qtbot.mouseClick(main.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not main.locked, timeout=5_000)
    assert main.screens.isVisible()
    qtbot.waitUntil(lambda: main.locked, timeout=5_000)  # idle again: locks again


def test_switching_user_signs_out_and_keeps_each_users_cache_apart(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
    keyring_backend: MemoryKeyring,
) -> None:
    first, second = make_user(Role.NURSE), make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, first)
    assert flow.session is not None
    first_cache = flow.session.store.path
    submit_ticket(flow.session.store, ward_id=first.wards[0].ward_id)
    assert len(keyring_backend.entries) == 1

    main.lock()
    qtbot.mouseClick(main.lock_screen.switch_button, Qt.MouseButton.LeftButton)

    assert flow.main_window is None
    sign_in_window = flow.sign_in_window
    assert sign_in_window is not None and sign_in_window.isVisible()
    assert sign_in_window.username.text() == ""  # a new person signs in
    qtbot.waitUntil(lambda: not keyring_backend.entries, timeout=10_000)  # the first user's token is gone

    _signed_in(qtbot, flow, second)
    assert flow.session is not None
    second_cache = flow.session.store.path
    assert second_cache != first_cache and first_cache.exists() and second_cache.exists()
    assert flow.session.store.outbox_entries() == []  # the first nurse's change stayed in her cache
    assert flow.session.store.sync_state().username == second.username
    first_store = LocalStore.open(first_cache, server_url=server_url, username=first.username)
    try:
        assert len(first_store.outbox_entries()) == 1
    finally:
        first_store.close()


def test_a_notification_opens_the_ticket_it_is_about(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    nurse = make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, nurse)
    assert flow.session is not None
    ticket_id = submit_ticket(flow.session.store, ward_id=nurse.wards[0].ward_id)

    main.notifier.openRequested.emit("ticket", ticket_id)

    tickets = main.screen_widgets.get("tickets")
    assert tickets is not None and main.screens.currentWidget() is tickets
    assert tickets._selected == ticket_id
