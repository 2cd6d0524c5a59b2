"""Fixtures shared by the desktop tests."""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

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


# ---- one guard for every desktop test: Qt warnings, and nothing left running or open ----

HERE = os.path.dirname(__file__)
# What the offscreen platform says it cannot do: not our warnings.
OFFSCREEN_LIMITS = "This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
# Threads that live as long as the process, by design (started once, shared by every sign-in).
PROCESS_THREADS = ("warddesk-cache-open",)
GRACE_SECONDS = 5.0  # for a thread asked to stop, to finish (a long poll cut short, a worker's last job)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt warnings fail every desktop test (pytest-qt's `qt_log_level_fail`)."""
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS))


class _StartedTimers:
    """Every QTimer a test starts from Python, to find the ones still running at its end (napari's
    `dangling_qtimers`). Timers owned by a deleted widget are gone with it, and do not count."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from PySide6.QtCore import QTimer

        self.started: list[tuple[Any, str]] = []
        original = QTimer.start
        timers = self.started

        def start(timer: Any, *args: Any) -> None:
            timers.append((timer, "".join(traceback.format_stack(limit=6)[:-1])))
            original(timer, *args)

        monkeypatch.setattr(QTimer, "start", start)

    def still_running(self) -> list[str]:
        import shiboken6

        return [where for timer, where in self.started if shiboken6.isValid(timer) and timer.isActive()]


# Threads started by a session- or module-scoped fixture (a live server, moto): they outlive the test that
# first needed them, by design.
_FIXTURE_THREADS: set[threading.Thread] = set()


class _FixtureThreadOwners:
    """Notes the threads a session- or module-scoped fixture starts. A global plugin, not a conftest hook:
    those fixtures are set up by the session's node, which this folder's conftest hooks do not see."""

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
        if fixturedef.scope == "function":
            return (yield)
        before = set(threading.enumerate())
        try:
            return (yield)
        finally:
            _FIXTURE_THREADS.update(set(threading.enumerate()) - before)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("warddesk-fixture-threads"):
        config.pluginmanager.register(_FixtureThreadOwners(), "warddesk-fixture-threads")


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    deadline = time.monotonic() + GRACE_SECONDS
    while True:
        new = [
            thread
            for thread in threading.enumerate()
            if thread not in before
            and thread not in _FIXTURE_THREADS
            and thread.is_alive()
            and not thread.name.startswith(PROCESS_THREADS)
        ]
        if not new or time.monotonic() > deadline:
            return new
        new[0].join(0.05)


@pytest.fixture(autouse=True)
def no_leaked_windows(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a desktop test that leaves a top-level widget, a running QTimer or a thread behind: close
    what you open (or give it to qtbot), stop what you start. Runs after every other fixture's teardown.
    """
    qt = "PySide6.QtWidgets" in sys.modules
    timers = _StartedTimers(monkeypatch) if qt else None
    widgets_before = set(_top_level_widgets()) if qt else set()
    threads_before = set(threading.enumerate())
    yield
    problems: list[str] = []
    if qt:
        from PySide6.QtCore import QCoreApplication, QEvent

        # qtbot has closed and deleteLater'd its widgets by now; let those deletions happen.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        leaked = [
            widget
            for widget in _top_level_widgets()
            if widget not in widgets_before and (widget.isVisible() or widget.parent() is None)
        ]
        if leaked:
            problems.append("top-level widgets left open: " + ", ".join(type(w).__name__ for w in leaked))
            for widget in leaked:
                widget.close()
                widget.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert timers is not None
        running = timers.still_running()
        if running:
            problems.append(f"{len(running)} QTimer(s) still running, started at:\n" + "\n".join(running))
    threads = _new_threads(threads_before)
    if threads:
        problems.append("threads still running: " + ", ".join(sorted(t.name for t in threads)))
    if problems:
        pytest.fail(f"{request.node.nodeid} leaked: " + "; ".join(problems), pytrace=False)


def _top_level_widgets() -> list[Any]:
    from PySide6.QtWidgets import QApplication

    return list(QApplication.topLevelWidgets()) if QApplication.instance() is not None else []
