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
