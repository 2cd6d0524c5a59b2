"""Recording who did or read what. Entries join the request's transaction, so they commit with the change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from sync_server.audit.models import AuditEntry
from sync_server.core.actor import Actor
from sync_server.core.bulk import insert_rows
from sync_server.core.context import ClientInfo


def record(
    session: Session,
    *,
    actor: Actor | None,
    client: ClientInfo,
    action: str,
    entity: str,
    entity_id: str | uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    username: str | None = None,
    user_id: uuid.UUID | None = None,
    role: str = "",
) -> None:
    """Append one audit entry (action like 'patient.read', 'patient.update', 'auth.login').

    Without an actor (sign-in, before there is one), `username`, `user_id` and `role` say whom it concerns.
    """
    session.add(
        AuditEntry(
            **entry_row(
                actor=actor,
                client=client,
                action=action,
                entity=entity,
                entity_id=entity_id,
                details=details,
                username=username,
                user_id=user_id,
                role=role,
            )
        )
    )


def entry_row(
    *,
    actor: Actor | None,
    client: ClientInfo,
    action: str,
    entity: str,
    entity_id: str | uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    username: str | None = None,
    user_id: uuid.UUID | None = None,
    role: str = "",
) -> dict[str, Any]:
    """The audit row `record` would write (for `record_rows`)."""
    return {
        "user_id": actor.user_id if actor else user_id,
        "username": (actor.username if actor else username) or "",
        "role": actor.role.value if actor else role,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id) if entity_id is not None else None,
        "client_address": client.address,
        "client_name": client.name,
        "details": details or {},
    }


def record_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append many audit entries (`entry_row`s) with one INSERT, in the caller's transaction."""
    insert_rows(session, AuditEntry, rows)
