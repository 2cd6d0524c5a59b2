"""The cache encrypted at rest with SQLCipher: its key in the OS keyring, a plain cache migrated.

A stolen ward PC's cache file is unreadable without the user's keyring (unlocked by their OS sign-in).
Without a keyring service (a kiosk, a test machine) the cache stays plain SQLite: the app must still
work, and says so in its log. The key is 32 random bytes given to SQLCipher as a raw key (no key
derivation at every open); one key per cache file.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import keyring.core
import keyring.errors
from keyring.backend import KeyringBackend

from desktop.store.errors import StorageUnavailable

log = logging.getLogger(__name__)

KEYRING_SERVICE = "WardDesk cache"
_PLAIN_HEADER = b"SQLite format 3\x00"
_KEYRING_ERRORS = (keyring.errors.KeyringError, OSError, RuntimeError)


class CacheKeyMissing(StorageUnavailable):
    """The cache file is encrypted and the keyring no longer holds its key."""

    def __init__(self, path: str) -> None:
        super().__init__(
            "WardDesk's local cache is damaged, or encrypted with a key this computer's keyring no longer "
            "holds. Sign out and sign in again to rebuild it; unsent changes in it may be lost, so tell IT "
            "if you had any.",
            kind="corrupt",
        )
        self.path = path


def sqlcipher_module() -> Any | None:
    """SQLCipher's DB-API module, or None when this build has none."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return None
    return dbapi2


def is_plain_sqlite(path: Path) -> bool:
    """Whether `path` is an unencrypted SQLite file (an encrypted one starts with random bytes)."""
    try:
        with path.open("rb") as file:
            return file.read(16) == _PLAIN_HEADER
    except FileNotFoundError:
        return False


def platform_keyring() -> KeyringBackend:
    """This OS's keyring service, chosen directly as desktop/ops/session.py chooses it for the refresh
    token (`keyring.get_keyring()` probes every installed plugin: seconds at start on some ward PCs).
    PYTHON_KEYRING_BACKEND wins; no service means the fail backend (the cache then stays plain)."""
    named = os.environ.get("PYTHON_KEYRING_BACKEND")
    if named:
        return keyring.core.load_keyring(named)
    candidates: list[tuple[str, str]] = []
    if sys.platform == "win32":
        candidates = [("keyring.backends.Windows", "WinVaultKeyring")]
    elif sys.platform == "darwin":
        candidates = [("keyring.backends.macOS", "Keyring")]
    elif os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        candidates = [
            ("keyring.backends.SecretService", "Keyring"),
            ("keyring.backends.kwallet", "DBusKeyring"),
        ]
    for module_name, class_name in candidates:
        try:
            backend_class = getattr(importlib.import_module(module_name), class_name)
            if backend_class.priority > 0:  # probes the service; raises when it is not there
                return backend_class()  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 - any failure means "not this one"
            log.info("keyring backend %s.%s unavailable: %s", module_name, class_name, exc)
    return keyring.backends.fail.Keyring()


def _usable(backend: KeyringBackend) -> bool:
    return not isinstance(backend, keyring.backends.fail.Keyring)


def cache_key(path: Path, *, backend: KeyringBackend | None = None) -> str | None:
    """The hex key of the cache at `path`, made and stored in the keyring for a new or plain cache.

    None means: keep the cache plain (no keyring service, the keyring refused the key, or no SQLCipher).
    Raises CacheKeyMissing for an encrypted cache whose key the keyring does not have."""
    backend = backend or platform_keyring()
    account = str(path.resolve())
    stored: str | None = None
    if _usable(backend) and sqlcipher_module() is not None:
        try:
            stored = backend.get_password(KEYRING_SERVICE, account)
        except _KEYRING_ERRORS as exc:
            log.warning("the keyring cannot be read for the cache key: %s", exc)
            backend = keyring.backends.fail.Keyring()
    if stored:
        return stored
    if not _usable(backend) or sqlcipher_module() is None:
        log.warning("no keyring service or no SQLCipher: the cache %s is NOT encrypted at rest", path)
        return None
    if path.exists() and not is_plain_sqlite(path) and path.stat().st_size > 0:
        raise CacheKeyMissing(str(path))
    key = secrets.token_bytes(32).hex()
    try:
        backend.set_password(KEYRING_SERVICE, account, key)
        kept = backend.get_password(KEYRING_SERVICE, account) == key
    except _KEYRING_ERRORS as exc:
        log.warning("the keyring refused the cache key (%s): the cache stays unencrypted", exc)
        return None
    if not kept:  # a keyring that forgets (the null backend): a key it loses would lose the cache
        log.warning("the keyring does not keep the cache key: the cache stays unencrypted")
        return None
    return key


def key_pragma(key: str) -> str:
    # A raw 256-bit key (x'...'), so SQLCipher skips its key derivation on every connection.
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("a cache key is 64 lower-case hex digits")
    return f"PRAGMA key = \"x'{key}'\""


def encrypt_plain_cache(path: Path, key: str) -> None:
    """Rewrite the plain cache at `path` as an encrypted one with `key`, keeping every row.

    The encrypted copy is written next to it and renamed over it (a crash leaves one or the other whole);
    the plain WAL is folded in first and then removed."""
    dbapi2 = sqlcipher_module()
    assert dbapi2 is not None
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    plain = dbapi2.connect(str(path), isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key}'\"", (str(target),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        version = plain.execute("PRAGMA main.user_version").fetchone()[0]
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    os.replace(target, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    log.info("the cache %s is now encrypted at rest", path)
