"""Every query of the directory domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sync_server.directory.models import AvailabilityException, Doctor, Medication, Patient, Room, Ward


def doctor(session: Session, doctor_id: uuid.UUID) -> Doctor | None:
    return session.get(Doctor, doctor_id)


def wards_by_ids(session: Session, ward_ids: Iterable[uuid.UUID]) -> list[Ward]:
    ids = list(ward_ids)
    if not ids:
        return []
    return list(session.scalars(select(Ward).where(Ward.id.in_(ids))))


def _contains(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, with the user's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Wards and rooms


def ward(session: Session, ward_id: uuid.UUID) -> Ward | None:
    return session.get(Ward, ward_id)


def ward_by_code(session: Session, code: str) -> Ward | None:
    return session.scalars(select(Ward).where(Ward.code == code)).first()


def list_wards(session: Session, *, active: bool | None = None) -> list[Ward]:
    query = select(Ward).order_by(Ward.code)
    if active is not None:
        query = query.where(Ward.active == active)
    return list(session.scalars(query))


def room(session: Session, room_id: uuid.UUID) -> Room | None:
    return session.get(Room, room_id)


def room_by_name(session: Session, name: str) -> Room | None:
    return session.scalars(select(Room).where(Room.name == name)).first()


def list_rooms(
    session: Session, *, ward_id: uuid.UUID | None = None, active: bool | None = None
) -> list[Room]:
    query = select(Room).order_by(Room.name)
    if ward_id is not None:
        query = query.where(Room.ward_id == ward_id)
    if active is not None:
        query = query.where(Room.active == active)
    return list(session.scalars(query))


def existing_room_ids(session: Session, room_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = set(room_ids)
    if not ids:
        return set()
    return set(session.scalars(select(Room.id).where(Room.id.in_(ids))))


# Doctors


def doctor_by_license(session: Session, license_number: str) -> Doctor | None:
    return session.scalars(select(Doctor).where(Doctor.license_number == license_number)).first()


def list_doctors(
    session: Session, *, specialty: str | None, q: str | None, active: bool | None, limit: int
) -> list[Doctor]:
    query = select(Doctor).order_by(Doctor.full_name, Doctor.id).limit(limit)
    if specialty:
        query = query.where(func.lower(Doctor.specialty) == specialty.strip().lower())
    if q:
        pattern = _contains(q)
        query = query.where(or_(Doctor.full_name.ilike(pattern), Doctor.license_number.ilike(pattern)))
    if active is not None:
        query = query.where(Doctor.active == active)
    return list(session.scalars(query))


def availability_exception(
    session: Session, doctor_id: uuid.UUID, exception_id: uuid.UUID
) -> AvailabilityException | None:
    found = session.get(AvailabilityException, exception_id)
    return found if found is not None and found.doctor_id == doctor_id else None


# Patients


def patient(session: Session, patient_id: uuid.UUID) -> Patient | None:
    return session.get(Patient, patient_id)


def patient_by_mrn(session: Session, mrn: str) -> Patient | None:
    return session.scalars(select(Patient).where(Patient.mrn == mrn)).first()


def pattern(text: str | None) -> str | None:
    """The ILIKE pattern of a search fragment (None: no filter)."""
    return _contains(text) if text else None


def patients_in_order(session: Session, patient_ids: list[uuid.UUID]) -> list[Patient]:
    """These patients, in the order given."""
    if not patient_ids:
        return []
    found = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}
    return [found[p] for p in patient_ids if p in found]


def search_patients(
    session: Session, *, q: str | None, ward_id: uuid.UUID | None, limit: int
) -> list[Patient]:
    """Patients whose name or MRN contains `q` (any case), by name."""
    query = select(Patient).order_by(Patient.full_name, Patient.id).limit(limit)
    if q:
        pattern = _contains(q)
        query = query.where(or_(Patient.full_name.ilike(pattern), Patient.mrn.ilike(pattern)))
    if ward_id is not None:
        query = query.where(Patient.ward_id == ward_id)
    return list(session.scalars(query))


# Formulary


def medication(session: Session, code: str) -> Medication | None:
    return session.get(Medication, code)


def list_medications(session: Session, *, q: str | None, active: bool | None, limit: int) -> list[Medication]:
    query = select(Medication).order_by(Medication.name, Medication.code).limit(limit)
    if q:
        pattern = _contains(q)
        query = query.where(or_(Medication.name.ilike(pattern), Medication.code.ilike(pattern)))
    if active is not None:
        query = query.where(Medication.active == active)
    return list(session.scalars(query))
