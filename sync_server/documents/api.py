"""Document routes: register an upload and get its links, complete it, list, open (audited), mark
entered-in-error; and, for the local folder store only, the blob routes its expiring links point at."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from shared.documents import RegisterDocument
from shared.errors import ErrorCode
from shared.roles import Role
from sync_server.auth.deps import Actor, require
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.errors import AppError, NotFound, PayloadTooLarge
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.documents.models import Document
from sync_server.documents.schemas import (
    CompleteDocumentIn,
    DocumentOut,
    DownloadOut,
    EnteredInErrorIn,
    LinkOut,
    RegisterDocumentIn,
    UploadOut,
)
from sync_server.documents.service import DocumentService, UnsupportedDocumentType
from sync_server.documents.storage import DocumentStore, Link, LinkExpired, LocalFolderStore

router = APIRouter(tags=["documents"])


async def get_store(request: Request) -> DocumentStore:
    store: DocumentStore = request.app.state.document_store
    return store


Store = Annotated[DocumentStore, Depends(get_store)]


# Lab reports are clinical: only the patient's carers (which patients: the scope rule, in the service).
Carer = Annotated[Actor, Depends(require(Role.NURSE, Role.DOCTOR))]


async def _service(
    session: DbSession, actor: Carer, client: Client, now: Now, store: Store, settings: SettingsDep
) -> DocumentService:
    return DocumentService(session, actor=actor, client=client, now=now, store=store, settings=settings)


Service = Annotated[DocumentService, Depends(_service)]


def _out(document: Document) -> DocumentOut:
    return DocumentOut.model_validate(document)


def _link(link: Link) -> LinkOut:
    return LinkOut(method=link.method, url=link.url, headers=link.headers, expires_at=link.expires_at)


@router.post(
    "/patients/{patient_id}/documents",
    response_model=UploadOut,
    status_code=201,
    responses=errors(*WITH_BODY, 404, 409),
    summary="Register a lab report or exam result and get its upload links",
)
def register_document(service: Service, patient_id: uuid.UUID, body: RegisterDocumentIn) -> UploadOut:
    """PDF, PNG or JPEG up to WARDDESK_DOCUMENTS_MAX_MB. Send each part's bytes to its link (the
    headers included), then POST /documents/{id}/complete. Registering again answers fresh links."""
    fields = body.model_dump(exclude={"document_id", "patient_id"})
    request = RegisterDocument(**fields, patient_id=patient_id)
    document, plan = service.register(body.document_id, request)
    return UploadOut(document=_out(document), part_size=plan.part_size, parts=[_link(p) for p in plan.parts])


@router.post(
    "/documents/{document_id}/complete",
    response_model=DocumentOut,
    responses=errors(*WITH_BODY, 404, 409, 415),
    summary="Verify an uploaded document (size, type, SHA-256) and make it available",
)
def complete_document(
    service: Service, document_id: uuid.UUID, body: CompleteDocumentIn | None = None
) -> DocumentOut:
    """For a multipart upload, send each part's SHA-256 (`part_sha256`): the store's own checksum is then
    checked against them instead of the server reading the whole object back."""
    return _out(service.complete(document_id, part_sha256=body.part_sha256 if body else None))


@router.get(
    "/patients/{patient_id}/documents",
    response_model=list[DocumentOut],
    responses=errors(*AUTHED, 404),
    summary="A patient's documents (for the people caring for him)",
)
def patient_documents(service: Service, patient_id: uuid.UUID) -> list[DocumentOut]:
    return [_out(d) for d in service.of_patient(patient_id)]


@router.get(
    "/appointments/{appointment_id}/documents",
    response_model=list[DocumentOut],
    responses=errors(*AUTHED, 404),
    summary="The documents attached to an appointment",
)
def appointment_documents(service: Service, appointment_id: uuid.UUID) -> list[DocumentOut]:
    return [_out(d) for d in service.of_appointment(appointment_id)]


@router.get(
    "/documents/{document_id}",
    response_model=DocumentOut,
    responses=errors(*AUTHED, 404),
    summary="A document",
)
def get_document(service: Service, document_id: uuid.UUID) -> DocumentOut:
    return _out(service.get(document_id))


@router.post(
    "/documents/{document_id}/open",
    response_model=DownloadOut,
    responses=errors(*AUTHED, 404),
    summary="A link to a document's bytes, valid for minutes (the view is audited)",
)
def open_document(service: Service, document_id: uuid.UUID) -> DownloadOut:
    document, link = service.open(document_id)
    return DownloadOut(document=_out(document), link=_link(link))


@router.post(
    "/documents/{document_id}/entered-in-error",
    response_model=DocumentOut,
    responses=errors(*WITH_BODY, 404),
    summary="Mark a document entered in error (it is kept, flagged)",
)
def mark_entered_in_error(service: Service, document_id: uuid.UUID, body: EnteredInErrorIn) -> DocumentOut:
    return _out(service.mark_entered_in_error(document_id, reason=body.reason))


# ---- the local folder store's links ---------------------------------------------------------------------


class _LinkRefused(AppError):
    status_code = 403
    code = ErrorCode.LINK_EXPIRED


def _local(store: DocumentStore) -> LocalFolderStore:
    if not isinstance(store, LocalFolderStore):
        raise NotFound("This server keeps documents in S3.")
    return store


def _grant(store: LocalFolderStore, token: str, method: str, now: object):  # type: ignore[no-untyped-def]
    try:
        return store.verify(token, method=method, now=now)  # type: ignore[arg-type]
    except (LinkExpired, ValueError, KeyError) as exc:
        raise _LinkRefused(str(exc) if isinstance(exc, LinkExpired) else "This link is not valid.") from None


@router.put("/documents/blobs/{token}", status_code=204, include_in_schema=False)
async def put_blob(token: str, request: Request, store: Store, settings: SettingsDep, now: Now) -> Response:
    local = _local(store)
    grant = _grant(local, token, "PUT", now)
    if request.headers.get("content-type") != grant.content_type:
        raise UnsupportedDocumentType("Send the Content-Type the link was made for.")
    limit = settings.documents_max_mb * 1024 * 1024
    with local.writer(grant.key, max_bytes=limit) as writer:
        try:
            async for chunk in request.stream():
                writer.write(chunk)
        except OverflowError:
            raise PayloadTooLarge(f"A document may be at most {settings.documents_max_mb} MB.") from None
    return Response(status_code=204)


@router.get("/documents/blobs/{token}", include_in_schema=False)
async def get_blob(token: str, store: Store, now: Now) -> FileResponse:
    local = _local(store)
    grant = _grant(local, token, "GET", now)
    path = local.file_of(grant.key)
    if not path.is_file():
        raise NotFound("The document's file is gone.")
    return FileResponse(
        path, media_type=grant.content_type, filename=grant.filename, content_disposition_type="inline"
    )
