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
