"""Shell tests: the real server, real SQLite caches under tmp_path, offscreen Qt, Qt warnings fail."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from keyring.backend import KeyringBackend  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ops.background import Executors  # noqa: E402
from desktop.ops.session import TokenVault  # noqa: E402
from desktop.settings import DesktopSettings  # noqa: E402
from desktop.ui.shell.flow import ShellFlow  # noqa: E402

HERE = os.path.dirname(__file__)


class MemoryKeyring(KeyringBackend):
    """Stands in for the OS keyring service, which this test machine does not run."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def vault(keyring_backend: MemoryKeyring) -> TokenVault:
    return TokenVault(keyring_backend)


@pytest.fixture
def desktop_settings(tmp_path: Path) -> DesktopSettings:
    return DesktopSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def executors(qapp: QApplication) -> Iterator[Executors]:
    workers = Executors()
    yield workers
    workers.shutdown()


@pytest.fixture
def make_flow(
    qapp: QApplication, executors: Executors, desktop_settings: DesktopSettings, data_dir: Path
) -> Iterator[Callable[..., ShellFlow]]:
    """Build the shell as main() does (signing in through the real sign-in window); quit it afterwards."""
    flows: list[ShellFlow] = []

    def _make(*, server_url: str, vault: TokenVault, **options: object) -> ShellFlow:
        options.setdefault("long_poll_seconds", 1.0)
        flow = ShellFlow(
            settings=desktop_settings,
            vault=vault,
            executors=executors,
            data_dir=data_dir,
            server_url=server_url,
            **options,  # type: ignore[arg-type]
        )
        flows.append(flow)
        return flow

    yield _make
    for flow in flows:
        window = flow.sign_in_window
        flow.quit()
        if window is not None:  # a sign-in that failed leaves it up: it goes with the flow
            window.close()
            window.deleteLater()
        flow.deleteLater()
    executors.store.submit(lambda: None).result(10)  # let pending background work end before the leak check
    executors.network.submit(lambda: None).result(10)
