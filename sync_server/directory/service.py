"""The directory's rules: who may change what, uniqueness, references, and the audit trail.

Every write and every read of patient data is audited in the caller's transaction. Services only flush;
the request commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Duplicate, Invalid, NotFound, PermissionDenied
from sync_server.directory import availability, repository
from sync_server.directory import feed as sync_feed
from sync_server.directory.models import (
    AvailabilityException,
    AvailabilityRule,
    Doctor,
    Medication,
    Patient,
    Room,
    Ward,
)
from sync_server.directory.schemas import (
    AvailabilityExceptionIn,
    AvailabilityRulesReplace,
    DoctorCreate,
    DoctorUpdate,
    MedicationCreate,
    MedicationUpdate,
    PatientCreate,
    PatientUpdate,
    RoomCreate,
    RoomUpdate,
    WardCreate,
    WardUpdate,
    aware_utc,
)
from sync_server.privacy.service import PatientScope

MAX_WINDOW_SPAN = timedelta(days=62)
AVAILABILITY_EDITORS = (Role.ADMIN, Role.SCHEDULER)

_UNIQUE_VIOLATION = "23505"
_DUPLICATE = "this record duplicates an existing one"


class Directory:
    """Directory operations on behalf of one signed-in actor, within the request's transaction."""

    def __init__(
        self, session: Session, *, actor: Actor, client: ClientInfo, now: datetime | None = None
    ) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        self.now = now or datetime.now(UTC)
        self.patients = PatientScope(session, actor=actor, client=client, now=self.now)

    # Wards

    def ward(self, ward_id: uuid.UUID) -> Ward:
        """Raises NotFound."""
        found = repository.ward(self.session, ward_id)
        if found is None:
            raise NotFound(f"no ward {ward_id}")
        return found

    def create_ward(self, body: WardCreate) -> Ward:
        """Raises Duplicate when the ward code is taken."""
        if repository.ward_by_code(self.session, body.code) is not None:
            raise Duplicate(f"a ward with code {body.code!r} already exists", details={"field": "code"})
        ward = Ward(**body.model_dump())
        self._add(ward, duplicate=f"a ward with code {body.code!r} already exists")
        self._audit("ward.create", "ward", ward.id, {"code": ward.code})
        return ward

    def update_ward(self, ward_id: uuid.UUID, body: WardUpdate) -> Ward:
        """Raises NotFound."""
        ward = self.ward(ward_id)
        changes = body.changes()
        self._apply(ward, changes)
        self._audit("ward.update", "ward", ward.id, {"changed": sorted(changes)})
        return ward

    # Rooms

    def room(self, room_id: uuid.UUID) -> Room:
        """Raises NotFound."""
        found = repository.room(self.session, room_id)
        if found is None:
            raise NotFound(f"no room {room_id}")
        return found

    def create_room(self, body: RoomCreate) -> Room:
        """Raises Invalid for an unknown ward, Duplicate when the room name is taken."""
        self._check_ward(body.ward_id)
        if repository.room_by_name(self.session, body.name) is not None:
            raise Duplicate(f"a room named {body.name!r} already exists", details={"field": "name"})
        room = Room(**body.model_dump())
        self._add(room, duplicate=f"a room named {body.name!r} already exists")
        self._audit("room.create", "room", room.id, {"name": room.name})
        return room

    def update_room(self, room_id: uuid.UUID, body: RoomUpdate) -> Room:
        """Raises NotFound, Invalid for an unknown ward, Duplicate when the new name is taken."""
        room = self.room(room_id)
        changes = body.changes()
        if "ward_id" in changes:
            self._check_ward(changes["ward_id"])
        if "name" in changes:
            other = repository.room_by_name(self.session, changes["name"])
            if other is not None and other.id != room.id:
                raise Duplicate(f"a room named {changes['name']!r} already exists", details={"field": "name"})
        self._apply(room, changes, duplicate="this room name is already taken")
        self._audit("room.update", "room", room.id, {"changed": sorted(changes)})
        return room

    # Doctors

    def doctor(self, doctor_id: uuid.UUID) -> Doctor:
        """Raises NotFound."""
        found = repository.doctor(self.session, doctor_id)
        if found is None:
            raise NotFound(f"no doctor {doctor_id}")
        return found

    def create_doctor(self, body: DoctorCreate) -> Doctor:
        """Raises Duplicate when the licence number is taken."""
        self._check_license_free(body.license_number, keep=None)
        doctor = Doctor(**body.model_dump())
        self._add(doctor, duplicate=f"licence number {body.license_number!r} is already registered")
        self._audit("doctor.create", "doctor", doctor.id, {"license_number": doctor.license_number})
        return doctor

    def update_doctor(self, doctor_id: uuid.UUID, body: DoctorUpdate) -> Doctor:
        """Raises NotFound, Duplicate when the new licence number is taken."""
        doctor = self.doctor(doctor_id)
        changes = body.changes()
        if "license_number" in changes:
            self._check_license_free(changes["license_number"], keep=doctor.id)
        self._apply(doctor, changes, duplicate="this licence number is already registered")
        self._audit("doctor.update", "doctor", doctor.id, {"changed": sorted(changes)})
        return doctor

    # Availability

    def replace_rules(self, doctor_id: uuid.UUID, body: AvailabilityRulesReplace) -> Doctor:
        """Replace the doctor's whole weekly schedule. Raises PermissionDenied, NotFound, Invalid."""
        self._check_may_edit_availability(doctor_id)
        doctor = self.doctor(doctor_id)
        room_ids = {rule.room_id for rule in body.rules if rule.room_id is not None}
        missing = room_ids - repository.existing_room_ids(self.session, room_ids)
        if missing:
            raise Invalid(
                f"rules.room_id: no room {sorted(map(str, missing))[0]}", details={"field": "room_id"}
            )
        doctor.rules = [AvailabilityRule(**rule.model_dump()) for rule in body.rules]
        self._flush()
        sync_feed.record_availability(self.session, doctor)
        self._audit("availability.rules.replace", "doctor", doctor.id, {"rules": len(doctor.rules)})
        return doctor

    def add_exception(self, doctor_id: uuid.UUID, body: AvailabilityExceptionIn) -> AvailabilityException:
        """Add leave, a holiday or a blocked stretch. Raises PermissionDenied, NotFound."""
        self._check_may_edit_availability(doctor_id)
        doctor = self.doctor(doctor_id)
        exception = AvailabilityException(**body.model_dump())
        doctor.exceptions.append(exception)
        self._flush()
        sync_feed.record_availability(self.session, doctor)
        self._audit(
            "availability.exception.create",
            "doctor",
            doctor.id,
            {"exception_id": str(exception.id), "kind": exception.kind},
        )
        return exception

    def remove_exception(self, doctor_id: uuid.UUID, exception_id: uuid.UUID) -> None:
        """Raises PermissionDenied, NotFound (also when the exception belongs to another doctor)."""
        self._check_may_edit_availability(doctor_id)
        doctor = self.doctor(doctor_id)
        exception = repository.availability_exception(self.session, doctor.id, exception_id)
        if exception is None:
            raise NotFound(f"doctor {doctor_id} has no availability exception {exception_id}")
        doctor.exceptions.remove(exception)
        self._flush()
        sync_feed.record_availability(self.session, doctor)
        self._audit(
            "availability.exception.delete",
            "doctor",
            doctor.id,
            {"exception_id": str(exception_id), "kind": exception.kind},
        )

    def open_windows(
        self, doctor_id: uuid.UUID, *, start: datetime, end: datetime
    ) -> tuple[Doctor, list[tuple[datetime, datetime]]]:
        """The doctor's open windows in [start, end). Raises NotFound, Invalid (naive, reversed, too long)."""
        try:
            start, end = aware_utc(start), aware_utc(end)
        except ValueError as exc:
            raise Invalid(f"start/end {exc}", details={"field": "start"}) from exc
        if end <= start:
            raise Invalid("end: must be after start", details={"field": "end"})
        if end - start > MAX_WINDOW_SPAN:
            raise Invalid(
                f"end: the span may be at most {MAX_WINDOW_SPAN.days} days", details={"field": "end"}
            )
        doctor = self.doctor(doctor_id)
        return doctor, availability.open_windows(doctor, start, end)

    # Patients

    def patient(self, patient_id: uuid.UUID) -> Patient:
        """One patient in the caller's scope; the read is audited. Raises NotFound, OutsideCareScope."""
        self.patients.require(patient_id)
        found = repository.patient(self.session, patient_id)
        if found is None:
            raise NotFound(f"no patient {patient_id}")
        self._audit("patient.read", "patient", found.id)
        return found

    def search_patients(self, *, q: str | None, ward_id: uuid.UUID | None, limit: int) -> list[Patient]:
        """Patients in the caller's scope by name or MRN fragment; the search and who it showed are
        audited. Raises OutsideCareScope for a nurse naming a ward not hers."""
        if self.patients.sees_everyone():
            found = repository.search_patients(self.session, q=q, ward_id=ward_id, limit=limit)
        else:
            ids = self.patients.searchable(q=repository.pattern(q), ward_id=ward_id, limit=limit)
            found = repository.patients_in_order(self.session, ids)
        self._audit(
            "patient.search",
            "patient",
            None,
            {"q": q, "ward_id": str(ward_id) if ward_id else None, "patient_ids": [str(p.id) for p in found]},
        )
        return found

    def create_patient(self, body: PatientCreate) -> Patient:
        """Raises Duplicate for a known MRN, Invalid for an unknown ward, OutsideCareScope for a nurse
        registering into a ward not hers."""
        self.patients.require_ward(body.ward_id)
        self._check_ward(body.ward_id)
        self._check_mrn_free(body.mrn, keep=None)
        patient = Patient(**body.model_dump())
        self._add(patient, duplicate=f"a patient with MRN {body.mrn} already exists")
        self._audit("patient.create", "patient", patient.id, {"mrn": patient.mrn})
        return patient

    def update_patient(self, patient_id: uuid.UUID, body: PatientUpdate) -> Patient:
        """Raises NotFound, OutsideCareScope (a patient not in the caller's care), Duplicate for another
        patient's MRN, Invalid for an unknown ward."""
        self.patients.require(patient_id)
        patient = repository.patient(self.session, patient_id)
        if patient is None:
            raise NotFound(f"no patient {patient_id}")
        changes = body.changes()
        if "ward_id" in changes:
            self._check_ward(changes["ward_id"])
        if "mrn" in changes:
            self._check_mrn_free(changes["mrn"], keep=patient.id)
        self._apply(patient, changes, duplicate="this MRN belongs to another patient")
        self._audit("patient.update", "patient", patient.id, {"changed": sorted(changes)})
        return patient

    # Formulary

    def medication(self, code: str) -> Medication:
        """Raises NotFound."""
        found = repository.medication(self.session, code.strip().upper())
        if found is None:
            raise NotFound(f"no medication {code!r} in the formulary")
        return found

    def create_medication(self, body: MedicationCreate) -> Medication:
        """Raises Duplicate when the code is taken."""
        if repository.medication(self.session, body.code) is not None:
            raise Duplicate(
                f"medication {body.code!r} is already in the formulary", details={"field": "code"}
            )
        medication = Medication(**body.model_dump())
        self._add(medication, duplicate=f"medication {body.code!r} is already in the formulary")
        self._audit("medication.create", "medication", medication.code, {"name": medication.name})
        return medication

    def update_medication(self, code: str, body: MedicationUpdate) -> Medication:
        """Raises NotFound."""
        medication = self.medication(code)
        changes = body.changes()
        self._apply(medication, changes)
        self._audit("medication.update", "medication", medication.code, {"changed": sorted(changes)})
        return medication

    # Helpers

    def _check_may_edit_availability(self, doctor_id: uuid.UUID) -> None:
        if self.actor.role in AVAILABILITY_EDITORS:
            return
        if self.actor.role is Role.DOCTOR and self.actor.doctor_id == doctor_id:
            return
        raise PermissionDenied(
            "Only an admin, a scheduler or the doctor himself may change this availability."
        )

    def _check_ward(self, ward_id: uuid.UUID | None) -> None:
        if ward_id is not None and repository.ward(self.session, ward_id) is None:
            raise Invalid(f"ward_id: no ward {ward_id}", details={"field": "ward_id"})

    def _check_license_free(self, license_number: str, *, keep: uuid.UUID | None) -> None:
        other = repository.doctor_by_license(self.session, license_number)
        if other is not None and other.id != keep:
            raise Duplicate(
                f"licence number {license_number!r} is already registered",
                details={"field": "license_number"},
            )

    def _check_mrn_free(self, mrn: str, *, keep: uuid.UUID | None) -> None:
        other = repository.patient_by_mrn(self.session, mrn)
        if other is not None and other.id != keep:
            raise Duplicate(f"a patient with MRN {mrn} already exists", details={"field": "mrn"})

    def _add(self, record: object, *, duplicate: str) -> None:
        self.session.add(record)
        self._flush(duplicate=duplicate)
        sync_feed.record_directory(self.session, record, now=self.now)  # desktops cache the directory

    def _apply(self, record: object, changes: dict[str, Any], *, duplicate: str = _DUPLICATE) -> None:
        for name, value in changes.items():
            setattr(record, name, value)
        self._flush(duplicate=duplicate)
        sync_feed.record_directory(self.session, record, now=self.now)

    def _flush(self, *, duplicate: str = _DUPLICATE) -> None:
        """Flush, turning a constraint violation (a race the checks above lost) into a typed error."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) == _UNIQUE_VIOLATION:
                raise Duplicate(duplicate) from exc
            raise Invalid("the change refers to a record that no longer exists or breaks a rule") from exc

    def _audit(
        self, action: str, entity: str, entity_id: object, details: dict[str, Any] | None = None
    ) -> None:
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action=action,
            entity=entity,
            entity_id=str(entity_id) if entity_id is not None else None,
            details=details,
        )
