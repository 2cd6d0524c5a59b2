"""The history's rules: who reads how much of a patient's timeline, and the doctors' notes.

Reading: the patient's carers see every entry (payments without amounts); the front desk (schedulers,
admins) sees appointments and payments only; everyone else nothing. A doctor reading through broken glass
is audited by the scope check.

Notes: a doctor writes a dated note about a patient in his care; it is never changed, only amended (a new
note naming it, with its own author, time and reason). Each is written with its outbox event in one
transaction, and the same note id sent again (a retry, a desktop syncing twice) changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from shared.events import EventType
from shared.history import HISTORY_PAGE_MAX, AddNote, AmendNote, HistoryKind, HistoryPage
from shared.privacy import CARE_ROLES, Access
from shared.roles import Role
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import AppError, Duplicate, NotFound, PermissionDenied
from sync_server.core.outbox import emit
from sync_server.history import repository
from sync_server.history.feed import DESK_KINDS
from sync_server.history.models import DoctorNote
from sync_server.history.projection import clinical_view
from sync_server.history.store import HistoryStore
from sync_server.privacy.service import OutsideCareScope, PatientScope

_SORT_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z(#[0-9a-f-]{36})?$")


class InvalidCursor(AppError):
    status_code = 422
    code = ErrorCode.INVALID_CURSOR


class HistoryService:
    """A patient's history as one person sees it at `now`."""

    def __init__(
        self, session: Session, *, actor: Actor, client: ClientInfo, now: datetime, store: HistoryStore
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.store = store
        self.scope = PatientScope(session, actor=actor, client=client, now=now)

    # -- reading -------------------------------------------------------------------------------------------

    def page(
        self,
        patient_id: uuid.UUID,
        *,
        kinds: Collection[HistoryKind] = (),
        before: str | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        """The patient's entries newest first. Raises NotFound, OutsideCareScope, PermissionDenied (the desk
        asking for clinical kinds, anyone else at all), InvalidCursor."""
        if before is not None and not _SORT_KEY.match(before):
            raise InvalidCursor("`before` is not a history position (the `next_before` of a page).")
        limit = max(1, min(limit, HISTORY_PAGE_MAX))
        if self.actor.role in CARE_ROLES:
            self.scope.require(patient_id, at_least=Access.CARE)
            page = self.store.page(self.session, patient_id, kinds=kinds, before=before, limit=limit)
            return HistoryPage(entries=[clinical_view(e) for e in page.entries], next_before=page.next_before)
        if not self.scope.sees_everyone():
            raise PermissionDenied("Only the patient's carers and the front desk read a patient's history.")
        refused = set(kinds) - DESK_KINDS
        if refused:
            raise PermissionDenied(
                "The front desk sees a patient's appointments and payments only.",
                details={"kinds": sorted(k.value for k in refused)},
            )
        self.scope.require(patient_id, at_least=Access.BOOKING)
        kinds = kinds or DESK_KINDS
        return self.store.page(self.session, patient_id, kinds=kinds, before=before, limit=limit)

    # -- notes ---------------------------------------------------------------------------------------------

    def _in_care(self, patient_id: uuid.UUID) -> None:
        """Only a doctor writes notes, and only about a patient in his care (broken glass lets him read,
        not write). Raises PermissionDenied, NotFound, OutsideCareScope."""
        if self.actor.role is not Role.DOCTOR:
            raise PermissionDenied("Only doctors write notes in a patient's history.")
        seen = self.scope.require(patient_id, at_least=Access.CARE)
        if seen.through_glass:
            raise OutsideCareScope(
                "Notes are written by the doctors caring for the patient; broken glass lets you read only.",
                details={"break_glass": False},
            )

    def add_note(self, note_id: uuid.UUID, request: AddNote) -> DoctorNote:
        """Write a note. The same note again answers the stored one; another with this id is refused
        (Duplicate). Raises PermissionDenied, NotFound, OutsideCareScope."""
        self._in_care(request.patient_id)
        existing = repository.note(self.session, note_id)
        if existing is not None:
            old = existing
            stored = (old.author_id, old.patient_id, old.noted_on, old.text, old.amends)
            sent = (self.actor.user_id, request.patient_id, request.noted_on, request.text, None)
            if stored != sent:
                raise Duplicate("Another note already has this id.", details={"note_id": str(note_id)})
            return existing
        note = DoctorNote(
            id=note_id,
            patient_id=request.patient_id,
            noted_on=request.noted_on,
            text=request.text,
            author_id=self.actor.user_id,
            author_name=self.actor.full_name,
            written_at=self.now,
        )
        return self._written(note, EventType.NOTE_ADDED)

    def amend_note(self, amendment_id: uuid.UUID, note_id: uuid.UUID, request: AmendNote) -> DoctorNote:
        """Amend a note: the original stays, the amendment is a new note naming it. The same amendment
        again answers the stored one. Raises NotFound, PermissionDenied, OutsideCareScope, Duplicate."""
        if self.actor.role is not Role.DOCTOR:
            raise PermissionDenied("Only doctors amend notes in a patient's history.")
        original = repository.note(self.session, note_id)
        if original is None:
            raise NotFound(f"no note {note_id}")
        self._in_care(original.patient_id)
        existing = repository.note(self.session, amendment_id)
        if existing is not None:
            same = (existing.author_id, existing.amends, existing.text, existing.reason)
            if same != (self.actor.user_id, note_id, request.text, request.reason):
                raise Duplicate("Another note already has this id.", details={"note_id": str(amendment_id)})
            return existing
        amendment = DoctorNote(
            id=amendment_id,
            patient_id=original.patient_id,
            noted_on=original.noted_on,
            text=request.text,
            amends=original.id,
            reason=request.reason,
            author_id=self.actor.user_id,
            author_name=self.actor.full_name,
            written_at=self.now,
        )
        return self._written(amendment, EventType.NOTE_AMENDED)

    def _written(self, note: DoctorNote, event: EventType) -> DoctorNote:
        self.session.add(note)
        message = emit(
            self.session,
            event_type=event.value,
            aggregate_type="note",
            aggregate_id=note.id,
            payload=note_payload(note),
        )
        message.occurred_at = self.now  # the note's time on the timeline is when it was written
        self.session.flush()
        return note

    def notes(self, patient_id: uuid.UUID) -> list[DoctorNote]:
        """Every note and amendment of the patient, oldest first (the carers only)."""
        if self.actor.role not in CARE_ROLES:
            raise PermissionDenied("Only the patient's carers read his notes.")
        self.scope.require(patient_id, at_least=Access.CARE)
        return repository.notes_of(self.session, patient_id)


def note_payload(note: DoctorNote) -> dict[str, object]:
    """The history.note_added / history.note_amended payload."""
    return {
        "note_id": str(note.id),
        "patient_id": str(note.patient_id),
        "noted_on": note.noted_on.isoformat(),
        "text": note.text,
        "amends": str(note.amends) if note.amends else None,
        "reason": note.reason,
        "author_id": str(note.author_id),
        "author_name": note.author_name,
        "written_at": note.written_at.isoformat(),
    }
