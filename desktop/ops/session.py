"""Signing in and out of the desktop, online or from the cache; the running sync of a signed-in user.

`sign_in` runs off the UI thread (it talks HTTP and opens the user's SQLite cache):
- online: POST /auth/token; on success the refresh token goes to the OS keyring (or, with no usable
  keyring, stays in memory for this session only), and a password verifier (argon2) plus the user's
  profile are written next to the user's cache, so the same person can sign in again during an outage;
- server unreachable (or answering 5xx): the typed password is checked against that verifier and the user
  works from their cache, with a refresh token from the keyring (if any) to resume syncing once the
  server is back.
Secrets never go to QSettings or a plain file: the verifier is a salted, memory-hard hash, not a secret.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import keyring
import keyring.backends.fail
import keyring.core
import keyring.errors
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from keyring.backend import KeyringBackend
from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.ops.background import Executors, Op
from desktop.ops.changes import ChangeFeed
from desktop.ops.documents import DocumentOps, clear_offline_copies
from desktop.store import LocalStore, StorageUnavailable, cache_path
from desktop.store.paths import server_host
from desktop.sync import SessionTokens, SyncClient, SyncEngine, SyncStatus
from shared.roles import Role

log = logging.getLogger(__name__)

CLIENT_HEADERS = {"X-WardDesk-Client": "WardDesk desktop"}
VERIFIER_FILE = "offline_sign_in.json"
VERIFIER_VERSION = 1
# OWASP's argon2id minimum (19 MiB, 2 passes): ~50 ms here, slow enough to hurt offline guessing.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class SignedInUser:
    """Who is signed in, as the server described them at the last online sign-in."""

    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    ward_ids: tuple[uuid.UUID, ...] = ()
    doctor_id: uuid.UUID | None = None

    @classmethod
    def from_server(cls, data: dict[str, Any]) -> SignedInUser:
        """From the server's UserOut JSON (or the cached profile). KeyError/ValueError if malformed."""
        return cls(
            id=uuid.UUID(str(data["id"])),
            username=str(data["username"]),
            full_name=str(data["full_name"]),
            role=Role(data["role"]),
            ward_ids=tuple(uuid.UUID(str(ward)) for ward in data.get("ward_ids") or ()),
            doctor_id=uuid.UUID(str(data["doctor_id"])) if data.get("doctor_id") else None,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role.value,
            "ward_ids": [str(ward) for ward in self.ward_ids],
            "doctor_id": str(self.doctor_id) if self.doctor_id else None,
        }


class SignInFailed(Exception):
    """Signing in did not work; `str(exc)` tells the user why and what to do."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # credentials | unknown_offline | refused | storage | not_warddesk


# ---- the OS keyring ----


class TokenVault:
    """The refresh token in the OS keyring, one entry per (server, user). Never raises: it reports.

    `available` is False when the system has no keyring service (keyring's "fail" backend); then
    nothing is stored and the session lasts only while the app runs.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = platform_keyring()
        return self._backend

    @property
    def available(self) -> bool:
        backend = self.backend
        return not isinstance(backend, keyring.backends.fail.Keyring) and backend.priority > 0

    @staticmethod
    def _service(server_url: str) -> str:
        return f"WardDesk {server_host(server_url)}"

    def save(self, *, server_url: str, username: str, refresh_token: str) -> bool:
        """Store the token; False when the keyring refused (the caller keeps it in memory only)."""
        if not self.available:
            return False
        try:
            self.backend.set_password(self._service(server_url), username, refresh_token)
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            log.warning("the keyring refused the refresh token: %s", exc)
            return False
        return True

    def load(self, *, server_url: str, username: str) -> str | None:
        if not self.available:
            return None
        try:
            return self.backend.get_password(self._service(server_url), username)
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            log.warning("the keyring could not be read: %s", exc)
            return None

    def delete(self, *, server_url: str, username: str) -> None:
        if not self.available:
            return
        try:
            self.backend.delete_password(self._service(server_url), username)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: nothing to forget
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            log.warning("the keyring could not forget the refresh token: %s", exc)


def platform_keyring() -> KeyringBackend:
    """This OS's keyring service, chosen directly: `keyring.get_keyring()` imports and probes every
    backend plugin installed (seconds at start on some ward PCs). PYTHON_KEYRING_BACKEND still wins.

    Linux without a D-Bus session (no desktop session, CI) has no Secret Service: the fail backend.
    """
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


# ---- offline sign-in ----


def verifier_path(*, server_url: str, username: str, data_dir: Path | None) -> Path:
    """Next to the user's cache file, so each user's offline sign-in stays with their own cache."""
    return cache_path(server_url=server_url, username=username, data_dir=data_dir).parent / VERIFIER_FILE


def remember_for_offline(
    *, server_url: str, user: SignedInUser, password: str, data_dir: Path | None
) -> None:
    """Write the argon2 verifier of `password` and the user's profile. Raises OSError if it cannot."""
    path = verifier_path(server_url=server_url, username=user.username, data_dir=data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "version": VERIFIER_VERSION,
        "verifier": _HASHER.hash(password),
        "user": user.as_json(),
        "signed_in_online_at": datetime.now(UTC).isoformat(),
    }
    temporary = path.with_suffix(".tmp")
    # Readable by this OS account only; written whole, then moved into place.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(content, file)
    os.replace(temporary, path)


def _read_verifier(path: Path) -> dict[str, Any] | None:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("unreadable offline sign-in file %s", path)
        return None
    return content if isinstance(content, dict) and content.get("version") == VERIFIER_VERSION else None


def check_offline(
    *, server_url: str, username: str, password: str, data_dir: Path | None, reason: str | None = None
) -> SignedInUser:
    """The cached user when `password` matches their verifier. Raises SignInFailed otherwise (with
    `reason`, why the server could not be asked, in front of the message)."""
    path = verifier_path(server_url=server_url, username=username, data_dir=data_dir)
    content = _read_verifier(path)
    if content is None:
        message = QCoreApplication.translate(
            "SignIn",
            "The server cannot be reached, and {username} has not signed in on this computer before, "
            "so WardDesk cannot check the password. Sign in once while the network works, or use a "
            "computer you have used before.",
        ).format(username=username)
        raise SignInFailed(f"{reason} {message}" if reason else message, kind="unknown_offline")
    try:
        _HASHER.verify(str(content["verifier"]), password)
        return SignedInUser.from_server(content["user"])
    except (VerificationError, InvalidHashError):
        raise SignInFailed(
            QCoreApplication.translate(
                "SignIn",
                "Wrong user name or password (checked on this computer: the server cannot be reached).",
            ),
            kind="credentials",
        ) from None
    except (KeyError, ValueError, TypeError):
        raise SignInFailed(
            QCoreApplication.translate(
                "SignIn",
                "This computer's offline sign-in data for {username} is damaged; sign in while online.",
            ).format(username=username),
            kind="unknown_offline",
        ) from None


def password_matches(*, server_url: str, username: str, password: str, data_dir: Path | None) -> bool:
    """True when `password` is the one this user last signed in with here (the lock screen's check)."""
    try:
        check_offline(server_url=server_url, username=username, password=password, data_dir=data_dir)
    except SignInFailed:
        return False
    return True


def forget_offline(*, server_url: str, username: str, data_dir: Path | None) -> None:
    verifier_path(server_url=server_url, username=username, data_dir=data_dir).unlink(missing_ok=True)


# ---- signing in ----


@dataclass
class DesktopSession:
    """A signed-in user's session: their cache, their tokens, and how they signed in."""

    server_url: str
    user: SignedInUser
    store: LocalStore
    tokens: SessionTokens
    offline: bool  # signed in from the cache: the server could not be reached
    token_in_keyring: bool  # False: the refresh token lives in memory only, for this session
    keyring_available: bool
    data_dir: Path | None = None
    offline_reason: str | None = None

    def close(self) -> None:
        """Close the cache and the token client (quitting: the keyring entry stays for the next start)."""
        self.tokens.close()
        self.store.close()


def _server_message(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return QCoreApplication.translate("SignIn", "The server refused the sign-in (HTTP {status}).").format(
            status=answer.status_code
        )


def unreachable_reason(error: httpx.TransportError, *, server_url: str) -> str:
    """Which of "no such host", "nothing listens there" and "no answer in time" stopped a request, and
    what to check: each calls for a different fix."""
    text = f"{error} {error.__cause__ or ''} {error.__context__ or ''}".casefold()
    host = urlsplit(server_url).hostname or server_url
    if isinstance(error, httpx.TimeoutException):
        return QCoreApplication.translate(
            "SignIn",
            "The server at {server} did not answer in time: the network or the server is slow or down.",
        ).format(server=server_url)
    if any(
        sign in text
        for sign in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "name resolution",
            "no address associated",
        )
    ):
        return QCoreApplication.translate(
            "SignIn",
            "No computer called {host} is known on this network: check the server address for typos.",
        ).format(host=host)
    if "refused" in text:
        return QCoreApplication.translate(
            "SignIn",
            "Nothing answers at {server}: the WardDesk server is not running there, or the port is wrong.",
        ).format(server=server_url)
    return QCoreApplication.translate("SignIn", "The server at {server} cannot be reached.").format(
        server=server_url
    )


def _from_warddesk(answer: httpx.Response) -> bool:
    """A WardDesk server answers /auth/token with JSON: a token, or its error body."""
    if answer.status_code in (502, 503, 504):
        return True  # a proxy in front of a WardDesk server that is down or restarting
    try:
        body = answer.json()
    except ValueError:
        return False
    return isinstance(body, dict) and ("access_token" in body or "error" in body)


_OPENER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warddesk-cache-open")


@dataclass
class _Opening:
    """A cache being opened alongside the sign-in request; `new`: the file did not exist before."""

    future: Future[LocalStore]
    path: Path
    new: bool

    def discard(self) -> None:
        """The sign-in failed: close it, and leave no empty cache behind for a name typed by mistake."""
        try:
            store = self.future.result()
        except Exception:  # noqa: BLE001 - the sign-in's own error is what the person is told
            return
        store.close()
        if self.new:
            for leftover in (self.path, *(self.path.with_name(self.path.name + e) for e in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.path.parent.rmdir()  # only when empty: the user's folder holds nothing else yet


def _start_opening(*, server_url: str, username: str, data_dir: Path | None) -> _Opening:
    path = cache_path(server_url=server_url, username=username, data_dir=data_dir)
    new = not path.exists()
    future = _OPENER.submit(_open_store, server_url=server_url, username=username, data_dir=data_dir)
    return _Opening(future, path, new)


def _opened(opening: _Opening, *, server_url: str, username: str, data_dir: Path | None) -> LocalStore:
    """The cache opened meanwhile, or this user's own if the server spelled the name differently."""
    if opening.path == cache_path(server_url=server_url, username=username, data_dir=data_dir):
        return opening.future.result()  # raises SignInFailed (kind "storage")
    opening.discard()
    return _open_store(server_url=server_url, username=username, data_dir=data_dir)


def _open_store(*, server_url: str, username: str, data_dir: Path | None) -> LocalStore:
    try:
        return LocalStore.open_for_user(server_url=server_url, username=username, data_dir=data_dir)
    except StorageUnavailable as exc:
        raise SignInFailed(str(exc), kind="storage") from exc


def sign_in(
    *,
    server_url: str,
    username: str,
    password: str,
    vault: TokenVault,
    data_dir: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 10.0,
) -> DesktopSession:
    """Sign in online, or from this computer's cache when the server cannot be reached.

    Blocking: run it on a worker. Raises SignInFailed (wrong password: the server's own message;
    offline and never signed in here; cache unusable).
    """
    server_url = server_url.rstrip("/")
    username = username.strip().lower()
    offline_reason: str | None = None
    # The cache opens (and a new one is built by its migrations) while the server checks the password:
    # on a first sign-in here both take about as long, so the person waits for one, not both.
    opening = _start_opening(server_url=server_url, username=username, data_dir=data_dir)
    try:
        with httpx.Client(base_url=server_url, transport=transport, timeout=timeout) as http:
            answer = http.post(
                "/auth/token",
                data={"grant_type": "password", "username": username, "password": password},
                headers=CLIENT_HEADERS,
            )
    except httpx.TransportError as exc:
        answer = None
        offline_reason = unreachable_reason(exc, server_url=server_url)
    if answer is not None and not _from_warddesk(answer):
        # Something answers at that address, but not WardDesk: a typo in the address or the port.
        opening.discard()
        raise SignInFailed(
            QCoreApplication.translate(
                "SignIn",
                "{server} answered, but it is not a WardDesk sync server (HTTP {status}). Check the "
                "address and the port; IT can tell you the right one.",
            ).format(server=server_url, status=answer.status_code),
            kind="not_warddesk",
        )
    if answer is not None and answer.status_code >= 500:
        offline_reason = QCoreApplication.translate(
            "SignIn", "The server at {server} is not answering (HTTP {status})."
        ).format(server=server_url, status=answer.status_code)
        answer = None
    keyring_available = vault.available
    if answer is None:
        return _sign_in_offline(
            opening,
            server_url=server_url,
            username=username,
            password=password,
            vault=vault,
            data_dir=data_dir,
            transport=transport,
            reason=offline_reason,
            keyring_available=keyring_available,
        )
    if answer.status_code != 200:
        if answer.status_code == 401 and password_matches(
            server_url=server_url, username=username, password=password, data_dir=data_dir
        ):
            # The server no longer takes the password this computer remembers: it was changed.
            forget_offline(server_url=server_url, username=username, data_dir=data_dir)
        kind = "credentials" if answer.status_code in (400, 401) else "refused"
        opening.discard()
        raise SignInFailed(_server_message(answer), kind=kind)

    tokens = answer.json()
    user = SignedInUser.from_server(tokens["user"])
    store = _opened(opening, server_url=server_url, username=user.username, data_dir=data_dir)
    try:
        remember_for_offline(server_url=server_url, user=user, password=password, data_dir=data_dir)
    except OSError as exc:
        log.warning("could not remember %s for offline sign-in: %s", user.username, exc)
    in_keyring = vault.save(
        server_url=server_url, username=user.username, refresh_token=tokens["refresh_token"]
    )
    if not in_keyring:
        # A token left behind by an earlier session must not outlive this one.
        vault.delete(server_url=server_url, username=user.username)
    return DesktopSession(
        server_url=server_url,
        user=user,
        store=store,
        tokens=_session_tokens(
            server_url=server_url,
            username=user.username,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            vault=vault if in_keyring else None,
            transport=transport,
        ),
        offline=False,
        token_in_keyring=in_keyring,
        keyring_available=keyring_available,
        data_dir=data_dir,
    )


def _sign_in_offline(
    opening: _Opening,
    *,
    server_url: str,
    username: str,
    password: str,
    vault: TokenVault,
    data_dir: Path | None,
    transport: httpx.BaseTransport | None,
    reason: str | None,
    keyring_available: bool,
) -> DesktopSession:
    try:
        user = check_offline(
            server_url=server_url, username=username, password=password, data_dir=data_dir, reason=reason
        )
    except SignInFailed:
        opening.discard()
        raise
    store = _opened(opening, server_url=server_url, username=user.username, data_dir=data_dir)
    refresh_token = vault.load(server_url=server_url, username=user.username)
    return DesktopSession(
        server_url=server_url,
        user=user,
        store=store,
        # No access token yet: the first request is refused, and the keyring's refresh token (if any)
        # gets a fresh pair once the server is back; without one the status bar asks to sign in again.
        tokens=_session_tokens(
            server_url=server_url,
            username=user.username,
            access_token="",
            refresh_token=refresh_token or "",
            vault=vault if refresh_token else None,
            transport=transport,
        ),
        offline=True,
        token_in_keyring=refresh_token is not None,
        keyring_available=keyring_available,
        data_dir=data_dir,
        offline_reason=reason,
    )


def _session_tokens(
    *,
    server_url: str,
    username: str,
    access_token: str,
    refresh_token: str,
    vault: TokenVault | None,
    transport: httpx.BaseTransport | None,
) -> SessionTokens:
    def keep(_access: str, refresh: str) -> None:
        # Refresh tokens rotate: the keyring must always hold the newest one.
        if vault is not None:
            vault.save(server_url=server_url, username=username, refresh_token=refresh)

    return SessionTokens(
        base_url=server_url,
        access_token=access_token,
        refresh_token=refresh_token,
        on_refreshed=keep,
        transport=transport,
    )


def renew_sign_in(
    session: DesktopSession,
    *,
    password: str,
    vault: TokenVault,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 10.0,
) -> SessionTokens:
    """Sign the same person in again after the server ended their session (revoked, signed out
    elsewhere, expired), keeping the cache and its queued changes. Blocking.

    Returns the new tokens (already in `session`; the caller resumes its sync with them). Raises
    SignInFailed: wrong password (kind "credentials"), server unreachable ("unknown_offline"), someone
    else's account or any other refusal ("refused").
    """
    try:
        with httpx.Client(base_url=session.server_url, transport=transport, timeout=timeout) as http:
            answer = http.post(
                "/auth/token",
                data={"grant_type": "password", "username": session.user.username, "password": password},
                headers=CLIENT_HEADERS,
            )
    except httpx.TransportError:
        raise SignInFailed(
            QCoreApplication.translate(
                "SignIn", "The server at {server} cannot be reached. Try again when the network is back."
            ).format(server=session.server_url),
            kind="unknown_offline",
        ) from None
    if answer.status_code != 200:
        kind = "credentials" if answer.status_code in (400, 401) else "refused"
        raise SignInFailed(_server_message(answer), kind=kind)
    tokens = answer.json()
    user = SignedInUser.from_server(tokens["user"])
    if user.id != session.user.id:
        raise SignInFailed(
            QCoreApplication.translate("SignIn", "The server answered for another account."), kind="refused"
        )
    try:
        remember_for_offline(
            server_url=session.server_url, user=user, password=password, data_dir=session.data_dir
        )
    except OSError as exc:
        log.warning("could not remember %s for offline sign-in: %s", user.username, exc)
    in_keyring = vault.save(
        server_url=session.server_url, username=user.username, refresh_token=tokens["refresh_token"]
    )
    renewed = _session_tokens(
        server_url=session.server_url,
        username=user.username,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        vault=vault if in_keyring else None,
        transport=transport,
    )
    session.tokens.close()
    session.tokens = renewed
    session.offline = False
    session.token_in_keyring = in_keyring
    return renewed


def sign_out(
    session: DesktopSession, *, vault: TokenVault, transport: httpx.BaseTransport | None = None
) -> None:
    """End the session on the server (best effort), forget the keyring token, close the cache. Blocking."""
    access = session.tokens.access_token()
    if access:
        try:
            with httpx.Client(base_url=session.server_url, transport=transport, timeout=5.0) as http:
                http.post("/auth/logout", headers={"Authorization": f"Bearer {access}", **CLIENT_HEADERS})
        except httpx.TransportError:
            pass  # offline: the refresh token is forgotten below, and the access token expires soon
    vault.delete(server_url=session.server_url, username=session.user.username)
    try:  # a shared PC: the next person must not read the documents this one opened
        clear_offline_copies(session.store)
    except (StorageUnavailable, OSError) as exc:
        log.warning("the offline copies of documents could not be removed: %s", exc)
    session.close()


# ---- the running sync ----


@dataclass
class DesktopContext:
    """What a screen needs: the user's cache, the workers, the sync, who is signed in and where, and
    `changes`: what each write to the cache changed (screens refresh only when it touches them)."""

    store: LocalStore
    executors: Executors
    sync: SyncRunner
    user: SignedInUser
    server_url: str
    offline: bool = False
    changes: ChangeFeed = field(init=False)

    def __post_init__(self) -> None:
        self.changes = ChangeFeed(self.store)

    @property
    def engine(self) -> SyncEngine:
        return self.sync.engine


class SyncRunner(QObject):
    """Runs `SyncEngine.run_forever` on its own thread; its status and progress arrive as Qt signals.

    The signals are emitted on the sync thread and delivered queued to receivers on the UI thread.
    """

    statusChanged = Signal(object)  # SyncStatus
    progressed = Signal(object)  # PullProgress

    def __init__(
        self,
        session: DesktopSession,
        *,
        executors: Executors,
        transport: httpx.BaseTransport | None = None,
        long_poll_seconds: float = 20.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._executors = executors
        self._session = session
        self._transport = transport
        self._long_poll_seconds = long_poll_seconds
        # The documents attached on this workstation: sent by the engine after each push.
        self.documents = DocumentOps(
            session.store, server_url=session.server_url, tokens=session.tokens, transport=transport
        )
        self._connect(session.tokens)
        self._stop = threading.Event()
        self._thread: ThreadPoolExecutor | None = None

    def _connect(self, tokens: SessionTokens) -> None:
        self.client = SyncClient(self._session.server_url, tokens=tokens, transport=self._transport)
        self.engine = SyncEngine(self._session.store, self.client, long_poll_seconds=self._long_poll_seconds)
        self.client.queued_changes = lambda: self.engine.status.queued  # for the admin's sync-health view
        self.engine.listeners.append(self.statusChanged.emit)
        self.engine.progress_listeners.append(self.progressed.emit)
        self.documents.use(tokens)
        self.engine.send_documents = self.documents.send_queued

    @property
    def status(self) -> SyncStatus:
        return self.engine.status

    def start(self) -> None:
        """Start syncing; a bug escaping the engine reaches `executors.on_unhandled` (a dialog)."""
        if self._thread is not None:
            return
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warddesk-sync")
        Op(self, lambda: self.engine.run_forever(self._stop)).run_on(self._thread, executors=self._executors)

    def wake(self) -> None:
        """Push now (a change queued in the cache wakes the engine by itself: no need to call this)."""
        self.engine.wake()

    def resume(self, tokens: SessionTokens) -> None:
        """Sync again with new tokens after the person signed in again (the engine stops when the server
        asks for a new sign-in). The cache, and the changes queued in it, are the same."""
        self.stop()
        self._stop = threading.Event()
        self._connect(tokens)
        self.start()

    def stop(self) -> None:
        """Stop syncing and wait for the sync thread; closing the client cuts a long poll short."""
        self._stop.set()
        self.client.close()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
