"""What an admin asks when desktops misbehave: when each workstation last synced and on which version,
how many of its changes were settled, refused and in conflict, how many it still has queued (as it last
said), which booking sagas are stuck, how far behind the outbox is, which messages were dead-lettered.
One report for both front ends: `warddesk-server sync-health` and GET /admin/sync-health.

Read-only queries over the sync, booking and messaging tables (plain SQL: this package imports no
domain)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Workstation:
    client_id: uuid.UUID
    username: str
    first_seen: datetime
    last_push: datetime | None
    last_change_number: int
    settled: int
    refused: int
    last_refused: datetime | None
    conflicts: int
    last_pull: datetime | None
    desktop_version: str | None
    workstation: str | None
    queued_changes: int | None

    @property
    def last_sync(self) -> datetime | None:
        return max((t for t in (self.last_push, self.last_pull) if t is not None), default=None)


@dataclass(frozen=True)
class StuckSaga:
    saga_id: uuid.UUID
    kind: str
    status: str
    step: str
    attempts: int
    next_attempt_at: datetime
    error: str | None


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    message_id: uuid.UUID
    failures: int
    last_error: str
    dead_lettered_at: datetime


@dataclass(frozen=True)
class Outbox:
    backlog: int  # rows not yet published
    oldest_age_seconds: float  # of the oldest unpublished row (0 when none)


@dataclass(frozen=True)
class SyncHealth:
    workstations: list[Workstation]
    stuck_sagas: list[StuckSaga]
    dead_letters: list[DeadLetter]
    outbox: Outbox


_WORKSTATIONS = text(
    """
    SELECT c.client_id, u.username, c.created_at AS first_seen, c.last_push_at AS last_push,
           c.last_mutation_id AS last_change_number,
           count(r.mutation_id) AS settled,
           count(r.mutation_id) FILTER (WHERE r.result->>'status' = 'rejected') AS refused,
           max(r.settled_at) FILTER (WHERE r.result->>'status' IN ('rejected', 'conflict')) AS last_refused,
           count(r.mutation_id) FILTER (WHERE r.result->>'status' = 'conflict') AS conflicts,
           c.last_pull_at AS last_pull, c.desktop_version, c.workstation, c.queued_changes
      FROM sync_clients c
      JOIN users u ON u.id = c.user_id
      LEFT JOIN sync_mutation_results r ON r.client_id = c.client_id
     GROUP BY c.client_id, u.username
     ORDER BY greatest(c.last_push_at, c.last_pull_at) DESC NULLS LAST, c.created_at DESC
    """
)
_STUCK_SAGAS = text(
    """
    SELECT id AS saga_id, kind, status, step, attempts, next_attempt_at, error
      FROM booking_sagas
     WHERE status IN ('running', 'compensating')
       AND next_attempt_at < CAST(:now AS timestamptz) - make_interval(secs => :late)
     ORDER BY next_attempt_at
    """
)
_DEAD_LETTERS = text(
    """
    SELECT consumer, message_id, failures, last_error, dead_lettered_at
      FROM message_failures WHERE dead_lettered_at IS NOT NULL
     ORDER BY dead_lettered_at DESC
    """
)
_OUTBOX = text(
    """
    SELECT count(*) AS backlog,
           coalesce(extract(epoch FROM CAST(:now AS timestamptz) - min(occurred_at)), 0) AS oldest_age_seconds
      FROM outbox WHERE published_at IS NULL
    """
)


def sync_health(session: Session, *, now: datetime, saga_late_seconds: float = 300) -> SyncHealth:
    """The report as of `now`; a saga is stuck when its next step is more than `saga_late_seconds` late."""
    outbox = session.execute(_OUTBOX, {"now": now}).one()
    return SyncHealth(
        outbox=Outbox(
            backlog=int(outbox.backlog), oldest_age_seconds=max(0.0, float(outbox.oldest_age_seconds))
        ),
        workstations=[Workstation(**row._mapping) for row in session.execute(_WORKSTATIONS)],
        stuck_sagas=[
            StuckSaga(**row._mapping)
            for row in session.execute(_STUCK_SAGAS, {"late": saga_late_seconds, "now": now})
        ],
        dead_letters=[DeadLetter(**row._mapping) for row in session.execute(_DEAD_LETTERS)],
    )
