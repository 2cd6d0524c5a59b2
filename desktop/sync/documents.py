"""Documents over the network, without Qt: send the upload queue's documents to the server (register,
the parts straight to the store's links, completion) and fetch a document's bytes by its short-lived link.

`DocumentUploader.run` is safe to call again at any time (after a restart, a lost connection): each
step is idempotent on the server, and the queue remembers how many parts are already in the store.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from desktop.store.documents import QueuedUpload, UploadQueue
from desktop.sync.client import Offline, RequestRefused, ServerUnavailable, TokenProvider

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opened:
    """A document's metadata (as the server sent it) and its bytes."""

    document: dict[str, Any]
    data: bytes


class DocumentTransfer:
    """The documents' endpoints, and the store links they answer (absolute, or paths on the server)."""

    def __init__(
        self,
        base_url: str,
        *,
        tokens: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        # Links to S3 go to another host: a plain client, never carrying our bearer token.
        self._store = httpx.Client(timeout=timeout)
        self._tokens = tokens

    def use(self, tokens: TokenProvider) -> None:
        """Go on with another session's tokens (the person signed in again)."""
        self._tokens = tokens

    def close(self) -> None:
        self._http.close()
        self._store.close()

    def _api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        refreshed = False
        while True:
            token = self._tokens.access_token()
            try:
                answer = self._http.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
                )
            except httpx.TransportError as exc:
                raise Offline("The sync server cannot be reached; the document waits in the queue.") from exc
            if answer.status_code == 401 and not refreshed:
                self._tokens.refresh(token)
                refreshed = True
                continue
            return _checked(answer)

    def _link(self, link: dict[str, Any], body: bytes | None = None) -> httpx.Response:
        url = link["url"]
        client = self._http if url.startswith("/") else self._store
        try:
            answer = client.request(link["method"], url, content=body, headers=link["headers"])
        except httpx.TransportError as exc:
            raise Offline("The document store cannot be reached; the document waits in the queue.") from exc
        return _checked(answer)

    def register(self, upload: QueuedUpload) -> dict[str, Any]:
        answer = self._api("POST", f"/patients/{upload.patient_id}/documents", json=upload.registration())
        plan: dict[str, Any] = answer.json()
        return plan

    def send_part(self, link: dict[str, Any], body: bytes) -> str:
        """Send one part; its SHA-256 (hex), or "" when the link carries the hash already (a single PUT,
        signed with the registered one). A part link that asks for a checksum (S3's
        x-amz-sdk-checksum-algorithm) gets the part's own, which the store checks on arrival."""
        headers = dict(link["headers"])
        digest = ""
        if "x-amz-sdk-checksum-algorithm" in headers and "x-amz-checksum-sha256" not in headers:
            hashed = hashlib.sha256(body)
            headers["x-amz-checksum-sha256"] = base64.b64encode(hashed.digest()).decode()
            digest = hashed.hexdigest()
        self._link({**link, "headers": headers}, body)
        return digest

    def complete(self, document_id: uuid.UUID, *, part_sha256: list[str] | None = None) -> dict[str, Any]:
        body = {"part_sha256": part_sha256} if part_sha256 else None
        document: dict[str, Any] = self._api("POST", f"/documents/{document_id}/complete", json=body).json()
        return document

    def open(self, document_id: uuid.UUID) -> Opened:
        """The document and its bytes (the server audits the view). Raises Offline, RequestRefused."""
        answer = self._api("POST", f"/documents/{document_id}/open").json()
        return Opened(answer["document"], self._link(answer["link"]).content)

    def of_patient(self, patient_id: uuid.UUID) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._api("GET", f"/patients/{patient_id}/documents").json()
        return found


def _checked(answer: httpx.Response) -> httpx.Response:
    if answer.status_code == 429 or answer.status_code >= 500:
        raise ServerUnavailable(f"The server is busy or down (HTTP {answer.status_code}).")
    if answer.status_code >= 400:
        try:
            error = answer.json()["error"]
            code, message = error["code"], error["message"]
        except (ValueError, KeyError, TypeError):
            code, message = "refused", answer.text[:200]
        raise RequestRefused(message, status=answer.status_code, code=code, details={})
    return answer


class DocumentUploader:
    """Sends the queue, oldest first. A refusal (wrong content, too large, damaged) marks that document
    failed and goes on; a lost connection stops and leaves the queue as it is, to resume later."""

    def __init__(
        self,
        queue: UploadQueue,
        transfer: DocumentTransfer,
        *,
        after_part: Callable[[QueuedUpload, int], None] = lambda upload, number: None,
    ) -> None:
        self.queue = queue
        self.transfer = transfer
        self._after_part = after_part  # tests: where a crash is injected

    def run(self) -> list[uuid.UUID]:
        """Send what is queued; the ids of the documents now available. Raises Offline, ServerUnavailable
        (the rest waits)."""
        finished = []
        for upload in self.queue.unfinished():
            if self._send(upload):
                finished.append(upload.document_id)
        return finished

    def _send(self, upload: QueuedUpload) -> bool:
        try:
            plan = self.transfer.register(upload)
            links, part_size = plan["parts"], plan["part_size"]
            start = upload.parts_sent if len(links) > 1 else 0
            digests = [
                hashlib.sha256(self.queue.read_part(upload, number=number, part_size=part_size)).hexdigest()
                for number in range(start)
            ]  # parts sent before an interruption: hashed again from the queued file
            for number in range(start, len(links)):
                body = self.queue.read_part(upload, number=number, part_size=part_size)
                digest = self.transfer.send_part(links[number], body)
                digests.append(digest or hashlib.sha256(body).hexdigest() if len(links) > 1 else digest)
                self.queue.part_sent(upload.document_id, parts_sent=number + 1)
                self._after_part(upload, number)
            self.transfer.complete(upload.document_id, part_sha256=digests if len(links) > 1 else None)
        except OSError as exc:  # the spooled copy is gone or unreadable: it can never be sent
            log.warning("document %s cannot be read from the queue: %s", upload.document_id, exc)
            self.queue.failed(upload.document_id, error=str(exc))
            return False
        except RequestRefused as refused:
            if refused.status == 409 and refused.code != "duplicate":
                # The server has not got every part (its upload started over): send them all again.
                self.queue.restart_parts(upload.document_id)
                return False
            log.warning("document %s refused: %s", upload.document_id, refused)
            self.queue.failed(upload.document_id, error=str(refused))
            return False
        self.queue.done(upload.document_id)
        return True
