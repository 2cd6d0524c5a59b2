"""IT locked the server address: the sign-in window shows it read-only, whatever the user had before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.ops.session import TokenVault
from desktop.settings import DesktopSettings
from desktop.system_config import read_file
from desktop.ui.shell.flow import ShellFlow
from tests.desktop.shell.conftest import (  # noqa: F401 - the shell's fixtures
    data_dir,
    executors,
    keyring_backend,
    make_flow,
    vault,
)

LOCKED = "https://warddesk.hospital.example:8443"


@pytest.fixture
def desktop_settings(tmp_path: Path) -> DesktopSettings:
    (tmp_path / "warddesk.conf").write_text(f"[locked]\nserver_url = {LOCKED}\n")
    user = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    user.setValue("connection/server_url", "http://old-server:8080")
    return DesktopSettings(user, system=read_file(tmp_path / "warddesk.conf"))


def test_a_locked_server_address_is_shown_read_only_at_sign_in(
    make_flow: Callable[..., ShellFlow],  # noqa: F811
    vault: TokenVault,  # noqa: F811
    desktop_settings: DesktopSettings,
) -> None:
    flow = make_flow(server_url=None, vault=vault)

    window = flow.show_sign_in()

    assert window.server.text() == LOCKED
    assert window.server.isReadOnly()
