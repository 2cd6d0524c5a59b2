from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sync_server.app import create_app
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from tests.desktop.convergence.harness import LiveServer


@pytest.fixture
def live_server(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[LiveServer]:
    """The real sync server on the test database, restartable on the same port."""
    server = LiveServer(lambda: create_app(settings, database_url=database_url))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def formulary(session_factory: sessionmaker[Session]) -> None:
    """Two stocked medications the nurses ask for."""
    with transaction(session_factory) as session:
        session.execute(
            text(
                "INSERT INTO medications (code, name, form, strength, unit, active, pack_size) VALUES"
                " ('AMOX500', 'Amoxicillin', 'capsule', '500 mg', 'capsule', true, 1),"
                " ('PARA500', 'Paracetamol', 'tablet', '500 mg', 'tablet', true, 1)"
                " ON CONFLICT (code) DO NOTHING"
            )
        )
