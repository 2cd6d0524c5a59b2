"""Qt test setup for the desktop widgets: offscreen, Qt warnings fail, leaked windows fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

# Before any QApplication exists: no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QLocale  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

HERE = os.path.dirname(__file__)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt warnings fail the widget tests (but not the offscreen platform saying what it cannot do)."""
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(
                pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")
            )


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget alive: close what you open (or give it to qtbot)."""
    before = set(QApplication.topLevelWidgets())
    yield
    # qtbot has closed and deleteLater'd its widgets by now; let those deletions happen.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    leaked = [widget for widget in QApplication.topLevelWidgets() if widget not in before]
    if leaked:
        names = ", ".join(type(widget).__name__ for widget in leaked)
        for widget in leaked:
            widget.close()
            widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        pytest.fail(f"the test left top-level widgets open: {names}")


@pytest.fixture
def english() -> QLocale:
    """A 24-hour English locale, so times read the same on every machine."""
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def fixed_now() -> datetime:
    """Wednesday 26 March 2025, 10:40 in Lisbon (still winter time, UTC+0)."""
    return datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
