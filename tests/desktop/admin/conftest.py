"""Admin screen tests: offscreen Qt (warnings and leaked windows fail) against the REAL sync server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ops.background import Executors  # noqa: E402

HERE = os.path.dirname(__file__)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(
                pytest.mark.qt_log_ignore(
                    "This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
                )
            )


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget alive: close what you open (or give it to qtbot)."""
    before = set(QApplication.topLevelWidgets())
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    for widget in leaked:
        widget.close()
    if leaked:
        pytest.fail("the test left windows open: " + ", ".join(type(w).__name__ for w in leaked))


@pytest.fixture
def executors(qapp: QApplication) -> Iterator[Executors]:
    workers = Executors()
    yield workers
    workers.shutdown()
