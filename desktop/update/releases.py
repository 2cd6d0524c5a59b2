"""The release conversation with the sync server: what is current, the download, refusals reported."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import ValidationError

from shared.releases import DesktopRelease, UpdateRefusal

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (bytes so far, total bytes)
_CHUNK = 256 * 1024


class UpdateUnavailable(Exception):
    """The release could not be fetched now (offline, server error, broken download): try again later."""


class UpdateRefused(Exception):
    """The release is refused for good (tampered, wrongly signed, a downgrade); `str()` says why for
    the user, `reason` is the RefusalReason sent to the server."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ReleaseClient:
    """`GET /releases/desktop/current`, the package download and `POST /releases/desktop/refusals`.

    `token` returns the signed-in user's access token, or None before sign-in (the release is public;
    a refusal is then recorded without a user)."""

    def __init__(
        self,
        server_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        token: Callable[[], str | None] = lambda: None,
        timeout: float = 30.0,
    ) -> None:
        self._server_url = server_url.rstrip("/")
        self._transport = transport
        self._token = token
        self._timeout = timeout
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop a download in progress (WardDesk is quitting); it raises UpdateUnavailable."""
        self._cancelled.set()

    def _client(self) -> httpx.Client:
        headers = {"X-WardDesk-Client": "WardDesk desktop updater"}
        token = self._token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(
            base_url=self._server_url,
            transport=self._transport,
            timeout=self._timeout,
            headers=headers,
            follow_redirects=True,
        )

    def current(self, platform: str) -> DesktopRelease | None:
        """The current release for `platform`; None when none is published. Raises UpdateUnavailable."""
        try:
            with self._client() as client:
                answer = client.get("/releases/desktop/current", params={"platform": platform})
        except httpx.HTTPError as exc:
            raise UpdateUnavailable(f"the sync server cannot be reached ({type(exc).__name__})") from exc
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise UpdateUnavailable(f"the sync server answered HTTP {answer.status_code}")
        try:
            return DesktopRelease.model_validate_json(answer.content)
        except ValidationError as exc:
            raise UpdateUnavailable("the sync server's release record is malformed") from exc

    def download(self, release: DesktopRelease, target: Path, *, progress: Progress | None = None) -> Path:
        """Stream the package to `target` (via a .part file), reporting progress; checks the size and
        SHA-256 the server announced. Raises UpdateUnavailable (try later) or UpdateRefused (digest)."""
        partial = target.with_name(target.name + ".part")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        done = 0
        try:
            with self._client() as client, client.stream("GET", release.package_url) as answer:
                if answer.status_code != 200:
                    raise UpdateUnavailable(f"the package download answered HTTP {answer.status_code}")
                with partial.open("wb") as out:
                    for chunk in answer.iter_bytes(_CHUNK):
                        if self._cancelled.is_set():
                            raise UpdateUnavailable("the download was cancelled")
                        done += len(chunk)
                        if done > release.size:
                            break  # longer than announced: not the package we were told about
                        digest.update(chunk)
                        out.write(chunk)
                        if progress is not None:
                            progress(done, release.size)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise UpdateUnavailable(f"the download was interrupted ({type(exc).__name__})") from exc
        except UpdateUnavailable:
            partial.unlink(missing_ok=True)
            raise
        if done < release.size:
            partial.unlink(missing_ok=True)
            raise UpdateUnavailable("the download ended early")
        if done > release.size or digest.hexdigest() != release.sha256:
            partial.unlink(missing_ok=True)
            raise UpdateRefused(
                "The downloaded update is not the package the server announced; it was deleted.",
                reason="digest_mismatch",
            )
        partial.replace(target)
        return target

    def report_refusal(self, refusal: UpdateRefusal) -> bool:
        """Tell the server (audit). Best effort: False when it could not be told now."""
        try:
            with self._client() as client:
                answer = client.post("/releases/desktop/refusals", content=refusal.model_dump_json(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
        except httpx.HTTPError as exc:
            log.warning("could not report the refused update to the server: %s", exc)
            return False
        if answer.status_code >= 400:
            log.warning("the server did not take the refused-update report: HTTP %s", answer.status_code)
            return False
        return True
