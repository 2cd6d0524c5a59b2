"""GET /admin/sync-health: the `warddesk-server sync-health` report for the desktop's admin screen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared.roles import Role
from sync_server.audit.service import record as audit
from sync_server.auth.deps import Allowed
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession
from sync_server.core.openapi import AUTHED, errors
from sync_server.health.sync_health import sync_health

router = APIRouter(prefix="/admin", tags=["admin"])


class WorkstationOut(BaseModel):
    client_id: uuid.UUID
    username: str
    workstation: str | None = Field(description="The PC's name as the desktop reports it")
    desktop_version: str | None
    first_seen: datetime
    last_push: datetime | None
    last_pull: datetime | None
    last_sync: datetime | None = Field(description="The later of the last push and the last pull")
    queued_changes: int | None = Field(description="Changes waiting on the desktop, as it last said")
    last_change_number: int
    settled: int
    refused: int
    conflicts: int
    last_refused: datetime | None


class StuckSagaOut(BaseModel):
    saga_id: uuid.UUID
    kind: str
    status: str
    step: str
    attempts: int
    next_attempt_at: datetime
    error: str | None


class OutboxOut(BaseModel):
    backlog: int
    oldest_age_seconds: float


class SyncHealthOut(BaseModel):
    generated_at: datetime
    workstations: list[WorkstationOut]
    stuck_sagas: list[StuckSagaOut]
    outbox: OutboxOut
    dead_letters: int = Field(description="Messages dead-lettered now (GET /admin/dead-letters lists them)")


@router.get("/sync-health", response_model=SyncHealthOut, responses=errors(*AUTHED))
def get_sync_health(
    session: DbSession,
    client: Client,
    now: Now,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    late_minutes: Annotated[
        float, Query(ge=0, le=10_080, description="A saga this many minutes late for its next step is stuck")
    ] = 5,
) -> SyncHealthOut:
    """Each workstation's last sync, version and changes; stuck booking sagas; the outbox; dead letters."""
    report = sync_health(session, now=now, saga_late_seconds=late_minutes * 60)
    audit(
        session,
        actor=actor,
        client=client,
        action="sync_health.read",
        entity="sync_health",
        details={"workstations": len(report.workstations)},
    )
    return SyncHealthOut(
        generated_at=now,
        workstations=[
            WorkstationOut(
                client_id=w.client_id,
                username=w.username,
                workstation=w.workstation,
                desktop_version=w.desktop_version,
                first_seen=w.first_seen,
                last_push=w.last_push,
                last_pull=w.last_pull,
                last_sync=w.last_sync,
                queued_changes=w.queued_changes,
                last_change_number=w.last_change_number,
                settled=w.settled,
                refused=w.refused,
                conflicts=w.conflicts,
                last_refused=w.last_refused,
            )
            for w in report.workstations
        ],
        stuck_sagas=[StuckSagaOut(**vars(saga)) for saga in report.stuck_sagas],
        outbox=OutboxOut(**vars(report.outbox)),
        dead_letters=len(report.dead_letters),
    )
