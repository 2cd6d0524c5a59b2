"""Opening a cache file: SQLite pragmas, write transactions, Alembic migrations run at open.

Writes use `BEGIN IMMEDIATE` so two threads never deadlock upgrading a read lock to a write lock
(SQLite's busy timeout does not help there); reads use plain deferred transactions and, thanks to WAL,
never wait for a writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine

from desktop.store.encryption import (
    cache_key,
    encrypt_plain_cache,
    is_plain_sqlite,
    key_pragma,
    sqlcipher_module,
)
from desktop.store.errors import CacheFromNewerApp

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
WRITE = {"sqlite_begin": "IMMEDIATE"}


_FROM_KEYRING: Any = object()


def make_engine(path: Path, *, key: str | None = _FROM_KEYRING) -> Engine:
    """An engine on the cache file at `path` with WAL, foreign keys and a busy timeout on every connection.

    The file is encrypted with SQLCipher under `key` (by default the cache's key in the OS keyring, made
    on first use; a plain cache from an earlier version is encrypted first); `key=None` keeps it plain.
    Raises CacheKeyMissing for an encrypted cache whose key the keyring no longer holds."""
    if key is _FROM_KEYRING:
        key = cache_key(path)
    options: dict[str, Any] = {}
    if key is not None:
        pragma = key_pragma(key)
        if is_plain_sqlite(path):
            encrypt_plain_cache(path, key)
        options["module"] = sqlcipher_module()
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 5}, **options
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own handling is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if key is not None:
            cursor.execute(pragma)  # before anything else reads the file
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left readable in free space: a patient who leaves
        # the user's scope must leave the file too (with `truncate_wal` for the WAL's older page images).
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL never corrupts; a power cut may drop the last commits, cursor and rows together.
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint the WAL into the file every 64 MB instead of every 4 MB: an initial sync commits a
        # page of 1,000 records at a time, and a checkpoint (with its fsync) after every few pages cost
        # a third of its time.
        cursor.execute("PRAGMA wal_autocheckpoint = 16384")
        # A 32 MB page cache instead of 2 MB: an initial sync inserts 100,000s of rows at random places in
        # the id and filter indexes, and with the small cache most of its time went to re-reading pages.
        cursor.execute("PRAGMA cache_size = -32768")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def truncate_wal(connection: Connection) -> bool:
    """Copy the WAL into the cache file and empty it, so that no older image of a page (with rows since
    deleted in it) stays readable there. `connection` must not be in a transaction.

    Returns False when readers on older snapshots kept it from finishing within the busy timeout (the
    WAL then keeps what it holds until the next call).
    """
    # On the driver's connection: through SQLAlchemy the pragma would run inside a BEGIN.
    sqlite = connection.connection.driver_connection
    assert sqlite is not None
    busy, _, _ = sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


# The newest migration this app ships. Checking it needs no Alembic (importing it and loading its revision
# files costs ~0.8 s at start), so Alembic is loaded only when a cache needs an upgrade. A test holds it
# to Alembic's own answer (ScriptDirectory.get_heads); a new migration updates it.
HEAD_REVISION = "0009"


def migrate(engine: Engine) -> None:
    """Bring the cache to this app's schema. Raises CacheFromNewerApp for a schema this app does not know."""
    with engine.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
        current = None
        if exists:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current == HEAD_REVISION:
        return  # the usual start: already up to date, no need to load Alembic
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    with engine.connect().execution_options(**WRITE) as connection:
        with connection.begin():
            current = MigrationContext.configure(connection).get_current_revision()
            if current is not None:
                try:
                    scripts.get_revision(current)
                except CommandError:
                    raise CacheFromNewerApp(current) from None
            if current not in scripts.get_heads():
                command.upgrade(alembic_config(connection), "head")
