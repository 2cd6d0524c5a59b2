"""How the store uses its SQLite file: reads in their own transaction on the caller's thread, every write
through `_write` on the store's one writer thread (one transaction; the WAL emptied after a write that
removed rows; then what it changed reported to the subscribers), storage failures turned into
StorageUnavailable, and the sync state row that every part of the store consults.

One writer thread: a public method that writes is marked `@writes` and runs there whoever calls it (the
UI's store worker, the sync thread), the caller waiting for its answer. Writers never contend for SQLite's
lock, and the sync thread never writes the file itself. Reads stay on the caller's thread: with WAL they
never wait for a writer, so the screens' reads are not queued behind a long pull.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from desktop.store import schema
from desktop.store.changes import ChangeListeners, Listener, take_notes
from desktop.store.database import WRITE, truncate_wal
from desktop.store.errors import StorageUnavailable, environment_failure

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


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


class _WriterThread:
    """The one thread that writes the cache file (started at the first write, ended by `shutdown`)."""

    def __init__(self) -> None:
        self._ident: int | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="warddesk-store-writer", initializer=self._started
        )

    def _started(self) -> None:
        self._ident = threading.get_ident()

    def here(self) -> bool:
        return threading.get_ident() == self._ident

    def call(self, work: Callable[[], Any]) -> Any:
        """`work()` on the writer thread; the caller waits and gets its answer or its exception."""
        if self.here():
            return work()
        return self._pool.submit(work).result()

    def shutdown(self) -> None:
        """Finish the writes already asked for, then end the thread (not waiting for itself)."""
        self._pool.shutdown(wait=not self.here())


def writes(method: F) -> F:
    """Run this store method on the store's writer thread (see the module's docstring)."""

    @functools.wraps(method)
    def on_writer_thread(self: CacheConnection, *args: Any, **kwargs: Any) -> Any:
        return self._writer.call(lambda: method(self, *args, **kwargs))

    return on_writer_thread  # type: ignore[return-value]


class CacheConnection:
    """The cache file of one (server, user): its engine, its writer thread, and how reads and writes use
    them."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._engine = engine
        self.path = path
        self._writer = _WriterThread()
        self._listeners = ChangeListeners()

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(OpChanges)` after every committed write that changed something, on the writer
        thread (quick work only: set an event, emit a queued Qt signal). Bound methods are held weakly."""
        self._listeners.subscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.unsubscribe(listener)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if not self._writer.here():
            raise RuntimeError("a cache write outside the writer thread: mark the method @writes")
        with storage_errors(), self._engine.connect().execution_options(**WRITE) as conn:
            try:
                take_notes(conn)  # nothing left over from a write that failed
                with conn.begin():
                    yield conn
                removed = conn.info.get(REMOVED_ROWS, False)
                changes = take_notes(conn)
            finally:
                conn.info.pop(REMOVED_ROWS, None)
                take_notes(conn)
            if removed:
                # secure_delete zeroed the removed rows in the pages just written, but the WAL still
                # holds older images of those pages, with the rows readable in them.
                self._truncate_wal(conn)
        self._listeners.notify(changes)

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
