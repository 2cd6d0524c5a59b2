"""Lab reports and exam results, through the real server and both real stores (moto's S3 server, a
local folder): the bytes go through presigned links, are checked at completion, and only then shown."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.audit.models import AuditEntry
from sync_server.documents.models import Document
from sync_server.documents.storage import S3Store, b64_sha256
from tests.conftest import Person
from tests.sync_server.documents.conftest import BUCKET, MAX_MB, Desk, FixedClock, Ward3, pdf, png, sha256


def _audit(session_factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _row(session_factory: sessionmaker[Session], document_id: str) -> Document:
    with session_factory() as session:
        found = session.get(Document, uuid.UUID(document_id))
        assert found is not None
        return found


def test_an_uploaded_report_opens_byte_for_byte_and_the_view_is_audited(
    desk: Desk, nurse: Person, ward3: Ward3, session_factory: sessionmaker[Session]
) -> None:
    data = pdf()
    completed = desk.upload(nurse, ward3.patient.id, data)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "available"
    document_id = completed.json()["id"]

    listed = desk.client.get(f"/patients/{ward3.patient.id}/documents", headers=nurse.headers).json()
    assert [d["id"] for d in listed] == [document_id]
    opened = desk.open(nurse, document_id)
    assert opened.status_code == 200, opened.text
    downloaded = desk.send(opened.json()["link"], b"")
    assert downloaded.status_code == 200
    assert downloaded.content == data
    views = _audit(session_factory, "document.view")
    assert [(v.entity_id, v.user_id) for v in views] == [(document_id, nurse.user.id)]


def test_a_png_result_is_accepted_by_its_content(desk: Desk, nurse: Person, ward3: Ward3) -> None:
    completed = desk.upload(nurse, ward3.patient.id, png(), content_type="image/png")
    assert completed.json()["status"] == "available"


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_s3_objects_are_encrypted_and_links_last_minutes(
    desk: Desk, nurse: Person, ward3: Ward3, s3_client: Any
) -> None:
    data = pdf()
    registered = desk.register(nurse, ward3.patient.id, data).json()
    link = registered["parts"][0]
    assert int(parse_qs(urlparse(link["url"]).query)["X-Amz-Expires"][0]) <= 5 * 60
    desk.send_parts(registered, data)
    desk.client.post(f"/documents/{registered['document']['id']}/complete", headers=nurse.headers)
    key = _key_of(desk, registered)
    assert s3_client.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"


def _key_of(desk: Desk, registered: dict[str, Any]) -> str:
    document = registered["document"]
    return f"test/{document['patient_id']}/{document['id']}"


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_a_large_file_goes_up_in_parts_and_comes_back_whole(desk: Desk, nurse: Person, ward3: Ward3) -> None:
    data = pdf(11 * 1024 * 1024)
    registered = desk.register(nurse, ward3.patient.id, data)
    assert len(registered.json()["parts"]) == 3
    desk.send_parts(registered.json(), data)
    document_id = registered.json()["document"]["id"]
    completed = desk.client.post(f"/documents/{document_id}/complete", headers=nurse.headers)
    assert completed.status_code == 200, completed.text
    assert desk.send(desk.open(nurse, document_id).json()["link"], b"").content == data


def test_a_file_that_is_not_what_it_claims_is_rejected_by_its_content(
    desk: Desk, nurse: Person, ward3: Ward3, session_factory: sessionmaker[Session], store: Any
) -> None:
    zip_named_pdf = b"PK\x03\x04" + b"\x00" * 4000
    completed = desk.upload(nurse, ward3.patient.id, zip_named_pdf)
    assert completed.status_code == 415
    assert completed.json()["error"]["code"] == "unsupported_media_type"
    document_id = completed.request.url.path.split("/")[2]
    row = _row(session_factory, document_id)
    assert row.status == "rejected"  # on record, never shown, its bytes gone
    assert store.size_of(row.storage_key) is None
    assert desk.client.get(f"/patients/{ward3.patient.id}/documents", headers=nurse.headers).json() == []
    assert desk.open(nurse, document_id).status_code == 404


def test_only_pdf_png_and_jpeg_may_be_registered(desk: Desk, nurse: Person, ward3: Ward3) -> None:
    answer = desk.register(nurse, ward3.patient.id, b"hello", content_type="text/plain")
    assert answer.status_code == 415


def test_a_file_over_the_limit_is_refused_before_and_during_upload(
    desk: Desk, nurse: Person, ward3: Ward3, store_kind: str
) -> None:
    too_big = MAX_MB * 1024 * 1024 + 1
    answer = desk.register(nurse, ward3.patient.id, b"", declared_size=too_big, declared_sha="0" * 64)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    if store_kind == "local":  # the local store's link refuses more bytes than the limit
        small = pdf(1024)
        registered = desk.register(nurse, ward3.patient.id, small).json()
        sent = desk.send(registered["parts"][0], small + b"\0" * (MAX_MB * 1024 * 1024))
        assert sent.status_code == 413


def test_a_damaged_upload_fails_its_integrity_check_and_is_never_shown(
    desk: Desk,
    nurse: Person,
    ward3: Ward3,
    session_factory: sessionmaker[Session],
    store: Any,
    store_kind: str,
) -> None:
    data = pdf()
    registered = desk.register(nurse, ward3.patient.id, data, declared_sha=sha256(data + b"x")).json()
    link = registered["parts"][0]
    if store_kind == "s3":
        # S3 itself refuses bytes whose SHA-256 is not the one signed into the link (moto does not
        # check it): what reaches the bucket here is a body with its own, other, checksum.
        assert link["headers"]["x-amz-checksum-sha256"] == b64_sha256(sha256(data + b"x"))
        assert "x-amz-checksum-sha256" in parse_qs(urlparse(link["url"]).query)["X-Amz-SignedHeaders"][0]
        sent = desk.send(link, data, **{"x-amz-checksum-sha256": b64_sha256(sha256(data))})
    else:
        sent = desk.send(link, data)
    assert sent.status_code in (200, 204), sent.text
    document_id = registered["document"]["id"]
    completed = desk.complete(nurse, document_id)
    assert completed.status_code == 422
    assert completed.json()["error"]["code"] == "document_integrity"
    assert _row(session_factory, document_id).status == "rejected"
    assert store.size_of(_row(session_factory, document_id).storage_key) is None
    assert _audit(session_factory, "document.rejected")
    # Completing again gives the same verdict; the document never becomes available.
    again = desk.client.post(f"/documents/{document_id}/complete", headers=nurse.headers)
    assert again.status_code == 422


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_a_file_up_to_the_multipart_threshold_goes_in_one_signed_put(
    desk: Desk, nurse: Person, ward3: Ward3, app: Any, s3_client: Any
) -> None:
    app.state.document_store = S3Store(
        s3_client,
        bucket=BUCKET,
        link_seconds=300,
        part_size=5 * 1024 * 1024,
        multipart_above=12 * 1024 * 1024,
    )
    data = pdf(11 * 1024 * 1024)
    registered = desk.register(nurse, ward3.patient.id, data).json()
    assert len(registered["parts"]) == 1
    assert registered["part_size"] >= len(data)
    assert registered["parts"][0]["headers"]["x-amz-checksum-sha256"] == b64_sha256(sha256(data))
    desk.send_parts(registered, data)
    completed = desk.complete(nurse, registered["document"]["id"])
    assert completed.status_code == 200, completed.text
    assert desk.send(desk.open(nurse, registered["document"]["id"]).json()["link"], b"").content == data


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_a_damaged_part_fails_the_composite_checksum(
    desk: Desk, nurse: Person, ward3: Ward3, session_factory: sessionmaker[Session]
) -> None:
    data = pdf(11 * 1024 * 1024)
    registered = desk.register(nurse, ward3.patient.id, data).json()
    damaged = bytearray(data)
    damaged[6 * 1024 * 1024] ^= 0xFF  # one bit flipped in the second part on the way
    desk.send_parts(registered, bytes(damaged))
    size = registered["part_size"]
    truthful = [sha256(data[n * size : (n + 1) * size]) for n in range(len(registered["parts"]))]
    document_id = registered["document"]["id"]
    completed = desk.complete(nurse, document_id, truthful)
    assert completed.status_code == 422
    assert completed.json()["error"]["code"] == "document_integrity"
    assert _row(session_factory, document_id).status == "rejected"


def _never_read(key: str) -> Any:
    raise AssertionError("completion read the whole object back")


@pytest.mark.parametrize("size", [64 * 1024, 11 * 1024 * 1024], ids=["one part", "parts"])
def test_completion_trusts_the_stores_checksum_and_reads_nothing_back(
    desk: Desk, nurse: Person, ward3: Ward3, store: Any, store_kind: str, size: int, monkeypatch: Any
) -> None:
    monkeypatch.setattr(store, "read", _never_read)
    data = pdf(size if store_kind == "s3" else 64 * 1024)
    completed = desk.upload(nurse, ward3.patient.id, data)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "available"


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_parts_sent_without_their_hashes_are_read_back_and_checked(
    desk: Desk, nurse: Person, ward3: Ward3
) -> None:
    """An older desktop completes a multipart upload without the parts' hashes: still verified."""
    data = pdf(11 * 1024 * 1024)
    registered = desk.register(nurse, ward3.patient.id, data, declared_sha=sha256(data + b"x")).json()
    desk.send_parts(registered, data)
    completed = desk.complete(nurse, registered["document"]["id"])
    assert completed.status_code == 422


def test_a_truncated_upload_fails_on_its_size(desk: Desk, nurse: Person, ward3: Ward3) -> None:
    data = pdf()
    registered = desk.register(nurse, ward3.patient.id, data).json()
    desk.send_parts(registered, data[:-10])
    completed = desk.client.post(f"/documents/{registered['document']['id']}/complete", headers=nurse.headers)
    assert completed.status_code == 422


def test_a_half_uploaded_document_is_shown_to_nobody(desk: Desk, nurse: Person, ward3: Ward3) -> None:
    data = pdf()
    registered = desk.register(nurse, ward3.patient.id, data).json()
    document_id = registered["document"]["id"]
    assert desk.client.get(f"/patients/{ward3.patient.id}/documents", headers=nurse.headers).json() == []
    assert desk.open(nurse, document_id).status_code == 404
    early = desk.client.post(f"/documents/{document_id}/complete", headers=nurse.headers)
    assert early.status_code == 409  # nothing uploaded yet: still pending, can be resumed
    # Resuming: registering again answers fresh links for the same document.
    resumed = desk.register(nurse, ward3.patient.id, data, document_id=uuid.UUID(document_id))
    assert resumed.status_code == 201
    desk.send_parts(resumed.json(), data)
    completed = desk.client.post(f"/documents/{document_id}/complete", headers=nurse.headers)
    assert completed.json()["status"] == "available"


@pytest.mark.parametrize("store_kind", ["local"], indirect=True)
def test_local_links_expire_within_minutes(
    desk: Desk, nurse: Person, ward3: Ward3, clock: FixedClock
) -> None:
    data = pdf()
    registered = desk.register(nurse, ward3.patient.id, data).json()
    clock.now += timedelta(minutes=5)
    late = desk.send(registered["parts"][0], data)
    assert late.status_code == 403
    assert late.json()["error"]["code"] == "link_expired"

    completed = desk.upload(nurse, ward3.patient.id, data)
    link = desk.open(nurse, completed.json()["id"]).json()["link"]
    clock.now += timedelta(minutes=4, seconds=59)
    assert desk.send(link, b"").status_code == 200
    clock.now += timedelta(seconds=1)
    assert desk.send(link, b"").status_code == 403
    forged = dict(link, url=link["url"][:-3] + "AAA")
    assert desk.send(forged, b"").status_code == 403


def test_nobody_outside_the_patients_care_sees_or_attaches_his_documents(
    desk: Desk,
    nurse: Person,
    ward3: Ward3,
    sign_in: Callable[..., Person],
    session_factory: sessionmaker[Session],
) -> None:
    completed = desk.upload(nurse, ward3.patient.id, pdf())
    document_id = completed.json()["id"]
    other_nurse = sign_in(Role.NURSE, ward_ids=[ward3.other_ward.id])
    refused = [
        desk.client.get(f"/patients/{ward3.patient.id}/documents", headers=other_nurse.headers),
        desk.client.get(f"/documents/{document_id}", headers=other_nurse.headers),
        desk.open(other_nurse, document_id),
        desk.register(other_nurse, ward3.patient.id, pdf()),
    ]
    assert [(r.status_code, r.json()["error"]["code"]) for r in refused] == [(403, "outside_care_scope")] * 4
    # A doctor with no appointment with the patient is refused too; the front desk has no clinical access.
    doctor = sign_in(Role.DOCTOR)
    assert desk.open(doctor, document_id).status_code == 403
    scheduler = sign_in(Role.SCHEDULER)
    assert desk.open(scheduler, document_id).status_code == 403
    assert _audit(session_factory, "document.view") == []


def test_a_document_entered_in_error_is_kept_flagged_and_audited(
    desk: Desk, nurse: Person, ward3: Ward3, session_factory: sessionmaker[Session]
) -> None:
    document_id = desk.upload(nurse, ward3.patient.id, pdf()).json()["id"]
    marked = desk.client.post(
        f"/documents/{document_id}/entered-in-error",
        json={"reason": "Another patient's results"},
        headers=nurse.headers,
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "entered_in_error"
    assert marked.json()["status_reason"] == "Another patient's results"
    listed = desk.client.get(f"/patients/{ward3.patient.id}/documents", headers=nurse.headers).json()
    assert [(d["id"], d["status"]) for d in listed] == [(document_id, "entered_in_error")]
    assert desk.open(nurse, document_id).status_code == 200  # still readable, flagged
    entries = _audit(session_factory, "document.entered_in_error")
    reasons = [(e.entity_id, e.details["reason"]) for e in entries]
    assert reasons == [(document_id, "Another patient's results")]
