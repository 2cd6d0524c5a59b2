"""The two kinds of storage failure (as qutebrowser's sql.py separates them).

`StorageUnavailable` is the environment's fault: the disk is full, the file is locked by another
program, corrupt, read-only, or was written by a newer WardDesk. Its message tells the user what to do.
Anything else that escapes the store (an IntegrityError, a programming error) is our bug and is not
translated, so it reaches the crash reporter with its traceback.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError


class StorageUnavailable(Exception):
    """The local cache cannot be used right now; `str(exc)` is a message for the user."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # full | locked | corrupt | read_only | unreachable | too_new


class CacheFromNewerApp(StorageUnavailable):
    """The cache file was written by a newer WardDesk; this version must not touch it."""

    def __init__(self, revision: str) -> None:
        super().__init__(
            "This workstation's WardDesk cache was written by a newer version of WardDesk "
            f"(schema {revision}). Install the latest WardDesk, or ask IT to remove this user's local cache.",
            kind="too_new",
        )
        self.revision = revision


try:
    from sqlcipher3.dbapi2 import Error as _SQLCipherError

    _SQLCIPHER_ERRORS: tuple[type[Exception], ...] = (_SQLCipherError,)
except ImportError:
    _SQLCIPHER_ERRORS = ()

_MESSAGES = {
    "full": "The disk is full, so WardDesk cannot save your work. Free some disk space, then try again.",
    "locked": "WardDesk's local cache is in use by another program. Close other WardDesk windows and "
    "try again.",
    "corrupt": "WardDesk's local cache is damaged. Sign out and sign in again to rebuild it; unsent changes "
    "in it may be lost, so tell IT if you had any.",
    "read_only": "WardDesk cannot write to its local cache (the folder is read-only). Ask IT to check the "
    "permissions of your WardDesk data folder.",
    "unreachable": "WardDesk cannot open its local cache file. Ask IT to check the WardDesk data folder.",
}

# SQLite's primary result codes (the low byte of sqlite_errorcode) that are the environment's doing.
_KIND_BY_PRIMARY_CODE = {
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_CORRUPT: "corrupt",
    sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_READONLY: "read_only",
    sqlite3.SQLITE_PERM: "read_only",
    sqlite3.SQLITE_CANTOPEN: "unreachable",
    sqlite3.SQLITE_IOERR: "unreachable",
    sqlite3.SQLITE_AUTH: "read_only",
}


def environment_failure(exc: BaseException) -> StorageUnavailable | None:
    """The StorageUnavailable that `exc` stands for, or None when `exc` is not the environment's fault."""
    if isinstance(exc, StorageUnavailable):
        return exc
    if isinstance(exc, PermissionError):
        return StorageUnavailable(_MESSAGES["read_only"], kind="read_only")
    if isinstance(exc, OSError):
        return StorageUnavailable(_MESSAGES["unreachable"], kind="unreachable")
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(original, "sqlite_errorcode", None)
    # SQLCipher's driver (the encrypted cache) has its own exception classes with the same codes.
    if not isinstance(original, (sqlite3.Error, *_SQLCIPHER_ERRORS)) or code is None:
        return None
    kind = _KIND_BY_PRIMARY_CODE.get(code & 0xFF)
    if kind is None:
        return None
    return StorageUnavailable(_MESSAGES[kind], kind=kind)


class NotFound(LookupError):
    """The draft or outbox entry the caller named is not in the cache (or not in the expected state)."""
