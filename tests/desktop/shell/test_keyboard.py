"""Every screen by keyboard alone, with the REAL server: each role's window has a name on every control
Tab can reach, Tab leaves the ticket tables for the actions, and the shortcuts in the help work."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.ops.session import TokenVault
from desktop.ui.shell.flow import ShellFlow
from desktop.ui.shell.main_window import MainWindow
from shared.roles import Role
from sync_server.auth.models import User
from tests.conftest import PASSWORD


def _signed_in(qtbot: QtBot, flow: ShellFlow, user: User) -> MainWindow:
    window = flow.show_sign_in()
    window.fill(username=user.username, password=PASSWORD)
    window.submit()
    qtbot.waitUntil(lambda: flow.main_window is not None and flow.main_window.isVisible(), timeout=15_000)
    assert flow.main_window is not None
    return flow.main_window


def _internal(widget: QWidget) -> bool:
    """The line edit inside a combo box or a spin box: named by its owner."""
    parent = widget.parentWidget()
    return isinstance(widget, QLineEdit) and isinstance(parent, (QComboBox, QAbstractSpinBox))


def nameless_controls(window: QWidget) -> list[str]:
    found = []
    for widget in window.findChildren(QWidget):
        takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if takes_tab and widget.isVisibleTo(window) and not _internal(widget):
            if not widget.accessibleName() and not getattr(widget, "text", lambda: "")():
                found.append(
                    f"{type(widget).__name__} {widget.objectName()} in {type(widget.parent()).__name__}"
                )
    return found


@pytest.mark.parametrize("role", [Role.NURSE, Role.PHARMACIST, Role.SCHEDULER])
def test_every_control_of_every_screen_has_a_name(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
    role: Role,
) -> None:
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, make_user(role))
    for row in range(len(main.screen_keys)):
        main.show_screen(row)
        qtbot.wait(50)
        assert nameless_controls(main) == [], main.screen_keys[row]
    main.show_notifications()
    assert nameless_controls(main) == []


def test_the_shortcut_list_opens_with_f1_and_names_every_shortcut(
    qtbot: QtBot,
    make_flow: Callable[..., ShellFlow],
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
) -> None:
    flow = make_flow(server_url=server_url, vault=vault)
    main = _signed_in(qtbot, flow, make_user(Role.NURSE))
    main.activateWindow()
    qtbot.keyClick(main, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: main.shortcuts_dialog is not None and main.shortcuts_dialog.isVisible())
    dialog = main.shortcuts_dialog
    assert dialog is not None
    text = dialog.text()
    for keys in ("Ctrl+Shift+N", "Ctrl+L", "Ctrl+Q", "F1", "Tab", "Page Down"):
        assert keys in text
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert QApplication.activeModalWidget() is None
