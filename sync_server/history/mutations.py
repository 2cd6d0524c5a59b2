"""The notes a desktop queues offline, as the sync push applies them: `history.note_add` (entity: the new
note's id) and `history.note_amend` (entity: the amended note's id; the amendment's id is the mutation's
idempotency key, the same on every resend)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from shared.history import AddNote, AmendNote
from shared.protocol import Mutation, MutationName
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Invalid
from sync_server.history.service import HistoryService
from sync_server.history.store import HistoryStore


def handlers(store: HistoryStore, clock: Callable[[], datetime]):  # type: ignore[no-untyped-def]
    """The push's handlers for doctors' notes, acting at `clock()`."""

    def service(session: Session, actor: Actor, client: ClientInfo) -> HistoryService:
        return HistoryService(session, actor=actor, client=client, now=clock(), store=store)

    def add(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = AddNote.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not a note: {exc}") from None
        service(session, actor, client).add_note(mutation.entity_id, request)
        return 1

    def amend(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = AmendNote.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not a note amendment: {exc}") from None
        service(session, actor, client).amend_note(mutation.idempotency_key, mutation.entity_id, request)
        return 1

    return {MutationName.HISTORY_NOTE_ADD: add, MutationName.HISTORY_NOTE_AMEND: amend}
