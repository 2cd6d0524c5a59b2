"""Fixtures shared by the desktop tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.config import Settings
from tests.desktop.live_server import running_server


@pytest.fixture
def server_url(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[str]:
    """The REAL sync server, started for this test on a free port (tables emptied afterwards)."""
    with running_server(settings, database_url) as url:
        yield url


_ENGLISH_PLURALS: list[object] = []


@pytest.fixture(autouse=True)
def english_plural_forms(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Install the English plural forms ("1 ticket shown") once, as main() does, for the Qt tests."""
    if "qapp" not in request.fixturenames or _ENGLISH_PLURALS:
        return
    from PySide6.QtCore import QCoreApplication, QLocale

    from desktop.ui.shell.translations import install_translations

    app = request.getfixturevalue("qapp")
    before = QLocale()
    _ENGLISH_PLURALS.extend(install_translations(app, "en", cache_dir=tmp_path_factory.mktemp("qm")))
    QLocale.setDefault(before)  # the tests choose their own locale
    assert QCoreApplication.translate(
        "MainWindow", "%n changes made here have not reached the server yet.", None, 1
    ) == ("1 change made here has not reached the server yet.")
