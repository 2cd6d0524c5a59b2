"""Brazilian Portuguese: the language follows the settings or the system, and the shell speaks it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ops.background import Executors
from desktop.ui.shell.sign_in import SignInWindow
from desktop.ui.shell.status_bar import SyncStatusButton
from desktop.ui.shell.translations import choose_language, install_translations


def test_the_language_comes_from_the_settings_else_from_the_system() -> None:
    assert choose_language("pt_BR", QLocale("en_GB")) == "pt_BR"
    assert choose_language("", QLocale("pt_BR")) == "pt_BR"
    assert choose_language("", QLocale("pt_PT")) == "pt_BR"
    assert choose_language("", QLocale("de_DE")) == "en"
    assert choose_language("fr", QLocale("en_US")) == "en"


@pytest.fixture
def portuguese(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    before = QLocale()
    translators = install_translations(qapp, "pt_BR", cache_dir=tmp_path)
    yield
    for translator in translators:
        QCoreApplication.removeTranslator(translator)
    QLocale.setDefault(before)


def test_the_sign_in_window_speaks_portuguese(qtbot: QtBot, portuguese: None, executors: Executors) -> None:
    window = SignInWindow(attempt=lambda *_: None, executors=executors, server_url="https://h.example")  # type: ignore[arg-type, return-value]
    qtbot.addWidget(window)

    assert window.sign_in_button.text() == "&Entrar"
    assert window.windowTitle() == "WardDesk: entrar"
    window.submit()  # nothing typed
    assert window.message.text() == "Digite seu usuário e sua senha."


def test_the_status_bar_uses_the_portuguese_words_and_number_format(qtbot: QtBot, portuguese: None) -> None:
    from desktop.sync import Connection, SyncStatus

    button = SyncStatusButton()
    qtbot.addWidget(button)
    button.show_status(SyncStatus(state=Connection.OFFLINE, queued=1200))

    assert button.text().startswith("Offline · Ainda não sincronizado · Na fila: 1.200")
