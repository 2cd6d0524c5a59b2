"""Signing in to the desktop: online against the real server, offline from the cache, without a keyring."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.session import TokenVault, sign_in
from desktop.settings import DesktopSettings
from desktop.store import cache_path
from desktop.sync import Connection
from desktop.ui.shell.flow import ShellFlow
from desktop.ui.shell.screens import Screen
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.directory.feed import record_directory
from sync_server.directory.models import Doctor
from tests.conftest import PASSWORD
from tests.desktop.live_server import free_port, running_server
from tests.desktop.shell.conftest import MemoryKeyring


def _sign_in_through_the_window(qtbot: QtBot, flow: ShellFlow, *, username: str, password: str) -> None:
    window = flow.show_sign_in()
    window.fill(username=username, password=password)
    window.submit()


def _wait_for_main_window(qtbot: QtBot, flow: ShellFlow) -> None:
    qtbot.waitUntil(lambda: flow.main_window is not None and flow.main_window.isVisible(), timeout=15_000)


def test_a_scheduler_signs_in_and_sees_the_calendar_of_the_cached_doctors(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
    keyring_backend: MemoryKeyring,
    desktop_settings: DesktopSettings,
    session_factory: sessionmaker[Session],
    doctor: Doctor,
) -> None:
    scheduler = make_user(Role.SCHEDULER)
    with transaction(session_factory) as session:
        # The test doctor was inserted directly: put it on the sync feed as the directory service would.
        record_directory(session, session.get(Doctor, doctor.id))
    flow = make_flow(server_url=server_url, vault=vault)

    _sign_in_through_the_window(qtbot, flow, username=scheduler.username, password=PASSWORD)
    _wait_for_main_window(qtbot, flow)

    window = flow.main_window
    assert window is not None
    assert "calendar" in window.screen_keys and "tickets" not in window.screen_keys
    assert window.screens.currentWidget() is window.screen_widgets["calendar"]
    qtbot.waitUntil(lambda: window.sync_status.status.state is Connection.ONLINE, timeout=15_000)
    calendar = window.screen_widgets["calendar"]
    qtbot.waitUntil(lambda: calendar.page is not None, timeout=10_000)  # type: ignore[attr-defined]
    assert [column.doctor.name for column in calendar.page.canvas.columns()] == ["Dr. Ana Costa"]  # type: ignore[attr-defined]
    assert "Online" in window.sync_status.text()
    assert not window.offline_banner.isVisible()
    assert desktop_settings.last_username == scheduler.username
    assert list(keyring_backend.entries.values()) == [flow.session.tokens._refresh]  # type: ignore[union-attr]


def test_each_role_sees_only_its_screens(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    def label(text: str) -> Callable[..., object]:
        from PySide6.QtWidgets import QLabel

        return lambda _context, parent: QLabel(text, parent)

    screens = [
        Screen("calendar", "Calendar", frozenset({Role.DOCTOR, Role.SCHEDULER}), label("calendar")),  # type: ignore[arg-type]
        Screen("tickets", "Tickets", frozenset({Role.NURSE, Role.PHARMACIST}), label("tickets")),  # type: ignore[arg-type]
    ]
    nurse = make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault, screens=screens)

    _sign_in_through_the_window(qtbot, flow, username=nurse.username, password=PASSWORD)
    _wait_for_main_window(qtbot, flow)

    assert flow.main_window is not None
    assert flow.main_window.screen_keys == ["tickets"]
    assert flow.main_window.screens.currentWidget().text() == "tickets"  # type: ignore[attr-defined]
    assert flow.session is not None and flow.session.user.ward_ids == (nurse.wards[0].ward_id,)


def test_a_wrong_password_shows_the_servers_message(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    nurse = make_user(Role.NURSE)
    flow = make_flow(server_url=server_url, vault=vault)
    window = flow.show_sign_in()
    window.fill(username=nurse.username, password="not the password")
    window.submit()

    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10_000)
    server_says = httpx.post(
        f"{server_url}/auth/token",
        data={"grant_type": "password", "username": nurse.username, "password": "still not it"},
    ).json()["error"]["message"]
    assert window.message.text() == server_says
    assert flow.main_window is None
    assert window.password.isEnabled()


def test_a_known_user_signs_in_offline_from_this_computers_cache(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    settings: Settings,
    database_url: str,
    vault: TokenVault,
    data_dir: Path,
) -> None:
    nurse = make_user(Role.NURSE)
    with running_server(settings, database_url) as url:  # yesterday's shift, online
        yesterday = sign_in(
            server_url=url, username=nurse.username, password=PASSWORD, vault=vault, data_dir=data_dir
        )
        yesterday.close()
    # Today the server cannot be reached.
    flow = make_flow(server_url=url, vault=vault)

    _sign_in_through_the_window(qtbot, flow, username=nurse.username, password=PASSWORD)
    _wait_for_main_window(qtbot, flow)

    main = flow.main_window
    assert main is not None and flow.session is not None
    assert flow.session.offline
    assert main.offline_banner.isVisible()
    assert "Working offline" in main.offline_banner.text()
    assert flow.session.store.path == cache_path(server_url=url, username=nurse.username, data_dir=data_dir)
    qtbot.waitUntil(lambda: main.sync_status.status.state is Connection.OFFLINE, timeout=10_000)
    assert "Offline" in main.sync_status.text()


def test_a_wrong_password_offline_is_refused_on_this_computer(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    settings: Settings,
    database_url: str,
    vault: TokenVault,
    data_dir: Path,
) -> None:
    nurse = make_user(Role.NURSE)
    with running_server(settings, database_url) as url:
        yesterday = sign_in(
            server_url=url, username=nurse.username, password=PASSWORD, vault=vault, data_dir=data_dir
        )
        yesterday.close()
    flow = make_flow(server_url=url, vault=vault)

    window = flow.show_sign_in()
    window.fill(username=nurse.username, password="a guess")
    window.submit()

    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10_000)
    assert "Wrong user name or password" in window.message.text()
    assert flow.main_window is None


def test_an_unknown_user_offline_is_told_why_they_cannot_sign_in(
    qtbot: QtBot, make_flow: Callable[..., ShellFlow], vault: TokenVault
) -> None:
    flow = make_flow(server_url=f"http://127.0.0.1:{free_port()}", vault=vault)

    window = flow.show_sign_in()
    window.fill(username="nurse.new", password="whatever she types")
    window.submit()

    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10_000)
    assert "cannot be reached" in window.message.text()
    assert "has not signed in on this computer before" in window.message.text()
    assert flow.main_window is None


def test_without_a_keyring_the_app_says_so_and_writes_no_secret_to_disk(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    doctor = make_user(Role.DOCTOR)
    flow = make_flow(server_url=server_url, vault=TokenVault(keyring.backends.fail.Keyring()))
    window = flow.show_sign_in()
    qtbot.waitUntil(lambda: window.keyring_notice.isVisible(), timeout=5_000)
    assert "only while WardDesk is open" in window.keyring_notice.text()

    window.fill(username=doctor.username, password=PASSWORD)
    window.submit()
    _wait_for_main_window(qtbot, flow)

    session = flow.session
    assert session is not None and not session.token_in_keyring and not session.keyring_available
    assert flow.main_window is not None and flow.main_window.keyring_banner.isVisible()
    flow.main_window.close()  # quitting: the session ends with the app
    secrets = [session.tokens._refresh.encode(), PASSWORD.encode()]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret in content for secret in secrets), f"{path} holds a secret"


class _NotWardDesk(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = b"<html><body>It works!</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _sign_in_message(qtbot: QtBot, flow: ShellFlow) -> str:
    window = flow.show_sign_in()
    window.fill(username="nurse.new", password="whatever she types")
    window.submit()
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=15_000)
    assert flow.main_window is None
    return window.message.text()


def test_a_server_down_a_host_that_does_not_exist_and_a_web_server_that_is_not_warddesk_are_told_apart(
    qtbot: QtBot, make_flow: Callable[..., ShellFlow], vault: TokenVault
) -> None:
    down = _sign_in_message(qtbot, make_flow(server_url=f"http://127.0.0.1:{free_port()}", vault=vault))
    assert (
        "Nothing answers at http://127.0.0.1:" in down and "not running there, or the port is wrong" in down
    )

    unknown = _sign_in_message(qtbot, make_flow(server_url="http://warddesk.invalid:8080", vault=vault))
    assert "No computer called warddesk.invalid is known on this network" in unknown

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotWardDesk)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{web.server_address[1]}"
        other = _sign_in_message(qtbot, make_flow(server_url=url, vault=vault))
    finally:
        web.shutdown()
        web.server_close()
        thread.join(5)
    assert other.startswith(f"{url} answered, but it is not a WardDesk sync server (HTTP 404).")
    assert len({down, unknown, other}) == 3


def test_a_failed_sign_in_leaves_no_empty_cache_for_a_name_typed_by_mistake(
    qtbot: QtBot, make_flow: Callable[..., ShellFlow], vault: TokenVault, data_dir: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    _sign_in_message(qtbot, make_flow(server_url=url, vault=vault))  # offline, never signed in here
    leftover = cache_path(server_url=url, username="nurse.new", data_dir=data_dir)
    assert not leftover.exists() and not leftover.parent.exists()


def test_the_keyring_is_chosen_for_this_platform_without_probing_every_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.ops.session import platform_keyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert isinstance(platform_keyring(), keyring.backends.fail.Keyring)  # no session bus: no service
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.desktop.shell.conftest.MemoryKeyring")
    assert type(platform_keyring()).__name__ == "MemoryKeyring"  # what IT configures wins
