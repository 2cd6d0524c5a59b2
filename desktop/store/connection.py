"""How the store uses its SQLite file: reads in their own transaction, every write through `_write` (one
transaction; the WAL emptied after a write that removed rows), storage failures turned into
StorageUnavailable, and the sync state row that every part of the store consults."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from desktop.store import schema
from desktop.store.database import WRITE, truncate_wal
from desktop.store.errors import StorageUnavailable, environment_failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncState:
    client_id: uuid.UUID
    server_url: str
    username: str
    cursor: str | None
    last_pull_at: datetime | None
    last_push_at: datetime | None
    next_mutation_id: int
    last_settled_mutation_id: int


REMOVED_ROWS = "warddesk.removed_rows"


def note_removal(conn: Connection) -> None:
    """A write removed cached rows: once it commits, the WAL is emptied (LocalStore._write)."""
    conn.info[REMOVED_ROWS] = True


@contextmanager
def storage_errors() -> Iterator[None]:
    try:
        yield
    except StorageUnavailable:
        raise
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        failure = environment_failure(exc)
        if failure is None:
            raise
        raise failure from exc


class CacheConnection:
    """The cache file of one (server, user): its engine, and how reads and writes use it."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._engine = engine
        self.path = path

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with storage_errors(), self._engine.connect().execution_options(**WRITE) as conn:
            try:
                with conn.begin():
                    yield conn
                removed = conn.info.get(REMOVED_ROWS, False)
            finally:
                conn.info.pop(REMOVED_ROWS, None)
            if removed:
                # secure_delete zeroed the removed rows in the pages just written, but the WAL still
                # holds older images of those pages, with the rows readable in them.
                self._truncate_wal(conn)

    @staticmethod
    def _truncate_wal(conn: Connection) -> None:
        if not truncate_wal(conn):
            log.info("readers kept the WAL from being emptied; it is tried again at the next removal")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with storage_errors(), self._engine.connect() as conn, conn.begin():
            yield conn

    # ---- reading ----

    def sync_state(self) -> SyncState:
        with self._read() as conn:
            return self._state(conn)

    def _state(self, conn: Connection) -> SyncState:
        row = conn.execute(select(schema.sync_state)).one()
        return SyncState(
            client_id=uuid.UUID(row.client_id),
            server_url=row.server_url,
            username=row.username,
            cursor=row.cursor,
            last_pull_at=row.last_pull_at,
            last_push_at=row.last_push_at,
            next_mutation_id=row.next_mutation_id,
            last_settled_mutation_id=row.last_settled_mutation_id,
        )
