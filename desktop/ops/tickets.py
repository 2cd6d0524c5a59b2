"""Refill tickets for the desktop screens: what they show and what they do, without widgets.

- Lists: `TicketIndex` keeps every cached ticket's filter and sort keys in memory (read from one covering
  index of the cache) and answers a filter in one pass over a list sorted once per order, so a list of
  50,000 tickets re-filters in milliseconds. The rows themselves are read lazily, a page at a time
  (`ticket_rows`), like Anki's browser.
- A ticket: `load_ticket` gives its lines, its timeline (the server's history plus this workstation's
  changes still on their way) and what the signed-in person may do with it now.
- Editing: `check_line`/`check_draft` validate as the nurse types, with the shared rules; drafts stay in
  the cache until `submit_draft` queues them.
- Actions: thin, checked wrappers over desktop.store's mutations. (The conflict and rejection inbox lives
  in desktop.ops.inbox, notifications in desktop.ops.notifications.)

Everything here that touches the store blocks: run it through `desktop.ops.background.Op` on the store
worker. The functions raise what the store raises (StorageUnavailable, NotFound) and what the shared
rules raise (TransitionRefused, pydantic.ValidationError), as their docstrings say.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import compress
from operator import and_
from typing import Any

from desktop.store import CachedRecord, LocalStore, OutboxEntry, TicketKey
from desktop.store.mutations import queue_ticket_action, queue_ticket_submit
from shared.protocol import Entity
from shared.roles import Role
from shared.rules import DispensingUnit, check_medication_code
from shared.tickets import (
    MAX_LINES,
    MAX_QUANTITY,
    PRIORITY_RANK,
    TERMINAL,
    Priority,
    SubmitTicket,
    TicketAction,
    TicketStatus,
    allowed_actions,
)

PHARMACY_QUEUE = frozenset({TicketStatus.SUBMITTED, TicketStatus.APPROVED, TicketStatus.IN_PREPARATION})
OPEN = frozenset(s for s in TicketStatus if s not in TERMINAL and s is not TicketStatus.DRAFT)
_STATUS_RANK = {status.value: rank for rank, status in enumerate(TicketStatus)}
_NO_RANK = len(PRIORITY_RANK)
_RANK = {priority.value: rank for priority, rank in PRIORITY_RANK.items()}
_LAST = "\uffff"  # sorts after every time text: "no needed-by time" comes last


def utc_text(value: datetime) -> str:
    """An aware datetime in the cache's text form (naive UTC, microseconds), which sorts like instants."""
    if value.tzinfo is None:
        raise ValueError("ticket filters take time-zone-aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# ---- lists ----


class TicketOrder(StrEnum):
    PRIORITY = "priority"  # stat first, then the earliest needed-by (the pharmacy's queue order)
    NEEDED_BY = "needed_by"
    SUBMITTED_AT = "submitted_at"
    STATUS = "status"  # in the order a ticket moves through its life
    WARD = "ward"


@dataclass(frozen=True)
class TicketFilter:
    """What a list shows; None means "any". Times are aware datetimes (bounds: from <= t < before)."""

    statuses: frozenset[str] | None = None
    priorities: frozenset[str] | None = None
    ward_ids: frozenset[str] | None = None
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None


def _sort_key(order: TicketOrder) -> Any:
    # Keys are tuples of plain str/int so one sort of 50,000 keys stays in the tens of milliseconds.
    if order is TicketOrder.PRIORITY:
        return lambda k: (_RANK.get(k[3], _NO_RANK), k[4] or _LAST, k[5] or "", k[0])
    if order is TicketOrder.NEEDED_BY:
        return lambda k: (k[4] or _LAST, _RANK.get(k[3], _NO_RANK), k[0])
    if order is TicketOrder.SUBMITTED_AT:
        return lambda k: (k[5] or "", k[0])
    if order is TicketOrder.STATUS:
        return lambda k: (_STATUS_RANK.get(k[2], 99), _RANK.get(k[3], _NO_RANK), k[4] or _LAST, k[0])
    return lambda k: (k[1] or "", _RANK.get(k[3], _NO_RANK), k[4] or _LAST, k[0])


class TicketIndex:
    """The filter and sort keys of every cached ticket, in memory; not thread-safe (the UI thread owns it).

    Each order's sorted list is built on first use and kept until the keys change.
    """

    def __init__(self, keys: Iterable[TicketKey] = ()) -> None:
        self._keys: dict[str, TicketKey] = {}
        self._sorted: dict[TicketOrder, _Columns] = {}
        self._ward_names: Mapping[str, str] = {}
        self.replace(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, ticket_id: object) -> bool:
        return str(ticket_id) in self._keys

    def replace(self, keys: Iterable[TicketKey]) -> None:
        """Every key at once (after a sync brought changes)."""
        self._keys = {key.id: key for key in keys}
        self._sorted = {}

    def upsert(self, key: TicketKey) -> None:
        """One ticket changed (a local action): only the sorted lists are dropped."""
        if self._keys.get(key.id) != key:
            self._keys[key.id] = key
            self._sorted = {}

    def update(self, keys: Iterable[TicketKey], *, gone: Iterable[str] = ()) -> bool:
        """Some tickets changed (a pulled page, a local action): their keys replace the old ones and the
        `gone` ones leave. True when anything the lists sort or filter on moved."""
        moved = False
        for ticket_id in gone:
            moved = self._keys.pop(ticket_id, None) is not None or moved
        for key in keys:
            if self._keys.get(key.id) != key:
                self._keys[key.id] = key
                moved = True
        if moved:
            self._sorted = {}
        return moved

    def set_ward_names(self, names: Mapping[str, str]) -> None:
        """Ward names, so "sort by ward" sorts by what people read rather than by id."""
        self._ward_names = dict(names)
        self._sorted.pop(TicketOrder.WARD, None)

    def _by(self, order: TicketOrder) -> _Columns:
        columns = self._sorted.get(order)
        if columns is None:
            if order is TicketOrder.WARD:
                names = self._ward_names
                rank = _RANK
                rows = sorted(
                    self._keys.values(),
                    key=lambda k: (names.get(k[1] or "", ""), rank.get(k[3], _NO_RANK), k[4] or _LAST, k[0]),
                )
            else:
                rows = sorted(self._keys.values(), key=_sort_key(order))
            columns = _Columns(rows)
            self._sorted[order] = columns
        return columns

    def select(
        self, where: TicketFilter, *, order: TicketOrder = TicketOrder.PRIORITY, descending: bool = False
    ) -> list[str]:
        """The ids of the matching tickets, in `order` (reversed when `descending`)."""
        columns = self._by(order)
        # Column by column, one membership test per ticket: a few milliseconds for 50,000 tickets.
        mask: list[bool] | None = None
        for values, wanted in (
            (columns.statuses, where.statuses),
            (columns.priorities, where.priorities),
            (columns.wards, where.ward_ids),
        ):
            if wanted is not None:
                found = [value in wanted for value in values]
                mask = found if mask is None else list(map(and_, mask, found))
        if where.submitted_from is not None:
            low = utc_text(where.submitted_from)
            found = [value >= low for value in columns.submitted]
            mask = found if mask is None else list(map(and_, mask, found))
        if where.submitted_before is not None:
            high = utc_text(where.submitted_before)
            found = [bool(value) and value < high for value in columns.submitted]
            mask = found if mask is None else list(map(and_, mask, found))
        ids = list(columns.ids) if mask is None else list(compress(columns.ids, mask))
        if descending:
            ids.reverse()
        return ids


class _Columns:
    """One order of the index, stored column-wise so each filter is one tight pass over one list."""

    __slots__ = ("ids", "priorities", "statuses", "submitted", "wards")

    def __init__(self, rows: Sequence[TicketKey]) -> None:
        self.ids = [k[0] for k in rows]
        self.wards = [k[1] for k in rows]
        self.statuses = [k[2] for k in rows]
        self.priorities = [k[3] for k in rows]
        self.submitted = [k[5] or "" for k in rows]  # "" (never submitted) is before every bound


def load_ticket_keys(store: LocalStore, *, ward_ids: Iterable[uuid.UUID] | None = None) -> list[TicketKey]:
    """Every ticket's keys (of `ward_ids`, for a nurse). Blocking; raises StorageUnavailable."""
    return store.ticket_keys(ward_ids=ward_ids)


def changed_ticket_keys(
    store: LocalStore, ids: Iterable[str], *, ward_ids: Iterable[uuid.UUID] | None = None
) -> tuple[list[TicketKey], list[str]]:
    """The keys of these tickets as they are now (of `ward_ids`, for a nurse), and the ids no longer to
    list (deleted, or gone from her wards). Blocking; raises StorageUnavailable."""
    wanted = set(ids)
    wards = None if ward_ids is None else {str(ward) for ward in ward_ids}
    keys = [key_of(record) for record in store.tickets_by_ids(wanted)]
    kept = [key for key in keys if wards is None or key.ward_id in wards]
    return kept, sorted(wanted - {key.id for key in kept})


def key_of(record: CachedRecord) -> TicketKey:
    """The list keys of one cached ticket, exactly as LocalStore.ticket_keys would give them."""
    data = record.data
    needed_by = _parse_time(data.get("needed_by"))
    submitted_at = _parse_time(data.get("submitted_at"))
    return TicketKey(
        id=str(record.id),
        ward_id=str(data["ward_id"]) if data.get("ward_id") else None,
        status=data.get("status"),
        priority=data.get("priority"),
        needed_by=utc_text(needed_by) if needed_by else None,
        submitted_at=utc_text(submitted_at) if submitted_at else None,
    )


@dataclass(frozen=True, slots=True)
class LineSummary:
    medication_code: str
    quantity: int
    unit: str


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One line of a ticket list."""

    id: uuid.UUID
    ward_id: str
    status: TicketStatus
    priority: Priority
    needed_by: datetime | None
    submitted_at: datetime | None
    requested_by_name: str
    lines: tuple[LineSummary, ...]
    pending: bool  # a change made here has not been settled by the server yet
    has_discrepancy: bool
    version: int | None


def row_of(record: CachedRecord) -> TicketRow:
    data = record.data
    return TicketRow(
        id=record.id,
        ward_id=str(data.get("ward_id") or ""),
        status=TicketStatus(data.get("status", TicketStatus.SUBMITTED)),
        priority=Priority(data.get("priority", Priority.ROUTINE)),
        needed_by=_parse_time(data.get("needed_by")),
        submitted_at=_parse_time(data.get("submitted_at")),
        requested_by_name=str(data.get("requested_by_name") or ""),
        lines=tuple(
            LineSummary(str(ln.get("medication_code")), int(ln.get("quantity") or 0), str(ln.get("unit")))
            for ln in data.get("lines", [])
        ),
        pending=record.pending,
        has_discrepancy=bool(data.get("has_discrepancy")),
        version=record.version,
    )


def ticket_rows(store: LocalStore, ids: Sequence[str]) -> dict[str, TicketRow]:
    """The rows of these tickets (a page of a list), by id; ids no longer cached are left out. Blocking."""
    return {str(record.id): row_of(record) for record in store.tickets_by_ids(ids)}


# ---- reference data ----


@dataclass(frozen=True, slots=True)
class FormularyItem:
    code: str
    name: str
    strength: str
    form: str
    unit: DispensingUnit | None
    active: bool

    @property
    def label(self) -> str:
        """What the type-ahead shows and matches: "Amoxicillin 500 mg (AMOX500)"."""
        strength = f" {self.strength}" if self.strength else ""
        return f"{self.name}{strength} ({self.code})"


def formulary(store: LocalStore) -> list[FormularyItem]:
    """The cached formulary, stocked items first, by name. Blocking."""
    items = []
    for record in store.records(Entity.MEDICATION):
        data = record.data
        try:
            unit: DispensingUnit | None = DispensingUnit(str(data.get("unit")))
        except ValueError:
            unit = None
        items.append(
            FormularyItem(
                code=str(data.get("code", "")).upper(),
                name=str(data.get("name", "")),
                strength=str(data.get("strength") or ""),
                form=str(data.get("form") or ""),
                unit=unit,
                active=bool(data.get("active", True)),
            )
        )
    return sorted(items, key=lambda item: (not item.active, item.name.casefold(), item.code))


def ward_names(store: LocalStore) -> dict[str, str]:
    """Ward id (text) -> "W3 · Ward 3 - Internal Medicine". Blocking."""
    names = {}
    for record in store.records(Entity.WARD):
        code, name = record.data.get("code"), record.data.get("name")
        names[str(record.id)] = f"{code} · {name}" if code and name else str(name or code or record.id)
    return names


# ---- one ticket ----


@dataclass(frozen=True)
class TimelineEntry:
    """A status change: the server's history, or a change of this workstation still on its way."""

    at: datetime | None
    actor_name: str
    actor_role: str
    action: str
    from_status: str | None
    to_status: str | None
    local_state: str | None = None  # None: on the server; queued / sent / rejected / conflict: here only
    reason: str | None = None


@dataclass(frozen=True)
class TicketLine:
    line_id: str
    medication_code: str
    medication_name: str
    quantity: int
    unit: str
    approved_quantity: int | None
    approval_reason: str | None
    dispatched_quantity: int
    received_quantity: int | None
    discrepancy_note: str | None
    remainder_cancelled: bool

    @property
    def outstanding(self) -> int:
        """Approved but not yet dispatched (what a further dispatch may still send)."""
        if self.remainder_cancelled:
            return 0
        return max(0, (self.approved_quantity or 0) - self.dispatched_quantity)


@dataclass(frozen=True)
class TicketDetail:
    id: uuid.UUID
    version: int | None
    pending: bool
    data: dict[str, Any]
    status: TicketStatus
    priority: Priority
    lines: tuple[TicketLine, ...]
    timeline: tuple[TimelineEntry, ...]
    changes: tuple[OutboxEntry, ...]  # this ticket's changes made here that are not applied yet
    actions: tuple[TicketAction, ...]  # what the signed-in person may do now

    @property
    def can_cancel(self) -> bool:
        return TicketAction.CANCEL in self.actions

    @property
    def pharmacy_has_acted(self) -> bool:
        """The reason the cancel button is gone: the ticket is past "submitted"."""
        return self.status not in (TicketStatus.DRAFT, TicketStatus.SUBMITTED, TicketStatus.CANCELLED)


def load_ticket(
    store: LocalStore, ticket_id: uuid.UUID, *, role: Role, names: Mapping[str, str] | None = None
) -> TicketDetail | None:
    """A ticket as its detail screen shows it, or None if it is not cached. Blocking.

    `names` maps medication codes to names (from `formulary`). Raises StorageUnavailable.
    """
    record = store.record(Entity.TICKET, ticket_id)
    if record is None:
        return None
    changes = tuple(e for e in store.outbox_entries(entity_id=ticket_id) if e.state != "applied")
    return detail_of(record, changes=changes, role=role, names=names or {})


def detail_of(
    record: CachedRecord, *, changes: Sequence[OutboxEntry], role: Role, names: Mapping[str, str]
) -> TicketDetail:
    data = record.data
    status = TicketStatus(data.get("status", TicketStatus.SUBMITTED))
    lines = tuple(
        TicketLine(
            line_id=str(line["line_id"]),
            medication_code=str(line.get("medication_code", "")),
            medication_name=names.get(str(line.get("medication_code", "")), ""),
            quantity=int(line.get("quantity", 0)),
            unit=str(line.get("unit", "")),
            approved_quantity=line.get("approved_quantity"),
            approval_reason=line.get("approval_reason"),
            dispatched_quantity=int(line.get("dispatched_quantity") or 0),
            received_quantity=line.get("received_quantity"),
            discrepancy_note=line.get("discrepancy_note"),
            remainder_cancelled=bool(line.get("remainder_cancelled")),
        )
        for line in data.get("lines", [])
    )
    timeline = [
        TimelineEntry(
            at=_parse_time(entry.get("at")),
            actor_name=str(entry.get("actor_name", "")),
            actor_role=str(entry.get("actor_role", "")),
            action=str(entry.get("action", "")),
            from_status=entry.get("from_status"),
            to_status=entry.get("to_status"),
        )
        for entry in data.get("history", [])
    ]
    for change in changes:
        timeline.append(
            TimelineEntry(
                at=change.made_at,
                actor_name="",
                actor_role=role.value,
                action=change.name.value.split(".", 1)[1],
                from_status=None,
                to_status=None,
                local_state=change.state,
                reason=change.reason,
            )
        )
    return TicketDetail(
        id=record.id,
        version=record.version,
        pending=record.pending,
        data=data,
        status=status,
        priority=Priority(data.get("priority", Priority.ROUTINE)),
        lines=lines,
        timeline=tuple(timeline),
        changes=tuple(changes),
        actions=tuple(allowed_actions(status=status, role=role)),
    )


# ---- editing and validating as you type ----


class Problem(StrEnum):
    """Why a line or a draft cannot be submitted yet; the editor words each one."""

    MEDICATION_MISSING = "medication_missing"
    MEDICATION_FORMAT = "medication_format"
    NOT_IN_FORMULARY = "not_in_formulary"
    NO_LONGER_STOCKED = "no_longer_stocked"
    QUANTITY_MISSING = "quantity_missing"
    QUANTITY_NOT_A_NUMBER = "quantity_not_a_number"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    UNIT_MISSING = "unit_missing"
    UNIT_MISMATCH = "unit_mismatch"
    NO_LINES = "no_lines"
    TOO_MANY_LINES = "too_many_lines"
    DUPLICATE_MEDICATION = "duplicate_medication"
    NO_WARD = "no_ward"
    NEEDED_BY_PAST = "needed_by_past"


@dataclass(frozen=True)
class LineProblem:
    field: str  # medication_code | quantity | unit
    problem: Problem
    expected_unit: DispensingUnit | None = None


def parse_quantity(text: str) -> int | None:
    """A typed quantity as a whole number, or None when it is not one."""
    cleaned = text.strip().replace(" ", "")
    return int(cleaned) if cleaned.isdigit() else None


def check_line(
    *, medication_code: str, quantity: str, unit: str, formulary: Mapping[str, FormularyItem]
) -> list[LineProblem]:
    """Everything wrong with one typed line (empty: ready), checked as the server will check it."""
    problems: list[LineProblem] = []
    item: FormularyItem | None = None
    if not medication_code.strip():
        problems.append(LineProblem("medication_code", Problem.MEDICATION_MISSING))
    else:
        try:
            code = check_medication_code(medication_code)
        except ValueError:
            problems.append(LineProblem("medication_code", Problem.MEDICATION_FORMAT))
        else:
            item = formulary.get(code)
            if item is None:
                problems.append(LineProblem("medication_code", Problem.NOT_IN_FORMULARY))
            elif not item.active:
                problems.append(LineProblem("medication_code", Problem.NO_LONGER_STOCKED))
    if not quantity.strip():
        problems.append(LineProblem("quantity", Problem.QUANTITY_MISSING))
    else:
        amount = parse_quantity(quantity)
        if amount is None:
            problems.append(LineProblem("quantity", Problem.QUANTITY_NOT_A_NUMBER))
        elif not 1 <= amount <= MAX_QUANTITY:
            problems.append(LineProblem("quantity", Problem.QUANTITY_OUT_OF_RANGE))
    if not unit:
        problems.append(LineProblem("unit", Problem.UNIT_MISSING))
    elif item is not None and item.unit is not None and item.unit.value != unit:
        problems.append(LineProblem("unit", Problem.UNIT_MISMATCH, expected_unit=item.unit))
    return problems


@dataclass
class DraftLine:
    line_id: str
    medication_code: str = ""
    quantity: str = ""
    unit: str = ""


@dataclass
class TicketDraft:
    """What the editor holds; saved as a draft (possibly incomplete) until it is submitted."""

    ward_id: str | None = None
    priority: Priority = Priority.ROUTINE
    needed_by: datetime | None = None
    notes: str = ""
    lines: list[DraftLine] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """The draft's stored form: the SubmitTicket fields, quantities as typed when not numbers."""
        return {
            "priority": self.priority.value,
            "needed_by": self.needed_by.isoformat() if self.needed_by else None,
            "notes": self.notes,
            "lines": [
                {
                    "line_id": line.line_id,
                    "medication_code": line.medication_code.strip().upper(),
                    "quantity": parse_quantity(line.quantity) or line.quantity,
                    "unit": line.unit,
                }
                for line in self.lines
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, ward_id: str | None) -> TicketDraft:
        try:
            priority = Priority(data.get("priority") or Priority.ROUTINE)
        except ValueError:
            priority = Priority.ROUTINE
        return cls(
            ward_id=ward_id or (str(data["ward_id"]) if data.get("ward_id") else None),
            priority=priority,
            needed_by=_parse_time(data.get("needed_by")),
            notes=str(data.get("notes") or ""),
            lines=[
                DraftLine(
                    line_id=str(line.get("line_id") or uuid.uuid4()),
                    medication_code=str(line.get("medication_code") or ""),
                    quantity=str(line.get("quantity") or ""),
                    unit=str(line.get("unit") or ""),
                )
                for line in data.get("lines", [])
            ],
        )


def check_draft(
    draft: TicketDraft, *, formulary: Mapping[str, FormularyItem], now: datetime | None = None
) -> tuple[list[Problem], dict[str, list[LineProblem]]]:
    """(problems of the whole ticket, problems per line id); both empty when it can be submitted."""
    problems: list[Problem] = []
    if not draft.ward_id:
        problems.append(Problem.NO_WARD)
    if not draft.lines:
        problems.append(Problem.NO_LINES)
    if len(draft.lines) > MAX_LINES:
        problems.append(Problem.TOO_MANY_LINES)
    if draft.needed_by is not None and draft.needed_by < (now or datetime.now(UTC)):
        problems.append(Problem.NEEDED_BY_PAST)
    per_line = {
        line.line_id: check_line(
            medication_code=line.medication_code, quantity=line.quantity, unit=line.unit, formulary=formulary
        )
        for line in draft.lines
    }
    codes = [line.medication_code.strip().upper() for line in draft.lines if line.medication_code.strip()]
    if len(codes) != len(set(codes)):
        problems.append(Problem.DUPLICATE_MEDICATION)
    return problems, {line_id: found for line_id, found in per_line.items() if found}


def save_draft(store: LocalStore, draft: TicketDraft, *, draft_id: uuid.UUID | None = None) -> uuid.UUID:
    """Keep the draft on this workstation (it never leaves it until submitted). Blocking."""
    ward = uuid.UUID(draft.ward_id) if draft.ward_id else None
    return store.save_draft(data=draft.as_data(), ward_id=ward, draft_id=draft_id)


def submit_draft(store: LocalStore, draft: TicketDraft, *, draft_id: uuid.UUID) -> OutboxEntry:
    """Save the draft as it is now and queue its submission, which goes out when the network allows.

    The ticket keeps the draft's id. Raises pydantic.ValidationError (incomplete), StorageUnavailable.
    """
    data = draft.as_data()
    if draft.ward_id:
        data["ward_id"] = draft.ward_id
    SubmitTicket.model_validate(data)  # refuse before the draft is overwritten with something unsendable
    save_draft(store, draft, draft_id=draft_id)
    return queue_ticket_submit(store, draft_id=draft_id)


def drafts(store: LocalStore) -> list[tuple[uuid.UUID, TicketDraft, datetime]]:
    """This workstation's drafts, newest first: (id, draft, last saved). Blocking."""
    found = [
        (d.id, TicketDraft.from_data(d.data, ward_id=str(d.ward_id) if d.ward_id else None), d.updated_at)
        for d in store.drafts()
    ]
    return sorted(found, key=lambda item: item[2], reverse=True)


def delete_draft(store: LocalStore, draft_id: uuid.UUID) -> None:
    store.delete_draft(draft_id)


# ---- actions on a submitted ticket ----


def act(
    store: LocalStore, *, ticket_id: uuid.UUID, action: TicketAction, role: Role, payload: dict[str, Any]
) -> OutboxEntry:
    """Queue an action (approve, dispatch, receive, cancel...). Raises NotFound, TransitionRefused,
    pydantic.ValidationError, StorageUnavailable. Wake the sync engine afterwards."""
    return queue_ticket_action(store, ticket_id=ticket_id, action=action, role=role, payload=payload)


def approve_payload(decisions: Sequence[tuple[str, int, str]], *, note: str = "") -> dict[str, Any]:
    """(line id, approved quantity, reason) per line."""
    return {
        "lines": [{"line_id": i, "approved_quantity": q, "reason": r.strip()} for i, q, r in decisions],
        "note": note.strip(),
    }


def dispatch_payload(
    sending: Sequence[tuple[str, int]], *, keep_open: bool, note: str = ""
) -> dict[str, Any]:
    """(line id, quantity sent now) per line; the remainder stays open or is cancelled."""
    return {
        "lines": [{"line_id": i, "dispatched_quantity": q} for i, q in sending],
        "remainder": "keep_open" if keep_open else "cancel",
        "note": note.strip(),
    }


def receive_payload(received: Sequence[tuple[str, int, str]]) -> dict[str, Any]:
    """(line id, quantity that arrived, note) per line; a difference is a discrepancy for the pharmacy."""
    return {"lines": [{"line_id": i, "received_quantity": q, "note": n.strip()} for i, q, n in received]}
