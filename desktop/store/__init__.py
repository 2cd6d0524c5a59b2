"""The desktop's local store: one SQLite cache per signed-in user, with drafts and the outbox. No Qt here."""

from desktop.store.errors import CacheFromNewerApp, StorageUnavailable
from desktop.store.local_store import (
    CachedRecord,
    Draft,
    LocalStore,
    NotFound,
    OutboxCounts,
    OutboxEntry,
    PulledRows,
    SyncState,
    TicketKey,
)
from desktop.store.paths import cache_path

# isort: split
# Modules whose tables are part of the cache's schema (migration 0007): loaded with the store.
from desktop.store import history, payments  # noqa: F401

__all__ = [
    "CacheFromNewerApp",
    "CachedRecord",
    "Draft",
    "LocalStore",
    "NotFound",
    "OutboxCounts",
    "OutboxEntry",
    "PulledRows",
    "StorageUnavailable",
    "SyncState",
    "TicketKey",
    "cache_path",
]
