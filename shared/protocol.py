"""The sync protocol between the desktop and the sync server (version 1).

Push (POST /sync/push): a batch of one client's mutations, in the order the client made them. Each
mutation carries the client's id, a per-client mutation number that increases by one (1, 2, 3...), an
idempotency key, the named operation with its entity and payload, and the version of the record it was
made on. The answer says, per mutation, `applied` (with the server's new version), `rejected` (a final
answer with a code and a reason for the person who made it) or `conflict` (with the server's current
record). A mutation number the server has seen is answered with its stored result; a gap is refused.
A temporary failure stops the batch (the client retries later); a rejection does not block the queue.

Pull (GET /sync/pull): the changes in the caller's scope since an opaque cursor, paged, with tombstones
for deletes, `has_more` and the next cursor. `wait` > 0 makes it a long poll that answers as soon as
something changes. `reset_required` tells a client whose cursor is older than the tombstone window to
drop its cache and fetch a fresh snapshot instead of resurrecting deleted rows.

Every request sends the protocol version in the `X-WardDesk-Protocol` header; a client older than
MIN_SUPPORTED_VERSION gets 426 with code `update_required`.

Server epoch (optional, for desktops that send `server-epoch` in the `X-WardDesk-Features` header): every
push and pull answer carries `server_epoch`, an opaque token of the server's database that changes when
the database goes back to an older state (restored from a backup). A desktop sends the one it knows with
each push; a push made for another epoch is refused with 409 `server_restored` (details:
`server_epoch`, `last_mutation_id`), and a cursor of another epoch answers `reset_required`. The
desktop then sends again, numbered from `last_mutation_id + 1`, the changes the server no longer has,
and fetches its records afresh. Without the header nothing changes: the answers have no `server_epoch`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
MIN_SUPPORTED_VERSION = 1
PROTOCOL_HEADER = "X-WardDesk-Protocol"
# Mutations per push. Servers before 2026-11 took at most OLD_MAX_PUSH_BATCH; a desktop that meets one
# (422 for a bigger batch) falls back to it.
MAX_PUSH_BATCH = 500
OLD_MAX_PUSH_BATCH = 100
MAX_PULL_LIMIT = 5000
MAX_LONG_POLL_SECONDS = 30
# Optional features a desktop understands, comma-separated; a server adds their fields to its answers
# only for desktops that name them (older desktops refuse fields they do not know).
FEATURES_HEADER = "X-WardDesk-Features"
FEATURE_SERVER_EPOCH = "server-epoch"
# What a desktop says about itself on every sync request, for the admin's sync-health view: its release
# version, the workstation's name and how many changes wait in its queue. Optional; a bad value is ignored.
DESKTOP_VERSION_HEADER = "X-WardDesk-Version"
WORKSTATION_HEADER = "X-WardDesk-Workstation"
QUEUED_CHANGES_HEADER = "X-WardDesk-Queued"
MAX_WORKSTATION_LENGTH = 100
MAX_SERVER_EPOCH_LENGTH = 200


class Entity(StrEnum):
    """Record kinds the desktop caches."""

    WARD = "ward"
    ROOM = "room"
    DOCTOR = "doctor"
    PATIENT = "patient"
    MEDICATION = "medication"
    AVAILABILITY = "availability"  # one record per doctor: rules + exceptions
    APPOINTMENT = "appointment"
    TICKET = "ticket"
    NOTIFICATION = "notification"
    DOCUMENT = "document"  # a patient's lab report or exam result (metadata; bytes by link)
    HISTORY_ENTRY = "history_entry"  # one entry of a patient's history timeline (shared/history.py)
    PAYMENT = "payment"  # one payment or refund of the desk's ledger (shared/payments.py); desk only


class MutationName(StrEnum):
    """The operations a client may queue. Payload shapes are in shared/tickets.py and shared/booking.py."""

    TICKET_SUBMIT = "ticket.submit"
    TICKET_EDIT = "ticket.edit"
    TICKET_CANCEL = "ticket.cancel"
    TICKET_APPROVE = "ticket.approve"
    TICKET_REJECT = "ticket.reject"
    TICKET_START_PREPARATION = "ticket.start_preparation"
    TICKET_DISPATCH = "ticket.dispatch"
    TICKET_RECEIVE = "ticket.receive"
    TICKET_CLOSE = "ticket.close"
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_RESCHEDULE = "appointment.reschedule"
    APPOINTMENT_CANCEL = "appointment.cancel"
    APPOINTMENT_ATTENDANCE = "appointment.attendance"
    NOTIFICATION_READ = "notification.read"
    DOCUMENT_REGISTER = "document.register"
    DOCUMENT_ENTERED_IN_ERROR = "document.entered_in_error"
    HISTORY_NOTE_ADD = "history.note_add"
    HISTORY_NOTE_AMEND = "history.note_amend"
    PAYMENT_RECORD = "payment.record"
    PAYMENT_REFUND = "payment.refund"


class Mutation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: uuid.UUID
    mutation_id: int = Field(ge=1, le=2**62, description="Per-client number, increasing by one")
    idempotency_key: uuid.UUID
    name: MutationName
    entity_id: uuid.UUID = Field(description="The record the mutation acts on (client-made for creations)")
    base_version: int | None = Field(
        default=None, ge=0, le=2**62, description="Server version the change was made on; None for creations"
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    made_at: datetime


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: uuid.UUID
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)
    server_epoch: str | None = Field(
        default=None,
        max_length=MAX_SERVER_EPOCH_LENGTH,
        description="The server epoch this desktop's queue was numbered for; absent: not known",
    )


class MutationStatus(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    CONFLICT = "conflict"


class MutationResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mutation_id: int
    status: MutationStatus
    entity_id: uuid.UUID
    new_version: int | None = None
    code: str | None = Field(default=None, description="Machine-readable reason (rejected/conflict)")
    reason: str | None = Field(default=None, description="For the person who made the change")
    server_record: dict[str, Any] | None = Field(default=None, description="Current server state (conflict)")


class PushResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[MutationResult]
    last_mutation_id: int = Field(description="Highest mutation number of this client the server has settled")
    stopped_early: bool = Field(
        default=False, description="A temporary failure stopped the batch; retry the rest later"
    )
    retry_after_seconds: float | None = None
    server_epoch: str | None = Field(default=None, description="The server's database epoch (see above)")


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: Entity
    id: uuid.UUID
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = Field(default=None, description="Whole record; None for a tombstone")


class PullResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: list[Change]
    cursor: str = Field(description="Opaque; send it back as-is")
    has_more: bool
    reset_required: bool = False
    last_mutation_id: int = Field(default=0, description="The client's highest settled mutation number")
    server_time: datetime
    total_estimate: int | None = Field(
        default=None,
        ge=0,
        description="Rows of this initial snapshot, counted when it started; None for a tail",
    )
    server_epoch: str | None = Field(default=None, description="The server's database epoch (see above)")
