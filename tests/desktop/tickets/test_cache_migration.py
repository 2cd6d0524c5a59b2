"""Cache migration 0002: tickets cached by an older WardDesk get their submission time as a column."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import text

from desktop.store import LocalStore
from desktop.store.database import WRITE, alembic_config, make_engine


def test_tickets_cached_before_0002_keep_their_place_in_the_lists(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    engine = make_engine(path)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        command.upgrade(alembic_config(connection), "0001")
        record = {
            "id": "t-1",
            "ward_id": "w-1",
            "status": "submitted",
            "priority": "stat",
            "submitted_at": "2025-03-26T11:40:00+01:00",
        }
        connection.execute(
            text(
                "INSERT INTO tickets (id, ward_id, status, priority, version, data, pending) "
                "VALUES ('t-1', 'w-1', 'submitted', 'stat', 1, :data, 0)"
            ),
            {"data": json.dumps(record)},
        )
    engine.dispose()

    store = LocalStore.open(path, server_url="https://sync.hospital.example", username="nurse.ana")
    try:
        (key,) = store.ticket_keys()
    finally:
        store.close()
    assert key.submitted_at == "2025-03-26 10:40:00.000000"  # UTC, in the cache's sortable text form
