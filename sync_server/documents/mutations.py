"""The document changes a desktop queues offline, as the sync push applies them. Registering a document
is a mutation like any other; its bytes follow through the links POST /patients/{id}/documents answers
(asked again by the desktop once the registration is applied), and completion makes it available."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from shared.documents import MarkEnteredInError, RegisterDocument
from shared.protocol import Mutation, MutationName
from sync_server.auth.deps import Actor
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Invalid
from sync_server.documents.service import DocumentService
from sync_server.documents.storage import DocumentStore


def handlers(store: DocumentStore, settings: Settings, clock: Callable[[], datetime]):  # type: ignore[no-untyped-def]
    """The push's handlers for documents, acting through `store` at `clock()`."""

    def service(session: Session, actor: Actor, client: ClientInfo) -> DocumentService:
        return DocumentService(
            session, actor=actor, client=client, now=clock(), store=store, settings=settings
        )

    def register(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = RegisterDocument.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not a document registration: {exc}") from None
        document, _ = service(session, actor, client).register(mutation.entity_id, request)
        return document.version

    def entered_in_error(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = MarkEnteredInError.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not an entered-in-error marking: {exc}") from None
        document = service(session, actor, client).mark_entered_in_error(
            mutation.entity_id, reason=request.reason
        )
        return document.version

    return {
        MutationName.DOCUMENT_REGISTER: register,
        MutationName.DOCUMENT_ENTERED_IN_ERROR: entered_in_error,
    }
