"""The scope rule applied to a request: how much of a patient the caller may see, what a refusal says,
and break-the-glass access (audited, time-limited).

The rule itself is `shared.privacy`; this module only loads the facts it reads and acts on its answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shared import privacy
from shared.errors import ErrorCode
from shared.privacy import Access, PatientFacts, Reader
from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import NotFound, PermissionDenied
from sync_server.privacy import repository
from sync_server.privacy.models import BreakGlassGrant


class OutsideCareScope(PermissionDenied):
    code = ErrorCode.OUTSIDE_CARE_SCOPE


def reader_of(actor: Actor) -> Reader:
    return Reader(role=actor.role, user_id=actor.user_id, ward_ids=actor.ward_ids, doctor_id=actor.doctor_id)


def _refusal(actor: Actor) -> OutsideCareScope:
    if privacy.may_break_glass(reader_of(actor)):
        return OutsideCareScope(
            "This patient is not in your care. In an emergency, open the record with a reason"
            " (break the glass); the access is audited.",
            details={"break_glass": True},
        )
    return OutsideCareScope("This patient is not in your care.", details={"break_glass": False})


@dataclass(frozen=True)
class Seen:
    """How much of one patient the caller may see, and whether only through broken glass."""

    access: Access
    through_glass: bool = False


class PatientScope:
    """The caller's view of patients at one instant (`now`, from the request's clock)."""

    def __init__(self, session: Session, *, actor: Actor, client: ClientInfo, now: datetime) -> None:
        self.session = session
        self.actor = actor
        self.reader = reader_of(actor)
        self.client = client
        self.now = now

    def facts(self, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, PatientFacts]:
        return repository.patient_facts(self.session, patient_ids)

    def seen(self, facts: PatientFacts) -> Seen:
        access = privacy.patient_access(self.reader, facts, now=self.now)
        if access is Access.NONE and privacy.may_break_glass(self.reader):
            expires = repository.live_grant(
                self.session, user_id=self.actor.user_id, patient_id=facts.patient_id, now=self.now
            )
            if expires is not None:
                return Seen(privacy.patient_access(self.reader, facts, now=self.now, glass_broken=True), True)
        return Seen(access)

    def require(self, patient_id: uuid.UUID, *, at_least: Access = Access.BOOKING) -> Seen:
        """The caller's access to the patient, at least `at_least`. A read through broken glass is
        audited here. Raises NotFound (no such patient) or OutsideCareScope (403)."""
        facts = self.facts([patient_id]).get(patient_id)
        if facts is None:
            raise NotFound(f"no patient {patient_id}")
        seen = self.seen(facts)
        if seen.access < at_least:
            raise _refusal(self.actor)
        if seen.through_glass:
            self._audit_glass(patient_id)
        return seen

    def _audit_glass(self, patient_id: uuid.UUID) -> None:
        """Every sight of a patient through broken glass is on the record, one entry each."""
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action="patient.break_glass_access",
            entity="patient",
            entity_id=patient_id,
        )

    def require_ward(self, ward_id: uuid.UUID | None) -> None:
        """A nurse registers patients into her own wards only. Raises OutsideCareScope."""
        if self.reader.role is Role.NURSE and (ward_id is None or ward_id not in self.reader.ward_ids):
            raise OutsideCareScope(
                "A nurse registers patients into her own wards only.",
                details={"field": "ward_id", "break_glass": False},
            )

    def sees_everyone(self) -> bool:
        """Whether the caller sees every patient (at the booking level): the front desk."""
        return self.reader.role in privacy.BOOKING_ROLES

    def searchable(self, *, q: str | None, ward_id: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """The ids of the patients in the caller's care matching a name/MRN pattern `q`, by name.
        A ward outside a nurse's wards is refused (OutsideCareScope), not silently emptied."""
        if ward_id is not None and self.reader.role is Role.NURSE and ward_id not in self.reader.ward_ids:
            raise OutsideCareScope("That ward is not one of yours.", details={"field": "ward_id"})
        granted = repository.granted_patients(self.session, user_id=self.actor.user_id, now=self.now)
        candidates = repository.care_candidates(
            self.session,
            q=q,
            ward_id=ward_id,
            wards=self.reader.ward_ids,
            doctor_id=self.reader.doctor_id,
            granted=granted if privacy.may_break_glass(self.reader) else (),
            since=self.now - timedelta(days=2),
            until=self.now + timedelta(days=2),
            limit=limit + 50,
        )
        facts = self.facts(candidates)
        kept: list[uuid.UUID] = []
        for patient_id in candidates:
            seen = self.seen(facts[patient_id]) if patient_id in facts else Seen(Access.NONE)
            if seen.access >= Access.BOOKING and len(kept) < limit:
                kept.append(patient_id)
                if seen.through_glass:
                    self._audit_glass(patient_id)
        return kept

    def break_glass(self, patient_id: uuid.UUID, *, reason: str, minutes: int) -> BreakGlassGrant:
        """Open a patient outside the doctor's care for `minutes`, with a typed reason (audited).
        Raises NotFound, or OutsideCareScope for anyone but a doctor."""
        if not privacy.may_break_glass(self.reader):
            raise OutsideCareScope(
                "Only a doctor can open a patient outside his care.", details={"break_glass": False}
            )
        if not self.facts([patient_id]):
            raise NotFound(f"no patient {patient_id}")
        grant = BreakGlassGrant(
            user_id=self.actor.user_id,
            patient_id=patient_id,
            reason=reason,
            granted_at=self.now,
            expires_at=self.now + timedelta(minutes=minutes),
            client_address=self.client.address,
        )
        self.session.add(grant)
        self.session.flush()
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action="patient.break_glass",
            entity="patient",
            entity_id=patient_id,
            details={"reason": reason, "expires_at": grant.expires_at.isoformat(), "grant_id": str(grant.id)},
        )
        return grant
