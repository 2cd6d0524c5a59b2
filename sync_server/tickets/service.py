"""The rules of medication refill tickets, applied by the server that owns them.

Every action, whether it comes from a sync push or from the HTTP API, goes through `TicketService.apply`:
the payload is validated with the shared model, the role and state with `shared.tickets.check_transition`
(the same rule the desktop uses to show its buttons), the ward scope and the formulary here. An applied
action bumps the version by one and writes, in the caller's transaction: a history row, one outbox event
`ticket.<what happened>`, an audit entry, the ticket's change on the feed (its ward's and the pharmacy's
scopes) and, when someone other than the author acted, a notification for the author.

Stale versions: an EDIT or an APPROVE made on an older version of a still-submitted ticket is a
`version_conflict` (the nurse edited what the pharmacist approved, or someone else edited it first); the
other actions only need the state machine to allow them, since the server owns the status.
Dispatch quantities are per shipment: a line's `dispatched_quantity` in the payload is what this dispatch
sends, and the ticket line keeps the running total.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from shared.events import EventType
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import (
    PAYLOADS,
    TRANSITIONS,
    ApproveTicket,
    CancelTicket,
    CloseTicket,
    DispatchTicket,
    EditTicket,
    ReceiveTicket,
    RejectTicket,
    SubmitTicket,
    TicketAction,
    TicketLineIn,
    TicketStatus,
    TransitionRefused,
    check_transition,
)
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from sync_server.core.outbox import emit, emit_rows, message_row
from sync_server.directory.models import Medication
from sync_server.feed.changes import record_change
from sync_server.feed.scopes import ticket_scopes
from sync_server.staff_notifications.service import notify
from sync_server.tickets import repository
from sync_server.tickets.models import RefillTicket, TicketHistory, TicketLine

# Needed-by times live in this window, far from datetime's limits, so zone conversions never overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# Actions whose meaning depends on the ticket's content, not only on its status.
CONTENT_SENSITIVE = frozenset({TicketAction.EDIT, TicketAction.APPROVE})
# Who may read tickets at all (nurses only their wards').
READERS = frozenset({Role.NURSE, Role.PHARMACIST, Role.ADMIN})


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION


class VersionConflict(Conflict):
    """The change was made on an older version; details['server_record'] is the ticket as it is now."""

    code = ErrorCode.VERSION_CONFLICT


@dataclass
class _Outcome:
    """What an action did, for the history, the event and the author's notification."""

    status: TicketStatus
    event: EventType
    title: str
    details: dict[str, Any] = field(default_factory=dict)
    body: str = ""


def ticket_record(ticket: RefillTicket) -> dict[str, Any]:
    """The whole ticket as JSON-able data: the `data` of a Change for Entity.TICKET and the API's answer."""
    return {
        "id": str(ticket.id),
        "ward_id": str(ticket.ward_id),
        "requested_by": str(ticket.requested_by),
        "requested_by_name": ticket.requested_by_name,
        "priority": ticket.priority,
        "needed_by": _iso(ticket.needed_by),
        "notes": ticket.notes,
        "status": ticket.status,
        "version": ticket.version,
        "has_discrepancy": ticket.has_discrepancy,
        "submitted_at": _iso(ticket.submitted_at),
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "rejection_reason": ticket.rejection_reason,
        "cancel_reason": ticket.cancel_reason,
        "lines": [
            {
                "line_id": str(line.line_id),
                "medication_code": line.medication_code,
                "quantity": line.quantity,
                "unit": line.unit,
                "approved_quantity": line.approved_quantity,
                "approval_reason": line.approval_reason,
                "dispatched_quantity": line.dispatched_quantity,
                "received_quantity": line.received_quantity,
                "discrepancy_note": line.discrepancy_note,
                "remainder_cancelled": line.remainder_cancelled,
            }
            for line in ticket.lines
        ],
        "history": [
            {
                "at": _iso(entry.at),
                "actor_id": str(entry.actor_id) if entry.actor_id else None,
                "actor_name": entry.actor_name,
                "actor_role": entry.actor_role,
                "action": entry.action,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "version": entry.version,
            }
            for entry in ticket.history
        ],
    }


class TicketService:
    """Refill ticket actions for one signed-in person, in the caller's transaction (only flushes)."""

    def __init__(self, session: Session, *, actor: Actor, client: ClientInfo) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        # Formulary items already read by this service (a push checks hundreds of lines against few).
        self._formulary: dict[str, Medication] = {}

    # --- reading ---------------------------------------------------------------------------------

    def get(self, ticket_id: uuid.UUID) -> RefillTicket:
        """One ticket. Raises PermissionDenied (role, or a nurse and another ward's ticket), NotFound."""
        self._require_reader()
        ticket = repository.ticket(self.session, ticket_id)
        if ticket is None:
            raise NotFound("No such refill ticket.")
        self._check_ward(ticket.ward_id)
        return ticket

    def search(
        self,
        *,
        statuses: list[TicketStatus] | None = None,
        priority: str | None = None,
        ward_id: uuid.UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RefillTicket]:
        """Tickets the caller may see: a nurse her wards', the pharmacy and admins all of them.

        Raises PermissionDenied for other roles, or for a nurse asking for another ward."""
        self._require_reader()
        ward_ids: frozenset[uuid.UUID] | None = None
        if self.actor.role is Role.NURSE:
            ward_ids = self.actor.ward_ids
            if ward_id is not None:
                self._check_ward(ward_id)
        return repository.list_tickets(
            self.session,
            ward_ids=ward_ids,
            statuses=[s.value for s in statuses] if statuses else None,
            priority=priority,
            ward_id=ward_id,
            pharmacy_order=self.actor.role is Role.PHARMACIST,
            limit=limit,
            offset=offset,
        )

    # --- acting ----------------------------------------------------------------------------------

    def apply(
        self, action: TicketAction, ticket_id: uuid.UUID, *, base_version: int | None, payload: dict[str, Any]
    ) -> RefillTicket:
        """Validate payload with shared.tickets.PAYLOADS[action], check role, ward scope and
        transition, apply, bump version, write history + outbox event ticket.<action> + the author's
        notification + feed changes, audit. Raises: Invalid (422, bad payload), PermissionDenied
        (403), NotFound (404), InvalidTransition (409, code invalid_transition),
        VersionConflict (409, code version_conflict, details={'server_record': ticket_record(t)}).
        Submitting an id that exists with the same content returns it unchanged (idempotent);
        with different content it raises Conflict."""
        if self.actor.role not in TRANSITIONS[action].roles:
            # check_transition looks at the role before the status, so any status gives its refusal.
            self._transition(action, TicketStatus.DRAFT)
        command = _parse(action, payload)
        if isinstance(command, SubmitTicket):
            return self._submit(ticket_id, command)

        ticket = repository.ticket(self.session, ticket_id, for_update=True)
        if ticket is None:
            raise NotFound("No such refill ticket.", details={"ticket_id": str(ticket_id)})
        self._check_ward(ticket.ward_id)
        target = self._transition(action, TicketStatus(ticket.status))
        if action in CONTENT_SENSITIVE and base_version is not None and base_version != ticket.version:
            raise VersionConflict(
                f"This ticket changed since you opened it (your version {base_version}, now "
                f"{ticket.version}); review the current ticket and try again.",
                details={"server_record": ticket_record(ticket)},
            )
        outcome = self._carry_out(ticket, command, target)
        self._applied(ticket, action, from_status=TicketStatus(ticket.status), outcome=outcome)
        return ticket

    def _carry_out(self, ticket: RefillTicket, command: BaseModel, target: TicketStatus) -> _Outcome:
        if isinstance(command, EditTicket):
            return self._edit(ticket, command)
        if isinstance(command, CancelTicket):
            ticket.cancel_reason = command.reason
            return _Outcome(
                target,
                EventType.TICKET_CANCELLED,
                "Refill ticket cancelled",
                {"reason": command.reason},
                body=command.reason,
            )
        if isinstance(command, ApproveTicket):
            return self._approve(ticket, command, target)
        if isinstance(command, RejectTicket):
            ticket.rejection_reason = command.reason
            return _Outcome(
                target,
                EventType.TICKET_REJECTED,
                "Refill ticket rejected",
                {"reason": command.reason},
                body=command.reason,
            )
        if isinstance(command, DispatchTicket):
            return self._dispatch(ticket, command)
        if isinstance(command, ReceiveTicket):
            return self._receive(ticket, command, target)
        if isinstance(command, CloseTicket):
            return _Outcome(target, EventType.TICKET_CLOSED, "Refill ticket closed", {"note": command.note})
        # START_PREPARATION: only the status moves.
        return _Outcome(
            target, EventType.TICKET_PREPARATION_STARTED, "The pharmacy is preparing your refill ticket"
        )

    def _submit(self, ticket_id: uuid.UUID, command: SubmitTicket) -> RefillTicket:
        if command.ward_id not in self.actor.ward_ids:
            raise PermissionDenied("You can raise refill tickets only for your own wards.")
        submission = command.model_dump(mode="json")
        existing = repository.ticket(self.session, ticket_id, for_update=True)
        if existing is not None:
            # A resent submission (a lost answer) finds the ticket it created: same answer, no new effects.
            first = existing.history[0].details.get("submission") if existing.history else None
            if first == submission and existing.requested_by == self.actor.user_id:
                return existing
            raise Conflict(
                "A different refill ticket already has this id.", details={"ticket_id": str(ticket_id)}
            )
        ticket = self._new_ticket(ticket_id, command)
        self.session.add(ticket)
        outcome = _Outcome(TicketStatus.SUBMITTED, EventType.TICKET_SUBMITTED, "", {"submission": submission})
        self._applied(ticket, TicketAction.SUBMIT, from_status=TicketStatus.DRAFT, outcome=outcome)
        return ticket

    def _new_ticket(self, ticket_id: uuid.UUID, command: SubmitTicket) -> RefillTicket:
        """The ticket a submission makes, at version 0 (`_applied` bumps it), not yet in the session.
        Raises Invalid for a needed-by time out of range or a line the formulary refuses."""
        _check_needed_by(command.needed_by)
        self._check_formulary(command.lines)
        now = datetime.now(UTC)
        return RefillTicket(
            id=ticket_id,
            ward_id=command.ward_id,
            requested_by=self.actor.user_id,
            requested_by_name=self.actor.full_name,
            priority=command.priority.value,
            needed_by=command.needed_by,
            notes=command.notes,
            status=TicketStatus.SUBMITTED.value,
            version=0,  # _applied bumps it to 1
            has_discrepancy=False,
            submitted_at=now,
            created_at=now,
            updated_at=now,
            lines=[_new_line(ticket_id, position, line) for position, line in enumerate(command.lines)],
            history=[],
        )

    def submit_new(self, submissions: Sequence[tuple[uuid.UUID, dict[str, Any]]]) -> None:
        """Submit many tickets with ids no ticket has (the offline burst), all or nothing: the same checks
        and effects as `apply` with SUBMIT for each, but written with one INSERT per table.

        The caller has checked, in this transaction, that none of the ids exists. Raises the first refusal
        `apply` would raise (nothing is written then), IntegrityError when a ticket with one of these ids
        was made meanwhile (or two submissions share an id). Each ticket is at version 1 afterwards; the
        feed changes are recorded with `record_change`, so a caller's `deferred_changes` batches them.
        """
        if self.actor.role not in TRANSITIONS[TicketAction.SUBMIT].roles:
            self._transition(TicketAction.SUBMIT, TicketStatus.DRAFT)
        tickets: list[RefillTicket] = []
        outcomes: list[_Outcome] = []
        for ticket_id, payload in submissions:
            command = _parse(TicketAction.SUBMIT, payload)
            assert isinstance(command, SubmitTicket)
            if command.ward_id not in self.actor.ward_ids:
                raise PermissionDenied("You can raise refill tickets only for your own wards.")
            submission = command.model_dump(mode="json")
            ticket = self._new_ticket(ticket_id, command)
            tickets.append(ticket)
            outcomes.append(
                _Outcome(TicketStatus.SUBMITTED, EventType.TICKET_SUBMITTED, "", {"submission": submission})
            )
        # Every check passed: the effects, in order, as rows.
        records: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for ticket, outcome in zip(tickets, outcomes, strict=True):
            record = self._advance(
                ticket, TicketAction.SUBMIT, from_status=TicketStatus.DRAFT, outcome=outcome
            )
            records.append(record)
            events.append(message_row(**self._event(ticket, TicketAction.SUBMIT, record, outcome)))
            audits.append(
                audit.entry_row(**self._audit(ticket, TicketAction.SUBMIT, TicketStatus.DRAFT, outcome))
            )
        repository.insert_new_tickets(self.session, tickets)
        emit_rows(self.session, events)
        audit.record_rows(self.session, audits)
        for ticket, record in zip(tickets, records, strict=True):
            self._record_change(ticket, record)

    def _edit(self, ticket: RefillTicket, command: EditTicket) -> _Outcome:
        changed = sorted(command.model_fields_set)
        # Every check first, so that a refused edit leaves nothing half-changed in the session.
        _check_needed_by(command.needed_by)
        if command.lines is not None:
            _check_distinct(command.lines)
            self._check_formulary(command.lines)
        if command.priority is not None:
            ticket.priority = command.priority.value
        if "needed_by" in command.model_fields_set:  # present and null clears it
            ticket.needed_by = command.needed_by
        if command.notes is not None:
            ticket.notes = command.notes
        if command.lines is not None:
            kept = {line.line_id: line for line in ticket.lines}
            new_lines = []
            for position, line in enumerate(command.lines):
                row = kept.get(line.line_id)
                if row is None:
                    row = _new_line(ticket.id, position, line)
                else:
                    row.position = position
                    row.medication_code, row.quantity = line.medication_code, line.quantity
                    row.unit = line.unit.value
                new_lines.append(row)
            ticket.lines = new_lines
        return _Outcome(
            TicketStatus.SUBMITTED,
            EventType.TICKET_EDITED,
            "Refill ticket edited",
            {"changed": changed},
            body=f"Changed: {', '.join(changed)}." if changed else "",
        )

    def _approve(self, ticket: RefillTicket, command: ApproveTicket, target: TicketStatus) -> _Outcome:
        by_id = _lines_by_id(ticket, [line.line_id for line in command.lines], every_line=True)
        approved = []
        for decision in command.lines:
            line = by_id[decision.line_id]
            if decision.approved_quantity > line.quantity:
                raise Invalid(
                    f"Line {line.medication_code}: {decision.approved_quantity} approved but only "
                    f"{line.quantity} requested.",
                    details={"line_id": str(line.line_id)},
                )
            if decision.approved_quantity < line.quantity and not decision.reason:
                raise Invalid(
                    f"Line {line.medication_code}: say why less than requested is approved.",
                    details={"line_id": str(line.line_id)},
                )
            approved.append((line, decision))
        if all(decision.approved_quantity == 0 for _, decision in approved):
            raise Invalid("Nothing is approved; reject the ticket instead, with the reason.")
        for line, decision in approved:
            line.approved_quantity = decision.approved_quantity
            line.approval_reason = decision.reason or None
        in_full = sum(1 for line in ticket.lines if line.approved_quantity == line.quantity)
        total = len(ticket.lines)
        title = (
            "Refill ticket approved in full"
            if in_full == total
            else f"Refill ticket approved ({in_full} of {total} lines in full)"
        )
        details = {
            "note": command.note,
            "lines": [
                {
                    "line_id": str(line.line_id),
                    "medication_code": line.medication_code,
                    "requested": line.quantity,
                    "approved": line.approved_quantity,
                    "reason": line.approval_reason,
                }
                for line in ticket.lines
            ],
        }
        reduced = [
            f"{line.medication_code}: {line.approved_quantity} of {line.quantity} ({line.approval_reason})"
            for line in ticket.lines
            if line.approved_quantity != line.quantity
        ]
        return _Outcome(target, EventType.TICKET_APPROVED, title, details, body="; ".join(reduced))

    def _dispatch(self, ticket: RefillTicket, command: DispatchTicket) -> _Outcome:
        by_id = _lines_by_id(ticket, [line.line_id for line in command.lines], every_line=False)
        sending = {decision.line_id: decision.dispatched_quantity for decision in command.lines}
        for line_id, quantity in sending.items():
            line = by_id[line_id]
            approved = line.approved_quantity or 0
            if line.dispatched_quantity + quantity > approved:
                raise Invalid(
                    f"Line {line.medication_code}: sending {quantity} would make "
                    f"{line.dispatched_quantity + quantity} in all, but {approved} were approved.",
                    details={"line_id": str(line_id)},
                )
        sent_now = sum(sending.values())
        outstanding = sum(
            (line.approved_quantity or 0) - line.dispatched_quantity - sending.get(line.line_id, 0)
            for line in ticket.lines
        )
        keep_open = command.remainder == "keep_open" and outstanding > 0
        if keep_open and sent_now == 0:
            raise Invalid("This dispatch sends nothing; enter what is sent now, or cancel the remainder.")
        for line in ticket.lines:
            line.dispatched_quantity += sending.get(line.line_id, 0)
            if not keep_open and line.dispatched_quantity < (line.approved_quantity or 0):
                line.remainder_cancelled = True
        details = {
            "note": command.note,
            "remainder": command.remainder,
            "sent": {str(line_id): quantity for line_id, quantity in sending.items()},
            "outstanding": outstanding,
        }
        if keep_open:
            return _Outcome(
                TicketStatus.IN_PREPARATION,
                EventType.TICKET_PARTIALLY_DISPATCHED,
                f"Part of your refill ticket is on its way ({sent_now} units; {outstanding} to follow)",
                details,
            )
        title = "Refill ticket dispatched"
        if outstanding > 0:
            title += f" ({outstanding} units not supplied)"
        return _Outcome(TicketStatus.DISPATCHED, EventType.TICKET_DISPATCHED, title, details)

    def _receive(self, ticket: RefillTicket, command: ReceiveTicket, target: TicketStatus) -> _Outcome:
        _lines_by_id(ticket, [line.line_id for line in command.lines], every_line=False)
        reports = {report.line_id: report for report in command.lines}
        # A line nothing was sent for may be left out: nothing arrived.
        missing = [
            line.medication_code
            for line in ticket.lines
            if line.dispatched_quantity and line.line_id not in reports
        ]
        if missing:
            raise Invalid(
                f"Say how much arrived of every dispatched line; missing: {', '.join(missing)}.",
                details={"missing": missing},
            )
        discrepancies = []
        for line in ticket.lines:
            report = reports.get(line.line_id)
            line.received_quantity = report.received_quantity if report else 0
            if line.received_quantity != line.dispatched_quantity:
                line.discrepancy_note = (report.note if report else "") or (
                    f"received {line.received_quantity} of {line.dispatched_quantity} dispatched"
                )
                discrepancies.append(
                    {
                        "line_id": str(line.line_id),
                        "medication_code": line.medication_code,
                        "dispatched": line.dispatched_quantity,
                        "received": line.received_quantity,
                        "note": line.discrepancy_note,
                    }
                )
        ticket.has_discrepancy = bool(discrepancies)
        if discrepancies:
            summary = "; ".join(f"{d['medication_code']}: {d['note']}" for d in discrepancies)
            for pharmacist in repository.active_pharmacists(self.session):
                notify(
                    self.session,
                    user_id=pharmacist,
                    kind="ticket.discrepancy",
                    title=f"Discrepancy reported on a refill ticket ({len(discrepancies)} lines)",
                    body=f"Reported by {self.actor.full_name}: {summary}",
                    entity=Entity.TICKET,
                    entity_id=ticket.id,
                )
        title = "Refill ticket received" + (" with discrepancies" if discrepancies else "")
        return _Outcome(target, EventType.TICKET_RECEIVED, title, {"discrepancies": discrepancies})

    # --- the effects every action shares ---------------------------------------------------------

    def _applied(
        self, ticket: RefillTicket, action: TicketAction, *, from_status: TicketStatus, outcome: _Outcome
    ) -> None:
        record = self._advance(ticket, action, from_status=from_status, outcome=outcome)
        emit(self.session, **self._event(ticket, action, record, outcome))
        audit.record(self.session, **self._audit(ticket, action, from_status, outcome))
        self._record_change(ticket, record)
        if self.actor.user_id != ticket.requested_by:
            who = f"By {self.actor.full_name} ({self.actor.role.value})."
            notify(
                self.session,
                user_id=ticket.requested_by,
                kind=outcome.event.value,
                title=outcome.title,
                body=f"{who} {outcome.body}".strip(),
                entity=Entity.TICKET,
                entity_id=ticket.id,
            )

    def _advance(
        self, ticket: RefillTicket, action: TicketAction, *, from_status: TicketStatus, outcome: _Outcome
    ) -> dict[str, Any]:
        """Move the ticket to the outcome's status and next version with its history row; its record."""
        now = datetime.now(UTC)
        ticket.status = outcome.status.value
        ticket.version += 1
        ticket.updated_at = now
        ticket.history.append(
            TicketHistory(
                ticket_id=ticket.id,
                at=now,
                actor_id=self.actor.user_id,
                actor_name=self.actor.full_name,
                actor_role=self.actor.role.value,
                action=action.value,
                from_status=from_status.value,
                to_status=outcome.status.value,
                version=ticket.version,
                details=outcome.details,
            )
        )
        return ticket_record(ticket)

    def _event(
        self, ticket: RefillTicket, action: TicketAction, record: dict[str, Any], outcome: _Outcome
    ) -> dict[str, Any]:
        """The outbox event of an applied action (`emit`'s keyword arguments)."""
        return {
            "event_type": outcome.event.value,
            "aggregate_type": "ticket",
            "aggregate_id": ticket.id,
            "payload": {
                "ticket": record,
                "action": action.value,
                "actor": {
                    "id": str(self.actor.user_id),
                    "name": self.actor.full_name,
                    "role": self.actor.role.value,
                },
                "details": outcome.details,
            },
        }

    def _audit(
        self, ticket: RefillTicket, action: TicketAction, from_status: TicketStatus, outcome: _Outcome
    ) -> dict[str, Any]:
        """The audit entry of an applied action (`audit.record`'s keyword arguments)."""
        return {
            "actor": self.actor,
            "client": self.client,
            "action": f"ticket.{action.value}",
            "entity": "ticket",
            "entity_id": ticket.id,
            "details": {"from": from_status.value, "to": outcome.status.value, "version": ticket.version},
        }

    def _record_change(self, ticket: RefillTicket, record: dict[str, Any]) -> None:
        record_change(
            self.session,
            entity=Entity.TICKET,
            entity_id=ticket.id,
            version=ticket.version,
            scopes=ticket_scopes(ticket.ward_id),  # its ward's and the pharmacy's: the server holds no drafts
            data=record,
        )

    # --- checks ------------------------------------------------------------------------------------

    def _require_reader(self) -> None:
        if self.actor.role not in READERS:
            raise PermissionDenied(f"A {self.actor.role.value} cannot see refill tickets.")

    def _check_ward(self, ward_id: uuid.UUID) -> None:
        if self.actor.role is Role.NURSE and ward_id not in self.actor.ward_ids:
            raise PermissionDenied("This refill ticket belongs to a ward you do not work on.")

    def _transition(self, action: TicketAction, status: TicketStatus) -> TicketStatus:
        try:
            return check_transition(action, status=status, role=self.actor.role)
        except TransitionRefused as refused:
            if refused.code == "permission_denied":
                raise PermissionDenied(refused.reason) from None
            raise InvalidTransition(
                refused.reason, details={"status": status.value, "action": action.value}
            ) from None

    def _check_formulary(self, lines: list[TicketLineIn]) -> None:
        unknown = {line.medication_code for line in lines} - self._formulary.keys()
        if unknown:
            self._formulary.update(repository.medications(self.session, unknown))
        formulary = self._formulary
        for number, line in enumerate(lines, start=1):
            item = formulary.get(line.medication_code)
            code = line.medication_code
            where = {"line": number, "line_id": str(line.line_id), "medication_code": code}
            if item is None:
                raise Invalid(f"Line {number}: {code} is not in the formulary.", details=where)
            if not item.active:
                raise Invalid(f"Line {number}: {code} ({item.name}) is no longer stocked.", details=where)
            if item.unit != line.unit:
                raise Invalid(
                    f"Line {number}: {item.name} is dispensed by the {item.unit.value}, not by the "
                    f"{line.unit.value}.",
                    details=where,
                )


def _check_needed_by(value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("needed_by must include a time zone.", details={"field": "needed_by"})
    if not EARLIEST <= value <= LATEST:
        raise Invalid("needed_by must be between 2000 and 2100.", details={"field": "needed_by"})


def _parse(action: TicketAction, payload: dict[str, Any]) -> BaseModel:
    """The payload as its shared model. Raises Invalid naming the first problem."""
    # PostgreSQL cannot store a NUL character; refusing it here keeps it from failing the transaction.
    if _has_nul(payload):
        raise Invalid("The request contains a NUL character.")
    try:
        return PAYLOADS[action].model_validate(payload)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()[:20]
        ]
        first = problems[0]
        where = f"{first['field']}: " if first["field"] else ""
        raise Invalid(
            f"The {action.value.replace('_', ' ')} request is not valid: {where}{first['problem']}",
            details={"problems": problems},
        ) from None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _check_distinct(lines: list[TicketLineIn]) -> None:
    if len({line.line_id for line in lines}) != len(lines):
        raise Invalid("Each line needs its own line_id.")
    if len({line.medication_code for line in lines}) != len(lines):
        raise Invalid("A medication appears on two lines; put the whole quantity on one line.")


def _lines_by_id(
    ticket: RefillTicket, line_ids: list[uuid.UUID], *, every_line: bool
) -> dict[uuid.UUID, TicketLine]:
    """The ticket's lines by id. Raises Invalid for an unknown or repeated line (or, with every_line, a
    line left out)."""
    by_id = {line.line_id: line for line in ticket.lines}
    if len(set(line_ids)) != len(line_ids):
        raise Invalid("A line is listed twice.")
    unknown = [str(line_id) for line_id in line_ids if line_id not in by_id]
    if unknown:
        raise Invalid(f"This ticket has no line {unknown[0]}.", details={"line_ids": unknown})
    if every_line and len(line_ids) != len(by_id):
        left_out = [line.medication_code for line in ticket.lines if line.line_id not in set(line_ids)]
        raise Invalid(f"Decide on every line; missing: {', '.join(left_out)}.", details={"missing": left_out})
    return by_id


def _new_line(ticket_id: uuid.UUID, position: int, line: TicketLineIn) -> TicketLine:
    return TicketLine(
        ticket_id=ticket_id,
        line_id=line.line_id,
        position=position,
        medication_code=line.medication_code,
        quantity=line.quantity,
        unit=line.unit.value,
        dispatched_quantity=0,
        remainder_cancelled=False,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
