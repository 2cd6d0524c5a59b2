"""`LocalStore`: one signed-in user's cache of server records, their drafts and their outbox.

Rules it keeps (see shared/LESSONS.md, "Offline sync"):
- every local change writes its optimistic rows and its outbox entry in one transaction;
- pulled rows and the cursor that follows them are committed in one transaction, so a crash re-delivers
  the page instead of skipping it;
- server data never overwrites a row with pending changes: the server's record becomes the row's base and
  the pending mutations are replayed on it (Replicache's rebase). A mutation stops being replayed once it
  is settled: its push result came back, or a complete pull reported it as settled.
- what the server stops sending leaves the cache: a row a reset kept only for its pending changes goes
  with the last of them unless the fresh pull sends it again, and removed rows are zeroed on disk
  (secure_delete) and the WAL emptied after every write that removed any.

The store is one class, `LocalStore`, made of one module per idea: reading the cache (cache_reads.py),
the outbox and its push (outbox.py), pulling (pull.py) and the rebase both use (rebase.py), recovery from a
server restored from a backup (server_restore.py). Record kinds and mutations are registered in kinds.py,
rows laid out in rows.py, and transactions handled in connection.py.

Every public method raises StorageUnavailable when the environment lets it down (disk full, locked,
corrupt, read-only); any other exception is a bug.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from desktop.store import schema
from desktop.store.cache_reads import CacheReads
from desktop.store.connection import SyncState, storage_errors, writes
from desktop.store.database import make_engine, migrate
from desktop.store.errors import NotFound, StorageUnavailable
from desktop.store.kinds import PAYLOAD_MODELS
from desktop.store.outbox import Draft, Outbox, OutboxCounts, OutboxEntry
from desktop.store.paths import cache_path
from desktop.store.pull import PulledRows
from desktop.store.rows import CachedRecord, TicketKey
from desktop.store.server_restore import ServerRestore, ServerRestoreRecovery

__all__ = [
    "PAYLOAD_MODELS",
    "CachedRecord",
    "Draft",
    "LocalStore",
    "NotFound",
    "OutboxCounts",
    "OutboxEntry",
    "PulledRows",
    "ServerRestore",
    "SyncState",
    "TicketKey",
]

log = logging.getLogger(__name__)


class LocalStore(CacheReads, Outbox, ServerRestoreRecovery):
    """The cache of one (server, user). Open it with `LocalStore.open(...)`; close it when signing out."""

    # ---- opening ----

    @classmethod
    def open(cls, path: Path, *, server_url: str, username: str) -> LocalStore:
        """Open (creating and migrating as needed) the cache file at `path`.

        Raises StorageUnavailable (CacheFromNewerApp for a cache written by a newer WardDesk), and
        ValueError when the file belongs to another user or server.
        """
        with storage_errors():
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = make_engine(path)
            store: LocalStore | None = None
            try:
                migrate(engine)
                store = cls(engine, path)
                store._claim(server_url=server_url, username=username)
                with engine.connect() as conn:  # a crash may have left removed rows in the WAL
                    store._truncate_wal(conn)
            except BaseException:
                if store is not None:
                    store._writer.shutdown()
                engine.dispose()
                raise
        return store

    @classmethod
    def open_for_user(cls, *, server_url: str, username: str, data_dir: Path | None = None) -> LocalStore:
        """The user's own cache: `<data_dir>/users/<server-host>/<username>/cache.sqlite`."""
        return cls.open(
            cache_path(server_url=server_url, username=username, data_dir=data_dir),
            server_url=server_url,
            username=username,
        )

    def close(self) -> None:
        """Finish the writes asked for and end the writer thread, empty the WAL into the file (nothing
        removed stays readable in it) and close every connection. Subscribers hear nothing more."""
        self._writer.shutdown()
        self._listeners.clear()
        try:
            with storage_errors(), self._engine.connect() as conn:
                self._truncate_wal(conn)
        except StorageUnavailable as exc:
            log.warning("the cache's WAL could not be emptied on close: %s", exc)
        finally:
            self._engine.dispose()

    @writes
    def _claim(self, *, server_url: str, username: str) -> None:
        with self._write() as conn:
            row = conn.execute(select(schema.sync_state)).first()
            if row is None:
                conn.execute(
                    insert(schema.sync_state).values(
                        id=1,
                        client_id=str(uuid.uuid4()),
                        server_url=server_url,
                        username=username,
                        next_mutation_id=1,
                        last_settled_mutation_id=0,
                    )
                )
            elif row.username != username:
                raise ValueError(f"{self.path} is {row.username}'s cache, not {username}'s")
