"""Qt test setup for the desktop widgets: offscreen, Qt warnings fail, leaked windows fail."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

# Before any QApplication exists: no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale  # noqa: E402

HERE = os.path.dirname(__file__)


@pytest.fixture
def english() -> QLocale:
    """A 24-hour English locale, so times read the same on every machine."""
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def fixed_now() -> datetime:
    """Wednesday 26 March 2025, 10:40 in Lisbon (still winter time, UTC+0)."""
    return datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
