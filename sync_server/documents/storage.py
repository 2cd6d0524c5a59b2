"""Where a document's bytes live: Amazon S3 (presigned links, server-side encryption, multipart for large
files) or, without S3 configured, a local folder whose expiring links the server itself serves. Both are
behind `DocumentStore`, so the rules in service.py do not know which one runs.

The bytes never pass through the server process with S3; with the local store they pass through the
blob routes (api.py), which check the same kind of signed, expiring link.

Completion never reads an object back to hash it when the store can vouch for it: S3 keeps the SHA-256
the link demanded (a single PUT is signed with the registered hash, so S3 refuses other bytes) or, for a
multipart upload, a composite checksum (the SHA-256 of the parts' SHA-256s, "-N" appended); the local
store hashes a PUT while writing it. Only a store that reports no checksum is read back.
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


def b64_sha256(hex_digest: str) -> str:
    """S3's spelling of a SHA-256 (base64 of the digest) from its hex spelling."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def composite_sha256(part_digests: list[str]) -> str:
    """The checksum S3 keeps for a multipart upload with SHA-256 parts: the SHA-256 of the parts'
    digests in order (hex in, S3's base64 spelling out), with the number of parts appended."""
    joined = b"".join(bytes.fromhex(digest) for digest in part_digests)
    return f"{b64_sha256(hashlib.sha256(joined).hexdigest())}-{len(part_digests)}"


class LinkExpired(Exception):
    """A local-store link that is past its time or was not signed by this server."""


class DocumentStore(Protocol):
    def plan_upload(
        self,
        key: str,
        *,
        content_type: str,
        size: int,
        sha256: str,
        now: datetime,
        upload_id: str | None = None,
    ) -> UploadPlan:
        """Links to upload `size` bytes whose SHA-256 is `sha256` under `key`; `upload_id`: a multipart
        upload to resume."""
        ...

    def finish_upload(self, key: str, *, upload_id: str | None, part_sha256: list[str] | None) -> None:
        """Assemble a multipart upload (no-op for a single part) from parts whose SHA-256s the sender
        gives (hex, in order; None: not given). Raises KeyError if parts are missing."""
        ...

    def size_of(self, key: str) -> int | None:
        """The stored object's size, or None when there is none."""
        ...

    def matches(
        self, key: str, *, sha256: str, multipart: bool, part_sha256: list[str] | None
    ) -> bool | None:
        """Whether the stored object's own checksum proves it is the bytes registered (`sha256`, or for
        a multipart upload the parts' `part_sha256`); None when the store keeps no checksum to tell."""
        ...

    def head(self, key: str, size: int) -> bytes:
        """The stored object's first `size` bytes."""
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
    every object, multipart (parts of `part_size`) above `multipart_above` bytes (default: one part's
    size). Below it one PUT is quicker: no parts to assemble, and its hash is signed into the link."""

    def __init__(
        self,
        client: Any,
        *,
        bucket: str,
        link_seconds: int,
        part_size: int,
        multipart_above: int | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.link_seconds = link_seconds
        self.part_size = part_size
        self.multipart_above = max(part_size, multipart_above or part_size)
        self._heads: dict[str, dict[str, Any]] = {}  # key -> its HEAD, from size_of to matches

    def _presign(self, operation: str, params: dict[str, Any]) -> str:
        url: str = self.client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=self.link_seconds
        )
        return url

    def plan_upload(
        self,
        key: str,
        *,
        content_type: str,
        size: int,
        sha256: str,
        now: datetime,
        upload_id: str | None = None,
    ) -> UploadPlan:
        expires_at = now + timedelta(seconds=self.link_seconds)
        count = 1 if size <= self.multipart_above else _parts(size, self.part_size)
        if count == 1:
            # The registered hash is part of the signature: S3 refuses (BadDigest) any other bytes.
            checksum = b64_sha256(sha256)
            url = self._presign(
                "put_object",
                {
                    "Key": key,
                    "ContentType": content_type,
                    "ServerSideEncryption": SSE,
                    "ChecksumAlgorithm": "SHA256",
                    "ChecksumSHA256": checksum,
                },
            )
            headers = {
                "Content-Type": content_type,
                "x-amz-server-side-encryption": SSE,
                "x-amz-sdk-checksum-algorithm": "SHA256",
                "x-amz-checksum-sha256": checksum,
            }
            return UploadPlan(None, size, [Link("PUT", url, headers, expires_at)])
        if upload_id is None:
            started = self.client.create_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                ContentType=content_type,
                ServerSideEncryption=SSE,
                ChecksumAlgorithm="SHA256",
            )
            upload_id = started["UploadId"]
        # Each part carries its own x-amz-checksum-sha256 (the sender hashes it; S3 checks it).
        links = [
            Link(
                "PUT",
                self._presign(
                    "upload_part",
                    {"Key": key, "UploadId": upload_id, "PartNumber": number, "ChecksumAlgorithm": "SHA256"},
                ),
                {"x-amz-sdk-checksum-algorithm": "SHA256"},
                expires_at,
            )
            for number in range(1, count + 1)
        ]
        return UploadPlan(upload_id, self.part_size, links)

    def finish_upload(self, key: str, *, upload_id: str | None, part_sha256: list[str] | None) -> None:
        if upload_id is None:
            return
        listed = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id)
        parts: list[dict[str, Any]] = [
            {"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed.get("Parts", [])
        ]
        if not parts:
            raise KeyError(key)
        if part_sha256 is not None and len(part_sha256) == len(parts):
            for part, digest in zip(parts, part_sha256, strict=True):
                part["ChecksumSHA256"] = b64_sha256(digest)
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )

    def _head(self, key: str, **extra: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key, **extra)
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return head

    def size_of(self, key: str) -> int | None:
        head = self._head(key, ChecksumMode="ENABLED")
        if head is None:
            return None
        # Completion asks `matches` next: one HEAD answers both. Only the latest is kept (another
        # completion in between just costs `matches` a HEAD of its own).
        self._heads = {key: head}
        return int(head["ContentLength"])

    def matches(
        self, key: str, *, sha256: str, multipart: bool, part_sha256: list[str] | None
    ) -> bool | None:
        head = self._heads.pop(key, None) or self._head(key, ChecksumMode="ENABLED")
        stored = (head or {}).get("ChecksumSHA256")
        if not stored:
            return None  # an S3-compatible store without checksums: read it back
        if not multipart:
            return bool(stored == b64_sha256(sha256))
        if part_sha256 is None:
            return None  # a composite checksum, and no part hashes to check it against
        expected = composite_sha256(part_sha256)
        if "-" not in stored:  # S3 spells the part count; some compatible stores leave it off
            expected = expected.rpartition("-")[0]
        return bool(stored == expected)

    def head(self, key: str, size: int) -> bytes:
        body = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

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
    """Writes a PUT's bytes and hashes them on the way (completion then reads no file back)."""

    def __init__(self, out: BinaryIO, max_bytes: int) -> None:
        self.out = out
        self.max_bytes = max_bytes
        self.written = 0
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.max_bytes:
            raise OverflowError(self.max_bytes)
        self.digest.update(chunk)
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
        self,
        key: str,
        *,
        content_type: str,
        size: int,
        sha256: str,
        now: datetime,
        upload_id: str | None = None,
    ) -> UploadPlan:
        expires_at = now + timedelta(seconds=self.link_seconds)
        url = self._sign(Grant("PUT", key, content_type, ""), expires_at)
        return UploadPlan(None, size, [Link("PUT", url, {"Content-Type": content_type}, expires_at)])

    def finish_upload(self, key: str, *, upload_id: str | None, part_sha256: list[str] | None) -> None:
        return None

    def _digest_path(self, path: Path) -> Path:
        return path.with_name(f".{path.name}.sha256")

    @contextmanager
    def writer(self, key: str, *, max_bytes: int) -> Iterator[_BlobWriter]:
        """A file to write a PUT's bytes to, moved under `key` only when the block ends without error (a
        half-written file is never the document). `write` raises OverflowError past `max_bytes`."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        digest = self._digest_path(path)
        try:
            with partial.open("wb") as out:
                writer = _BlobWriter(out, max_bytes)
                yield writer
            # The hash first: a document file is never there without the hash of exactly its bytes.
            digest.unlink(missing_ok=True)
            os.replace(partial, path)
            digest.write_text(writer.digest.hexdigest())
        finally:
            partial.unlink(missing_ok=True)

    def size_of(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def matches(
        self, key: str, *, sha256: str, multipart: bool, part_sha256: list[str] | None
    ) -> bool | None:
        digest = self._digest_path(self._path(key))
        if not digest.is_file():
            return None  # written by an older server: read it back
        return digest.read_text().strip() == sha256

    def head(self, key: str, size: int) -> bytes:
        with self._path(key).open("rb") as source:
            return source.read(size)

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
        path = self._path(key)
        path.unlink(missing_ok=True)
        self._digest_path(path).unlink(missing_ok=True)


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
            multipart_above=settings.documents_multipart_above_mb * 1024 * 1024,
        )
    return LocalFolderStore(
        settings.documents_dir or settings.data_dir / "documents",
        secret=settings.secret_key,
        link_seconds=link_seconds,
    )
