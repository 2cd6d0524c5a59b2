"""The optimistic effect of each queued mutation on the cached record it changes.

The store shows the server's record with the still-pending mutations replayed on it (Replicache's
rebase), so these functions must be pure and deterministic: same record + same mutation -> same result.
They are a best guess of what the server will do; the server's own record replaces the guess as soon as
it is pulled. Returning None means "no such record" (a rejected creation leaves nothing behind).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.protocol import MutationName

Record = dict[str, Any]


@dataclass(frozen=True)
class PendingChange:
    """The parts of an outbox entry an effect needs."""

    mutation_id: int
    name: MutationName
    entity_id: str
    related_id: str | None
    payload: dict[str, Any]
    made_at: datetime


Lookup = Callable[[str], "Record | None"]
Effect = Callable[[PendingChange, "Record | None", str, Lookup], "Record | None"]


def apply_effect(
    change: PendingChange, record: Record | None, *, target_id: str, lookup: Lookup
) -> Record | None:
    """`record` (the cached record `target_id`, or None) after `change`'s optimistic effect.

    `lookup(id)` gives another cached record of the same kind (a reschedule copies the old appointment).
    """
    effect = _EFFECTS[change.name]
    return effect(change, copy.deepcopy(record) if record is not None else None, target_id, lookup)


def _set_lines(record: Record, lines: list[dict[str, Any]], field: str, source: str) -> None:
    by_id = {str(line["line_id"]): line[source] for line in lines}
    for line in record.get("lines", []):
        if str(line.get("line_id")) in by_id:
            line[field] = by_id[str(line["line_id"])]


def _submit(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    payload = change.payload
    return {
        **(record or {}),
        "id": change.entity_id,
        "ward_id": payload["ward_id"],
        "status": "submitted",
        "priority": payload.get("priority", "routine"),
        "needed_by": payload.get("needed_by"),
        "notes": payload.get("notes", ""),
        "lines": [dict(line) for line in payload["lines"]],
        "submitted_at": change.made_at.isoformat(),
    }


def _edit(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    if record is None:
        return None
    for field in ("priority", "needed_by", "notes", "lines"):
        if change.payload.get(field) is not None:
            record[field] = copy.deepcopy(change.payload[field])
    return record


def _status(status: str, *, reason_field: str | None = None) -> Effect:
    def effect(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
        if record is None:
            return None
        record["status"] = status
        if reason_field is not None and "reason" in change.payload:
            record[reason_field] = change.payload["reason"]
        return record

    return effect


def _approve(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    if record is None:
        return None
    record["status"] = "approved"
    _set_lines(record, change.payload["lines"], "approved_quantity", "approved_quantity")
    return record


def _dispatch(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    if record is None:
        return None
    # A dispatch payload says what this shipment sends; like the server, each line keeps the running total.
    # Quantities may be null in the server's record (not approved yet: the server will refuse the dispatch).
    sent = {str(line["line_id"]): line["dispatched_quantity"] for line in change.payload["lines"]}
    for line in record.get("lines", []):
        already = line.get("dispatched_quantity") or 0
        line["dispatched_quantity"] = already + sent.get(str(line.get("line_id")), 0)
    short = any(line["dispatched_quantity"] < _approved(line) for line in record.get("lines", []))
    keep_open = change.payload.get("remainder") == "keep_open" and short
    record["status"] = "in_preparation" if keep_open else "dispatched"
    return record


def _approved(line: Record) -> int:
    approved = line.get("approved_quantity")
    return int(approved if approved is not None else line.get("quantity") or 0)


def _receive(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    if record is None:
        return None
    record["status"] = "received"
    _set_lines(record, change.payload["lines"], "received_quantity", "received_quantity")
    return record


def _ends_at(starts_at: str, minutes: int | None, record: Record | None) -> str | None:
    if minutes is None and record is not None and record.get("starts_at") and record.get("ends_at"):
        old = datetime.fromisoformat(record["ends_at"]) - datetime.fromisoformat(record["starts_at"])
        return (datetime.fromisoformat(starts_at) + old).isoformat()
    if minutes is None:
        return None
    return (datetime.fromisoformat(starts_at) + timedelta(minutes=minutes)).isoformat()


def _book(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    payload = change.payload
    return {
        **(record or {}),
        "id": change.entity_id,
        "doctor_id": payload["doctor_id"],
        "patient_id": payload["patient_id"],
        "room_id": payload.get("room_id"),
        "starts_at": payload["starts_at"],
        "ends_at": _ends_at(payload["starts_at"], payload.get("duration_minutes"), None),
        "reason": payload.get("reason", ""),
        "status": "requested",
    }


def _reschedule(
    change: PendingChange, record: Record | None, target_id: str, lookup: Lookup
) -> Record | None:
    payload = change.payload
    if target_id == change.entity_id:  # the old appointment is given up for the new one
        if record is None:
            return None
        record["status"] = "cancelled"
        record["rescheduled_to"] = str(payload["new_appointment_id"])
        return record
    # The new appointment: a copy of the old one (as the server has it), requested at the new time.
    old = lookup(change.entity_id) or {}
    return {
        **old,
        "id": str(payload["new_appointment_id"]),
        "starts_at": payload["starts_at"],
        "ends_at": _ends_at(payload["starts_at"], payload.get("duration_minutes"), old or None),
        "room_id": payload.get("room_id", old.get("room_id")),
        "status": "requested",
        "rescheduled_from": change.entity_id,
    }


def _attendance(
    change: PendingChange, record: Record | None, target_id: str, lookup: Lookup
) -> Record | None:
    if record is None:
        return None
    record["status"] = change.payload["status"]
    return record


def _read(change: PendingChange, record: Record | None, target_id: str, lookup: Lookup) -> Record | None:
    if record is None:
        return None
    record["read_at"] = change.made_at.isoformat()
    return record


def _shown_apart(
    change: PendingChange, record: Record | None, target_id: str, lookup: Lookup
) -> Record | None:
    """Notes and payments waiting to sync are shown from the outbox itself (desktop/store/history.py,
    payments.py): the cached record is unchanged until the server's is pulled."""
    return record


_EFFECTS: dict[MutationName, Effect] = {
    MutationName.TICKET_SUBMIT: _submit,
    MutationName.TICKET_EDIT: _edit,
    MutationName.TICKET_CANCEL: _status("cancelled", reason_field="cancel_reason"),
    MutationName.TICKET_APPROVE: _approve,
    MutationName.TICKET_REJECT: _status("rejected", reason_field="rejection_reason"),
    MutationName.TICKET_START_PREPARATION: _status("in_preparation"),
    MutationName.TICKET_DISPATCH: _dispatch,
    MutationName.TICKET_RECEIVE: _receive,
    MutationName.TICKET_CLOSE: _status("closed"),
    MutationName.APPOINTMENT_BOOK: _book,
    MutationName.APPOINTMENT_RESCHEDULE: _reschedule,
    MutationName.APPOINTMENT_CANCEL: _status("cancelled", reason_field="cancel_reason"),
    MutationName.APPOINTMENT_ATTENDANCE: _attendance,
    MutationName.NOTIFICATION_READ: _read,
    MutationName.HISTORY_NOTE_ADD: _shown_apart,
    MutationName.HISTORY_NOTE_AMEND: _shown_apart,
    MutationName.PAYMENT_RECORD: _shown_apart,
    MutationName.PAYMENT_REFUND: _shown_apart,
}
