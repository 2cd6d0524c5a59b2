"""Mid-shift troubles with the REAL server: the session ended on the server (sign in again in place,
queued changes kept and sent), and the network lost (the window says what still works)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ops.session import TokenVault
from desktop.sync import Connection
from desktop.ui.shell.flow import ShellFlow
from desktop.ui.shell.main_window import MainWindow
from shared.roles import Role
from sync_server.auth.models import User
from tests.conftest import PASSWORD
from tests.desktop.sync.conftest import submit_ticket


class NetworkCable(httpx.BaseTransport):
    """The workstation's network: real HTTP, except while unplugged."""

    def __init__(self) -> None:
        self.plugged_in = True
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.plugged_in:
            raise httpx.ConnectError("network unreachable", request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def _signed_in(qtbot: QtBot, flow: ShellFlow, user: User) -> MainWindow:
    window = flow.show_sign_in()
    window.fill(username=user.username, password=PASSWORD)
    window.submit()
    qtbot.waitUntil(lambda: flow.main_window is not None and flow.main_window.isVisible(), timeout=15_000)
    assert flow.main_window is not None
    qtbot.waitUntil(lambda: flow.main_window.sync_status.status.state is Connection.ONLINE, timeout=15_000)  # type: ignore[union-attr]
    return flow.main_window


def test_a_session_ended_on_the_server_asks_for_the_password_in_place_and_sends_what_was_queued(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    nurse = make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, nurse)
    assert flow.session is not None and flow.runner is not None
    store = flow.session.store
    assert not main.sign_in_again.isVisible()

    # An administrator ends her session on the server (here: the same as signing out elsewhere).
    answer = httpx.post(
        f"{server_url}/auth/logout",
        headers={"Authorization": f"Bearer {flow.session.tokens.access_token()}"},
    )
    assert answer.status_code in (200, 204), answer.text
    submit_ticket(store, ward_id=nurse.wards[0].ward_id, medication="NOT-IN-FORMULARY")
    flow.runner.wake()
    qtbot.waitUntil(main.sign_in_again.isVisible, timeout=15_000)
    assert "The server ended your session" in main.sign_in_again.label.text()
    assert "1 change made here is kept and will be sent then." in main.sign_in_again.label.text()
    assert [e.state for e in store.outbox_entries()] in (["queued"], ["sent"])

    qtbot.keyClicks(main.sign_in_again.password, "not the password")
    qtbot.keyClick(main.sign_in_again.password, Qt.Key.Key_Return)
    qtbot.waitUntil(main.sign_in_again.message.isVisible, timeout=10_000)
    assert main.sign_in_again.isVisible()

    main.sign_in_again.password.setText(PASSWORD)
    qtbot.keyClick(main.sign_in_again.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.sign_in_again.isVisible(), timeout=10_000)
    # The same window, the same cache: the queued change reaches the server (which refuses this one).
    assert flow.main_window is main and flow.session.store is store
    qtbot.waitUntil(lambda: [e.state for e in store.outbox_entries()] == ["rejected"], timeout=15_000)
    qtbot.waitUntil(lambda: main.sync_status.status.state is Connection.ONLINE, timeout=15_000)


def test_losing_the_network_mid_shift_says_what_still_works(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    cable = NetworkCable()
    flow = make_flow(server_url=server_url, vault=vault, transport=cable)
    main = _signed_in(qtbot, flow, make_user(Role.NURSE))
    assert not main.offline_banner.isVisible()

    cable.plugged_in = False
    qtbot.waitUntil(main.offline_banner.isVisible, timeout=15_000)
    text = main.offline_banner.text()
    assert text.startswith("The connection to the server was lost at ")
    assert "your changes are saved on this computer and sent when it is back" in text

    cable.plugged_in = True
    flow.runner.wake()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not main.offline_banner.isVisible(), timeout=15_000)
