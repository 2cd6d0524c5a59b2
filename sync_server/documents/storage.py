"""Where a document's bytes live: Amazon S3 (presigned links, server-side encryption, multipart for large
files) or, without S3 configured, a local folder whose expiring links the server itself serves. Both are
behind `DocumentStore`, so the rules in service.py do not know which one runs.

The bytes never pass through the server process with S3; with the local store they pass through the
blob routes (api.py), which check the same kind of signed, expiring link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sync_server.core.config import Settings

READ_CHUNK = 1024 * 1024
SSE = "AES256"  # S3-managed keys (SSE-S3)


@dataclass(frozen=True)
class Link:
    """One request the desktop makes straight to the store: method, URL (absolute, or a path on this
    server for the local store), the headers it must send, and when the link stops working."""

    method: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class UploadPlan:
    """How to send a document's bytes: one link per part, in order (one part unless it is large)."""

    upload_id: str | None
    part_size: int
    parts: list[Link]


class LinkExpired(Exception):
    """A local-store link that is past its time or was not signed by this server."""


class DocumentStore(Protocol):
    def plan_upload(
        self, key: str, *, content_type: str, size: int, now: datetime, upload_id: str | None = None
    ) -> UploadPlan:
        """Links to upload `size` bytes under `key`; `upload_id`: a multipart upload to resume."""
        ...

    def finish_upload(self, key: str, *, upload_id: str | None) -> None:
        """Assemble a multipart upload (no-op for a single part). Raises KeyError if parts are missing."""
        ...

    def size_of(self, key: str) -> int | None:
        """The stored object's size, or None when there is none."""
        ...

    def read(self, key: str) -> Iterator[bytes]:
        """The stored object's bytes, in chunks."""
        ...

    def download_link(self, key: str, *, filename: str, content_type: str, now: datetime) -> Link: ...

    def delete(self, key: str, *, upload_id: str | None = None) -> None: ...


def _parts(size: int, part_size: int) -> int:
    return max(1, math.ceil(size / part_size))


def _disposition(filename: str) -> str:
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in filename)[:120] or "document"
    return f'inline; filename="{safe}"'


class S3Store:
    """Documents in an S3 bucket: presigned PUT/GET links that expire in `link_seconds`, SSE-S3 on
    every object, multipart above one part's size."""

    def __init__(self, client: Any, *, bucket: str, link_seconds: int, part_size: int) -> None:
        self.client = client
        self.bucket = bucket
        self.link_seconds = link_seconds
        self.part_size = part_size

    def _presign(self, operation: str, params: dict[str, Any]) -> str:
        url: str = self.client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=self.link_seconds
        )
        return url

    def plan_upload(
        self, key: str, *, content_type: str, size: int, now: datetime, upload_id: str | None = None
    ) -> UploadPlan:
        expires_at = now + timedelta(seconds=self.link_seconds)
        count = _parts(size, self.part_size)
        if count == 1:
            url = self._presign(
                "put_object", {"Key": key, "ContentType": content_type, "ServerSideEncryption": SSE}
            )
            headers = {"Content-Type": content_type, "x-amz-server-side-encryption": SSE}
            return UploadPlan(None, self.part_size, [Link("PUT", url, headers, expires_at)])
        if upload_id is None:
            started = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type, ServerSideEncryption=SSE
            )
            upload_id = started["UploadId"]
        links = [
            Link(
                "PUT",
                self._presign("upload_part", {"Key": key, "UploadId": upload_id, "PartNumber": number}),
                {},
                expires_at,
            )
            for number in range(1, count + 1)
        ]
        return UploadPlan(upload_id, self.part_size, links)

    def finish_upload(self, key: str, *, upload_id: str | None) -> None:
        if upload_id is None:
            return
        listed = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id)
        parts = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed.get("Parts", [])]
        if not parts:
            raise KeyError(key)
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )

    def size_of(self, key: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def read(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def download_link(self, key: str, *, filename: str, content_type: str, now: datetime) -> Link:
        url = self._presign(
            "get_object",
            {
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": _disposition(filename),
            },
        )
        return Link("GET", url, {}, now + timedelta(seconds=self.link_seconds))

    def delete(self, key: str, *, upload_id: str | None = None) -> None:
        if upload_id is not None:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except self.client.exceptions.ClientError:
                pass  # already completed or aborted
        self.client.delete_object(Bucket=self.bucket, Key=key)


class _BlobWriter:
    def __init__(self, out: BinaryIO, max_bytes: int) -> None:
        self.out = out
        self.max_bytes = max_bytes
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.max_bytes:
            raise OverflowError(self.max_bytes)
        self.out.write(chunk)


@dataclass(frozen=True)
class Grant:
    """What a verified local-store link allows."""

    method: str
    key: str
    content_type: str
    filename: str


class LocalFolderStore:
    """Documents in a folder on the server, for demos and single-machine installs. Its links point at
    this server's blob routes (`BLOB_PATH`) and carry an HMAC of what they allow and until when."""

    BLOB_PATH = "/documents/blobs/"

    def __init__(self, root: Path, *, secret: str, link_seconds: int) -> None:
        self.root = root
        self.secret = hashlib.sha256(("documents:" + secret).encode()).digest()
        self.link_seconds = link_seconds

    # -- links ------------------------------------------------------------------------------------------

    def _sign(self, grant: Grant, expires_at: datetime) -> str:
        claims = {
            "m": grant.method,
            "k": grant.key,
            "t": grant.content_type,
            "f": grant.filename,
            "e": int(expires_at.timestamp()),
        }
        body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.new(self.secret, body, "sha256").digest()).rstrip(b"=")
        return f"{self.BLOB_PATH}{body.decode()}.{mac.decode()}"

    def verify(self, token: str, *, method: str, now: datetime) -> Grant:
        """What the link `token` allows. Raises LinkExpired (forged, another method, or too late)."""
        body, _, mac = token.encode().partition(b".")
        expected = base64.urlsafe_b64encode(hmac.new(self.secret, body, "sha256").digest()).rstrip(b"=")
        if not hmac.compare_digest(mac, expected):
            raise LinkExpired("This link is not valid.")
        claims = json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
        if claims["m"] != method:
            raise LinkExpired("This link is not valid for this request.")
        if now.timestamp() >= claims["e"]:
            raise LinkExpired("This link has expired; ask for a new one.")
        return Grant(method=claims["m"], key=claims["k"], content_type=claims["t"], filename=claims["f"])

    # -- the store ---------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"bad document key {key!r}")
        return path

    def plan_upload(
        self, key: str, *, content_type: str, size: int, now: datetime, upload_id: str | None = None
    ) -> UploadPlan:
        expires_at = now + timedelta(seconds=self.link_seconds)
        url = self._sign(Grant("PUT", key, content_type, ""), expires_at)
        return UploadPlan(None, size, [Link("PUT", url, {"Content-Type": content_type}, expires_at)])

    def finish_upload(self, key: str, *, upload_id: str | None) -> None:
        return None

    @contextmanager
    def writer(self, key: str, *, max_bytes: int) -> Iterator[_BlobWriter]:
        """A file to write a PUT's bytes to, moved under `key` only when the block ends without error (a
        half-written file is never the document). `write` raises OverflowError past `max_bytes`."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with partial.open("wb") as out:
                yield _BlobWriter(out, max_bytes)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def size_of(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def read(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as source:
            while chunk := source.read(READ_CHUNK):
                yield chunk

    def file_of(self, key: str) -> Path:
        return self._path(key)

    def download_link(self, key: str, *, filename: str, content_type: str, now: datetime) -> Link:
        expires_at = now + timedelta(seconds=self.link_seconds)
        return Link("GET", self._sign(Grant("GET", key, content_type, filename), expires_at), {}, expires_at)

    def delete(self, key: str, *, upload_id: str | None = None) -> None:
        self._path(key).unlink(missing_ok=True)


def store_from(settings: Settings) -> S3Store | LocalFolderStore:
    """S3 when a bucket is configured, else a folder under the data directory."""
    link_seconds = settings.documents_link_minutes * 60
    if settings.documents_bucket:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            region_name=settings.documents_region,
            endpoint_url=settings.documents_endpoint_url,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
        return S3Store(
            client,
            bucket=settings.documents_bucket,
            link_seconds=link_seconds,
            part_size=settings.documents_part_mb * 1024 * 1024,
        )
    return LocalFolderStore(
        settings.documents_dir or settings.data_dir / "documents",
        secret=settings.secret_key,
        link_seconds=link_seconds,
    )
