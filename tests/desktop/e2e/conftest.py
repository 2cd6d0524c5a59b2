"""End-to-end desktop tests: the real server and PostgreSQL, real caches, offscreen Qt, Qt warnings fail."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.desktop.calendar.conftest import no_leaked_windows  # noqa: E402, F401 - the same guard here

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
