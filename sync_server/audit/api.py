from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from shared.roles import Role
from sync_server.audit.models import AuditEntry
from sync_server.audit.schemas import AuditEntryOut, AuditPage
from sync_server.auth.deps import Allowed
from sync_server.core.context import DbSession
from sync_server.core.openapi import AUTHED, errors

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=AuditPage, responses=errors(*AUTHED))
def query_audit_log(
    session: DbSession,
    _: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    user_id: uuid.UUID | None = None,
    username: Annotated[str | None, Query(max_length=63)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Newest first. Page with `before_id` = the previous page's `next_before_id`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    filters = {
        AuditEntry.user_id: user_id,
        AuditEntry.username: username,
        AuditEntry.action: action,
        AuditEntry.entity: entity,
        AuditEntry.entity_id: entity_id,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = list(session.scalars(query))
    page = rows[:limit]
    return AuditPage(
        entries=[AuditEntryOut.model_validate(row) for row in page],
        next_before_id=page[-1].id if len(rows) > limit else None,
    )
