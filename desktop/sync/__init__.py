"""The desktop's sync: an httpx client for the sync server and the engine that keeps the cache current.

No Qt here; the UI subscribes to `SyncEngine.listeners` and runs the engine on its network thread.
"""

from desktop.sync.backoff import Backoff
from desktop.sync.client import (
    Offline,
    RequestRefused,
    ServerUnavailable,
    SessionTokens,
    SignInRequired,
    SyncClient,
    SyncError,
    TokenProvider,
    UpdateRequired,
)
from desktop.sync.engine import Connection, PullProgress, SyncEngine, SyncStatus

__all__ = [
    "Backoff",
    "Connection",
    "Offline",
    "PullProgress",
    "RequestRefused",
    "ServerUnavailable",
    "SessionTokens",
    "SignInRequired",
    "SyncClient",
    "SyncEngine",
    "SyncError",
    "SyncStatus",
    "TokenProvider",
    "UpdateRequired",
]
