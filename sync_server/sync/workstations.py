"""What each desktop says about itself on a sync request (its version, the workstation's name, its queue),
kept on its sync client with the time of its last push or pull: the admin's sync-health view reads it.

The headers are optional and informative: a value that does not parse is dropped, never refused, so an
old or odd desktop still syncs."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from shared.protocol import (
    DESKTOP_VERSION_HEADER,
    MAX_WORKSTATION_LENGTH,
    QUEUED_CHANGES_HEADER,
    WORKSTATION_HEADER,
)
from shared.releases import VERSION_PATTERN
from sync_server.sync.models import SyncClient

_VERSION = re.compile(VERSION_PATTERN)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
MAX_QUEUED = 10_000_000


@dataclass(frozen=True)
class DesktopReport:
    version: str | None = None
    workstation: str | None = None
    queued_changes: int | None = None


async def read_report(request: Request) -> DesktopReport:
    """The desktop's own report from the request's headers; anything malformed is left out."""
    headers = request.headers
    version = (headers.get(DESKTOP_VERSION_HEADER) or "").strip()
    workstation = _UNPRINTABLE.sub("", headers.get(WORKSTATION_HEADER) or "").strip()
    queued = (headers.get(QUEUED_CHANGES_HEADER) or "").strip()
    return DesktopReport(
        version=version if _VERSION.match(version) else None,
        workstation=workstation[:MAX_WORKSTATION_LENGTH] or None,
        queued_changes=int(queued) if queued.isdigit() and int(queued) <= MAX_QUEUED else None,
    )


Desktop = Annotated[DesktopReport, Depends(read_report)]


def _reported(report: DesktopReport) -> dict[str, object]:
    values: dict[str, object] = {}
    if report.version is not None:
        values["desktop_version"] = report.version
    if report.workstation is not None:
        values["workstation"] = report.workstation
    if report.queued_changes is not None:
        values["queued_changes"] = report.queued_changes
    return values


def note_push(
    session: Session, *, client_id: uuid.UUID, user_id: uuid.UUID, report: DesktopReport, at: datetime
) -> None:
    """After a push (whose transaction holds the client's row): its time and what the desktop reported."""
    session.execute(
        update(SyncClient)
        .where(SyncClient.client_id == client_id, SyncClient.user_id == user_id)
        .values(last_push_at=at, **_reported(report))
    )


def note_pull(
    session: Session, *, client_id: uuid.UUID, user_id: uuid.UUID, report: DesktopReport, at: datetime
) -> None:
    """After a pull that named its client: the pull's time and the report. A client the server has not met
    is registered for this user; another user's client is left alone, and so is one a push holds (that
    push records the same report), so a pull never waits for a push."""
    session.execute(
        pg_insert(SyncClient)
        .values(client_id=client_id, user_id=user_id, last_mutation_id=0)
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    free = (
        select(SyncClient.client_id)
        .where(SyncClient.client_id == client_id, SyncClient.user_id == user_id)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    session.execute(
        update(SyncClient).where(SyncClient.client_id == free).values(last_pull_at=at, **_reported(report))
    )
