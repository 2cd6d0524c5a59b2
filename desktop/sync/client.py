"""`SyncClient`: the desktop's HTTP conversation with the sync server (push, pull, token refresh).

Failures come back as typed errors the engine acts on (PowerSync's error classes):
- Offline: the server cannot be reached (connection refused, DNS, no network) or keeps dropping us;
- ServerUnavailable: 5xx or 429 after the retries here; `retry_after` says when to come back;
- UpdateRequired: 426, this desktop speaks a protocol the server no longer supports;
- SignInRequired: the session is over (401 after a refresh, or the refresh itself refused);
- RequestRefused: any other 4xx, a final answer (usually our bug), with the server's code, message and
  details (409 server_restored and mutation_gap carry what the engine needs to put its queue right).
Network errors, 5xx and 429 are retried with exponential backoff and jitter, honouring Retry-After.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple, Protocol

import httpx
import orjson
from pydantic import ValidationError

from desktop.sync.backoff import Backoff
from shared.protocol import (
    DESKTOP_VERSION_HEADER,
    FEATURE_SERVER_EPOCH,
    FEATURES_HEADER,
    MAX_PULL_LIMIT,
    MAX_WORKSTATION_LENGTH,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    QUEUED_CHANGES_HEADER,
    WORKSTATION_HEADER,
    Change,
    Entity,
    PullResponse,
    PushRequest,
    PushResponse,
)

log = logging.getLogger(__name__)

CLIENT_NAME = "WardDesk desktop"


def this_desktop() -> tuple[str, str]:
    """(release version, workstation name) this desktop reports on every sync request for the admin's
    sync-health view; the name is the PC's host name in printable ASCII (a header carries nothing else)."""
    from desktop.update.installation import current_installation

    name = "".join(c for c in socket.gethostname() if " " <= c <= "~").strip()
    return str(current_installation().version), name[:MAX_WORKSTATION_LENGTH]


class SyncError(Exception):
    """Base of the sync client's failures; `str(exc)` is fit for the status bar."""


class Offline(SyncError):
    pass


class ServerUnavailable(SyncError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpdateRequired(SyncError):
    pass


class SignInRequired(SyncError):
    pass


class RequestRefused(SyncError):
    def __init__(
        self, message: str, *, status: int, code: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}


class TokenProvider(Protocol):
    """Where the bearer token comes from; the app keeps the refresh token in the OS keyring."""

    def access_token(self) -> str: ...

    def refresh(self, rejected: str) -> str:
        """A fresh access token after `rejected` was refused. Raises SignInRequired or Offline."""
        ...


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from the server's ErrorBody, or generic ones when the body is not ours."""
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}", f"The server answered {response.status_code}."


def _details_of(response: httpx.Response) -> dict[str, Any]:
    """The details of the server's ErrorBody ({} when there are none or the body is not ours)."""
    try:
        details = response.json()["error"].get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}
    return details if isinstance(details, dict) else {}


class SessionTokens:
    """Access + refresh token pair of a signed-in user; refreshes through POST /auth/token.

    Refresh tokens rotate and a reused one ends the whole session, so only one refresh runs at a time and
    a thread whose token was already replaced by another thread's refresh just takes the new one.
    """

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        refresh_token: str,
        on_refreshed: Callable[[str, str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._access = access_token
        self._refresh = refresh_token
        self._on_refreshed = on_refreshed  # (access, refresh): the app stores the new refresh token
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            return self._access

    def refresh(self, rejected: str) -> str:
        with self._lock:
            if self._access != rejected:
                return self._access  # another thread refreshed already
            try:
                answer = self._http.post(
                    "/auth/token",
                    data={"grant_type": "refresh_token", "refresh_token": self._refresh},
                    headers={"X-WardDesk-Client": CLIENT_NAME},
                )
            except httpx.TransportError as exc:
                raise Offline("The sync server cannot be reached.") from exc
            if answer.status_code != 200:
                _, message = _error_of(answer)
                raise SignInRequired(f"Please sign in again ({message})")
            tokens = answer.json()
            self._access, self._refresh = tokens["access_token"], tokens["refresh_token"]
            if self._on_refreshed is not None:
                self._on_refreshed(self._access, self._refresh)
            return self._access

    def close(self) -> None:
        self._http.close()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_CHANGE_KEYS = frozenset(Change.model_fields)
# Entity by its wire name: a dict lookup costs a tenth of Entity(name), and a page has 1,000s of changes.
_ENTITIES = {entity.value: entity for entity in Entity}
# How the server spells ids; checking the text is ten times cheaper than parsing a uuid.UUID.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Kinds a newer server sends that this desktop skips, logged once each.
_UNKNOWN_KINDS_SEEN: set[str] = set()


class PulledChange(NamedTuple):
    """A pulled change, with the attributes of shared.protocol.Change that LocalStore.apply_pull reads.

    A tuple instead of the pydantic model: an initial sync builds 100,000s of them, and the model cost
    more than storing the record."""

    entity: Entity
    id: str  # the record's UUID, in canonical text (what the store keys rows by)
    version: int
    deleted: bool
    data: dict[str, Any] | None


def _change(raw: Any) -> PulledChange | None:
    """One change of a pulled page, checked by hand (pydantic per row would cost more than storing it).
    None for a record of a kind this desktop does not know (a newer server's): it is skipped, the pull
    goes on, and the records this desktop knows keep coming."""
    if not isinstance(raw, dict) or not raw.keys() <= _CHANGE_KEYS:
        raise ValueError("a change has an unexpected shape")
    version, deleted, data = raw["version"], raw.get("deleted", False), raw.get("data")
    if type(version) is not int or type(deleted) is not bool or not (data is None or isinstance(data, dict)):
        raise ValueError("a change has a field of the wrong type")
    record_id = raw["id"]
    if not (isinstance(record_id, str) and _CANONICAL_UUID.fullmatch(record_id)):
        record_id = str(uuid.UUID(record_id))  # any other spelling of a UUID; raises ValueError for the rest
    entity = _ENTITIES.get(raw["entity"])
    if entity is None:
        if not isinstance(raw["entity"], str):
            raise ValueError("a change's kind is not a name")
        if raw["entity"] not in _UNKNOWN_KINDS_SEEN:
            _UNKNOWN_KINDS_SEEN.add(raw["entity"])
            log.info(
                "the server sends records of a kind this desktop does not know: %r (skipped)", raw["entity"]
            )
        return None
    return PulledChange(entity, record_id, version, deleted, data)


def read_pull_response(content: bytes) -> PullResponse:
    """A pulled page: the envelope validated by pydantic, each change checked by `_change`.

    Raises RequestRefused (code unreadable_answer) when the answer is not a PullResponse."""
    try:
        body = orjson.loads(content)
        changes = [change for raw in body.pop("changes") if (change := _change(raw)) is not None]
        page = PullResponse.model_validate({**body, "changes": []})
    except (orjson.JSONDecodeError, ValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RequestRefused(
            "The sync server sent an answer this desktop cannot read.", status=200, code="unreadable_answer"
        ) from exc
    page.changes = changes  # type: ignore[assignment]  # PulledChange has what the store reads of a Change
    return page


class SyncClient:
    """The sync endpoints over one httpx.Client (thread-safe: a long poll and a push may overlap)."""

    def __init__(
        self,
        base_url: str,
        *,
        tokens: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        max_attempts: int = 4,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        desktop: tuple[str, str] | None = None,
    ) -> None:
        """`desktop`: (version, workstation name) to report; this_desktop() when None."""
        version, workstation = desktop if desktop is not None else this_desktop()
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                FEATURES_HEADER: FEATURE_SERVER_EPOCH,
                "X-WardDesk-Client": CLIENT_NAME,
                DESKTOP_VERSION_HEADER: version,
                WORKSTATION_HEADER: workstation,
            },
        )
        # How many changes wait in the queue, reported with each request (the runner wires the engine's).
        self.queued_changes: Callable[[], int] | None = None
        self._tokens = tokens
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self._sleep = sleep

    def close(self) -> None:
        """Close the connections; a long poll in flight on another thread fails at once (Offline)."""
        self._http.close()

    def push(self, request: PushRequest) -> PushResponse:
        body = request.model_dump(mode="json")
        if body["server_epoch"] is None:
            del body["server_epoch"]  # servers before epochs refuse a field they do not know
        answer = self._send("POST", "/sync/push", json=body)
        return PushResponse.model_validate_json(answer.content)

    def pull(
        self, *, cursor: str | None, client_id: Any, limit: int = 500, wait: float = 0.0
    ) -> PullResponse:
        """One page of changes since `cursor` (None: initial sync). With `wait`, a long poll.

        Raises RequestRefused (code unreadable_answer) for an answer that is not a PullResponse."""
        params: dict[str, Any] = {
            "cursor": cursor or "",
            "limit": min(limit, MAX_PULL_LIMIT),
            "wait": wait,
            "client_id": str(client_id),
        }
        answer = self._send("GET", "/sync/pull", params=params, read_timeout=self._timeout + wait)
        return read_pull_response(answer.content)

    def request_json(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """Another route of the server (the admin screen's) over the same session: token refresh, retries
        and the same typed errors. A POST may be sent twice after a dropped connection, so only for
        routes that are safe to repeat. Raises RequestRefused (code unreadable_answer) for non-JSON."""
        answer = self._send(method, path, json=json, params=params)
        try:
            return orjson.loads(answer.content)
        except orjson.JSONDecodeError as exc:
            raise RequestRefused(
                "The server's answer could not be read.", status=answer.status_code, code="unreadable_answer"
            ) from exc

    def fetch(self, path: str, *, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET a file the server makes (a receipt, a cash report), with the session's token and retries.

        Raises Offline, ServerUnavailable, SignInRequired, RequestRefused (its code and message)."""
        return self._send("GET", path, params=params)

    def _headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        if self.queued_changes is not None:
            try:
                headers[QUEUED_CHANGES_HEADER] = str(max(0, int(self.queued_changes())))
            except Exception:  # noqa: BLE001 - a report for the admin never stops a sync
                log.debug("the queue could not be counted for the sync-health report", exc_info=True)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        refreshed = False
        attempt = 0
        timeout = httpx.Timeout(read_timeout or self._timeout, connect=min(self._timeout, 5.0))
        while True:
            token = self._tokens.access_token()
            try:
                answer = self._http.request(
                    method,
                    path,
                    json=json,
                    params=params,
                    timeout=timeout,
                    headers=self._headers(token),
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise Offline("The sync server cannot be reached; changes are kept until it can.") from exc
            except httpx.TransportError as exc:
                # Sent but no (complete) answer: safe to resend, the server deduplicates mutation numbers.
                attempt += 1
                if attempt >= self._max_attempts:
                    raise Offline("The connection to the sync server keeps dropping.") from exc
                log.info("sync %s %s: %s; retrying", method, path, type(exc).__name__)
                self._sleep(self._backoff.delay(attempt))
                continue
            status = answer.status_code
            if status == 401 and not refreshed:
                self._tokens.refresh(token)
                refreshed = True
                continue
            if status == 401:
                raise SignInRequired("Please sign in again.")
            if status == 426:
                _, message = _error_of(answer)
                raise UpdateRequired(message)
            if status == 429 or status >= 500:
                retry_after = retry_after_seconds(answer.headers.get("Retry-After"))
                attempt += 1
                if attempt >= self._max_attempts:
                    raise ServerUnavailable(
                        f"The sync server is busy or down (HTTP {status}).", retry_after=retry_after
                    )
                self._sleep(self._backoff.delay(attempt, retry_after=retry_after))
                continue
            if status >= 400:
                code, message = _error_of(answer)
                raise RequestRefused(message, status=status, code=code, details=_details_of(answer))
            return answer
