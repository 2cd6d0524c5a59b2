"""The cache's tables (SQLAlchemy Core: bulk pulls insert tens of thousands of rows per second).

Every cached record has the same four sync columns:
- `data`: what the user sees, i.e. the server's record with this workstation's pending changes replayed on it;
- `version`: the server version of the record those changes are based on (None: not on the server yet);
- `pending`: whether unsettled outbox entries are replayed onto this row;
- `base`: only while `pending`, the server's own record (None: the server has not got it yet).
Tickets and appointments have their own tables with indexed columns for the filters the screens use;
other kinds (wards, doctors, patients, formulary, availability, notifications) share `records`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, so SQLite's text comparison orders it correctly."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the cache stores only time-zone-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _sync_columns() -> list[Column[Any]]:
    return [
        Column("version", Integer, nullable=True),
        Column("data", JSON, nullable=False),
        Column("base", JSON, nullable=True),
        Column("pending", Boolean, nullable=False, server_default="0"),
    ]


Uuid = String(36)

records = Table(
    "records",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("id", Uuid, primary_key=True),
    *_sync_columns(),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ward_id", Uuid, nullable=True),
    Column("status", String(32), nullable=True),
    Column("priority", String(16), nullable=True),
    Column("needed_by", UtcDateTime, nullable=True),
    Column("submitted_at", UtcDateTime, nullable=True),
    *_sync_columns(),
    Index("ix_tickets_ward_status", "ward_id", "status"),
    Index("ix_tickets_status_priority", "status", "priority"),
    Index("ix_tickets_needed_by", "needed_by"),
    # Covers LocalStore.ticket_keys: list screens read 50,000 tickets' keys without touching the records.
    Index("ix_tickets_list_keys", "ward_id", "status", "priority", "needed_by", "submitted_at", "id"),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("doctor_id", Uuid, nullable=True),
    Column("patient_id", Uuid, nullable=True),
    Column("starts_at", UtcDateTime, nullable=True),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("status", String(32), nullable=True),
    *_sync_columns(),
    Index("ix_appointments_doctor_starts", "doctor_id", "starts_at"),
    Index("ix_appointments_starts", "starts_at"),
    Index("ix_appointments_patient", "patient_id"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Uuid, nullable=False),
    Column("server_url", Text, nullable=False),
    Column("username", String(63), nullable=False),
    Column("cursor", Text, nullable=True),
    Column("last_pull_at", UtcDateTime, nullable=True),
    Column("last_push_at", UtcDateTime, nullable=True),
    Column("next_mutation_id", Integer, nullable=False),
    Column("last_settled_mutation_id", Integer, nullable=False),
    CheckConstraint("id = 1", name="ck_sync_state_single_row"),
)

OUTBOX_STATES = ("queued", "sent", "applied", "rejected", "conflict")

outbox = Table(
    "outbox",
    metadata,
    Column("mutation_id", Integer, primary_key=True, autoincrement=False),
    Column("idempotency_key", Uuid, nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", Uuid, nullable=False),
    # A second record the mutation changes (a reschedule's new appointment), replayed like entity_id.
    Column("related_id", Uuid, nullable=True),
    Column("base_version", Integer, nullable=True),
    Column("payload", JSON, nullable=False),
    Column("made_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("code", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("server_record", JSON, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"state IN {OUTBOX_STATES!r}", name="ck_outbox_state"),
    Index("ix_outbox_state", "state", "mutation_id"),
    Index("ix_outbox_entity", "entity_id"),
    Index("ix_outbox_related", "related_id"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ward_id", Uuid, nullable=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Rows a reset kept only because changes made here are pending on them (LocalStore._forget_server_rows):
# their server copy may be of a record the user may no longer see. The fresh pull confirms a row by
# sending its record again; one it never sends goes with its last pending change.
unconfirmed_rows = Table(
    "unconfirmed_rows",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("id", Uuid, primary_key=True),
)

# The documents' tables (upload queue, offline copies) are declared beside their code, on this metadata.
from desktop.store import documents as _documents  # noqa: E402, F401
