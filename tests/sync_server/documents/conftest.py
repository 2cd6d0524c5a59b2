"""A ward with a patient, another ward's patient, and the two document stores: S3 (moto's server mode,
started here and spoken to over HTTP) and a local folder."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.app import create_app
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.directory.models import Patient, Ward
from sync_server.documents.storage import LocalFolderStore, S3Store
from tests.conftest import Person, make_test_settings

NOW = datetime(2031, 3, 5, 12, 0, tzinfo=UTC)
BUCKET = "warddesk-documents-test"
MAX_MB = 12
PART_MB = 5


class FixedClock:
    """The server's clock in these tests: moved by hand, never the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real S3 endpoint (moto's server mode) for the session, in this process."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> Any:
    client = boto3.client(
        "s3",
        region_name="eu-west-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    try:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass  # moto's backends are per process: another suite's moto server of this run made it already
    return client


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings() -> Settings:
    return make_test_settings(
        messaging_in_app=False,
        documents_max_mb=MAX_MB,
        documents_part_mb=PART_MB,
        documents_link_minutes=5,
        documents_key_prefix="test/",
    )


@pytest.fixture(params=["s3", "local"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(store_kind: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if store_kind == "s3":
        s3_client = request.getfixturevalue("s3_client")
        return S3Store(s3_client, bucket=BUCKET, link_seconds=300, part_size=PART_MB * 1024 * 1024)
    return LocalFolderStore(tmp_path / "documents", secret=settings.secret_key, link_seconds=300)


@pytest.fixture
def app(  # type: ignore[no-untyped-def]
    settings: Settings,
    database_url: str,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    store: Any,
):
    app = create_app(settings, database_url=database_url, clock=clock)
    app.state.document_store = store
    app.state.mutation_handlers = dict(app.state.mutation_handlers)
    from sync_server.documents import mutations

    app.state.mutation_handlers.update(mutations.handlers(store, settings, clock))
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


@dataclass
class Ward3:
    patient: Patient  # admitted to the test ward (the nurse's)
    stranger: Patient  # admitted to another ward
    other_ward: Ward


@pytest.fixture
def ward3(session_factory: sessionmaker[Session], ward: Ward) -> Ward3:
    with transaction(session_factory) as session:
        other = Ward(code="W9", name="Ward 9 - Surgery", floor="9")
        session.add(other)
        session.flush()
        patient = Patient(mrn="MRN-1", full_name="Maria Silva", birth_date=date(1950, 2, 1), ward_id=ward.id)
        stranger = Patient(mrn="MRN-2", full_name="João Reis", birth_date=date(1961, 7, 9), ward_id=other.id)
        session.add_all([patient, stranger])
    return Ward3(patient=patient, stranger=stranger, other_ward=other)


@pytest.fixture
def nurse(sign_in: Callable[..., Person]) -> Person:
    return sign_in(Role.NURSE)


def pdf(size: int = 64 * 1024) -> bytes:
    head = b"%PDF-1.7\n"
    return head + os.urandom(size - len(head))


def png(size: int = 32 * 1024) -> bytes:
    head = b"\x89PNG\r\n\x1a\n"
    return head + os.urandom(size - len(head))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Desk:
    """What a desktop does with the documents API: register, send the bytes to the links, complete."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def send(self, link: dict[str, Any], body: bytes, **extra_headers: str) -> httpx.Response:
        """Follow a link: a path on this server (the local store) or an absolute S3 URL. A part link
        that asks for a checksum gets the part's SHA-256, as the desktop sends it."""
        headers = dict(link["headers"])
        if "x-amz-sdk-checksum-algorithm" in headers and "x-amz-checksum-sha256" not in headers:
            headers["x-amz-checksum-sha256"] = base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers.update(extra_headers)
        if link["url"].startswith("/"):
            return self.client.request(link["method"], link["url"], content=body, headers=headers)
        return httpx.request(link["method"], link["url"], content=body, headers=headers, timeout=30)

    def register(
        self,
        person: Person,
        patient_id: uuid.UUID,
        data: bytes,
        *,
        content_type: str = "application/pdf",
        declared_sha: str | None = None,
        declared_size: int | None = None,
        document_id: uuid.UUID | None = None,
        appointment_id: uuid.UUID | None = None,
    ) -> httpx.Response:
        body = {
            "document_id": str(document_id or uuid.uuid4()),
            "kind": "lab_report",
            "title": "Full blood count",
            "filename": "fbc.pdf",
            "content_type": content_type,
            "size_bytes": declared_size if declared_size is not None else len(data),
            "sha256": declared_sha or sha256(data),
        }
        if appointment_id:
            body["appointment_id"] = str(appointment_id)
        return self.client.post(f"/patients/{patient_id}/documents", json=body, headers=person.headers)

    def send_parts(self, registered: dict[str, Any], data: bytes) -> list[str]:
        """Send every part; their SHA-256s (hex), for the completion."""
        size = registered["part_size"]
        digests = []
        for number, link in enumerate(registered["parts"]):
            part = data[number * size : (number + 1) * size]
            answer = self.send(link, part)
            assert answer.status_code in (200, 204), answer.text
            digests.append(sha256(part))
        return digests

    def complete(
        self, person: Person, document_id: str, part_sha256: list[str] | None = None
    ) -> httpx.Response:
        body = {"part_sha256": part_sha256} if part_sha256 and len(part_sha256) > 1 else None
        return self.client.post(f"/documents/{document_id}/complete", json=body, headers=person.headers)

    def upload(self, person: Person, patient_id: uuid.UUID, data: bytes, **kwargs: Any) -> httpx.Response:
        """Register, send, complete: the answer of the completion."""
        registered = self.register(person, patient_id, data, **kwargs)
        assert registered.status_code == 201, registered.text
        digests = self.send_parts(registered.json(), data)
        document_id = registered.json()["document"]["id"]
        return self.complete(person, document_id, digests)

    def open(self, person: Person, document_id: str) -> httpx.Response:
        return self.client.post(f"/documents/{document_id}/open", headers=person.headers)


@pytest.fixture
def desk(client: TestClient) -> Desk:
    return Desk(client)
