"""Routes of the directory: wards, rooms, doctors and their availability, patients, the formulary."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AfterValidator

from shared.roles import Role
from sync_server.auth.deps import ALL_ROLES, Actor, require
from sync_server.core.clock import Now
from sync_server.core.context import Client, ClientInfo, DbSession
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.directory import repository
from sync_server.directory.models import AvailabilityRule, Doctor
from sync_server.directory.schemas import (
    AvailabilityExceptionIn,
    AvailabilityExceptionOut,
    AvailabilityOut,
    AvailabilityRuleOut,
    AvailabilityRulesReplace,
    DoctorCreate,
    DoctorOut,
    DoctorUpdate,
    MedicationCreate,
    MedicationOut,
    MedicationUpdate,
    OpenWindow,
    OpenWindowsOut,
    PatientCreate,
    PatientOut,
    PatientUpdate,
    RoomCreate,
    RoomOut,
    RoomUpdate,
    WardCreate,
    WardOut,
    WardUpdate,
    clean_text,
)
from sync_server.directory.service import Directory

router = APIRouter(tags=["directory"])

AnyRole = Annotated[Actor, Depends(require(*ALL_ROLES))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
# A doctor passes here but may then change only his own availability (checked by the service).
AvailabilityEditor = Annotated[Actor, Depends(require(Role.ADMIN, Role.SCHEDULER, Role.DOCTOR))]
PatientReader = Annotated[Actor, Depends(require(Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN))]
PatientWriter = Annotated[Actor, Depends(require(Role.SCHEDULER, Role.ADMIN, Role.NURSE))]
FormularyEditor = Annotated[Actor, Depends(require(Role.PHARMACIST, Role.ADMIN))]

Search = Annotated[
    str | None,
    Query(max_length=100, description="Part of a name or code, any case"),
    AfterValidator(clean_text),
]
MedicationCodePath = Annotated[str, Path(min_length=1, max_length=32), AfterValidator(clean_text)]

READ = errors(*AUTHED)
READ_ONE = errors(*AUTHED, 404)
CREATE = errors(*WITH_BODY, 409)
UPDATE = errors(*WITH_BODY, 404, 409)
EDIT_AVAILABILITY = errors(*WITH_BODY, 404)


def _directory(
    session: DbSession, actor: Actor, client: ClientInfo, now: datetime | None = None
) -> Directory:
    return Directory(session, actor=actor, client=client, now=now)


# Wards


@router.get("/wards", response_model=list[WardOut], responses=READ, tags=["wards"])
def list_wards(session: DbSession, _: AnyRole, active: bool | None = None) -> list[WardOut]:
    return [WardOut.model_validate(w) for w in repository.list_wards(session, active=active)]


@router.get("/wards/{ward_id}", response_model=WardOut, responses=READ_ONE, tags=["wards"])
def get_ward(session: DbSession, actor: AnyRole, client: Client, ward_id: uuid.UUID) -> WardOut:
    return WardOut.model_validate(_directory(session, actor, client).ward(ward_id))


@router.post("/wards", response_model=WardOut, status_code=201, responses=CREATE, tags=["wards"])
def create_ward(session: DbSession, actor: Admin, client: Client, body: WardCreate) -> WardOut:
    return WardOut.model_validate(_directory(session, actor, client).create_ward(body))


@router.patch("/wards/{ward_id}", response_model=WardOut, responses=UPDATE, tags=["wards"])
def update_ward(
    session: DbSession,
    actor: Admin,
    client: Client,
    ward_id: uuid.UUID,
    body: WardUpdate,
) -> WardOut:
    return WardOut.model_validate(_directory(session, actor, client).update_ward(ward_id, body))


# Rooms


@router.get("/rooms", response_model=list[RoomOut], responses=READ, tags=["rooms"])
def list_rooms(
    session: DbSession,
    _: AnyRole,
    ward_id: uuid.UUID | None = None,
    active: bool | None = None,
) -> list[RoomOut]:
    return [RoomOut.model_validate(r) for r in repository.list_rooms(session, ward_id=ward_id, active=active)]


@router.post("/rooms", response_model=RoomOut, status_code=201, responses=CREATE, tags=["rooms"])
def create_room(session: DbSession, actor: Admin, client: Client, body: RoomCreate) -> RoomOut:
    return RoomOut.model_validate(_directory(session, actor, client).create_room(body))


@router.patch("/rooms/{room_id}", response_model=RoomOut, responses=UPDATE, tags=["rooms"])
def update_room(
    session: DbSession,
    actor: Admin,
    client: Client,
    room_id: uuid.UUID,
    body: RoomUpdate,
) -> RoomOut:
    return RoomOut.model_validate(_directory(session, actor, client).update_room(room_id, body))


# Doctors


@router.get("/doctors", response_model=list[DoctorOut], responses=READ, tags=["doctors"])
def list_doctors(
    session: DbSession,
    _: AnyRole,
    specialty: Annotated[str | None, Query(max_length=120), AfterValidator(clean_text)] = None,
    q: Search = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[DoctorOut]:
    found = repository.list_doctors(session, specialty=specialty, q=q, active=active, limit=limit)
    return [DoctorOut.model_validate(d) for d in found]


@router.get("/doctors/{doctor_id}", response_model=DoctorOut, responses=READ_ONE, tags=["doctors"])
def get_doctor(session: DbSession, actor: AnyRole, client: Client, doctor_id: uuid.UUID) -> DoctorOut:
    return DoctorOut.model_validate(_directory(session, actor, client).doctor(doctor_id))


@router.post("/doctors", response_model=DoctorOut, status_code=201, responses=CREATE, tags=["doctors"])
def create_doctor(session: DbSession, actor: Admin, client: Client, body: DoctorCreate) -> DoctorOut:
    return DoctorOut.model_validate(_directory(session, actor, client).create_doctor(body))


@router.patch("/doctors/{doctor_id}", response_model=DoctorOut, responses=UPDATE, tags=["doctors"])
def update_doctor(
    session: DbSession,
    actor: Admin,
    client: Client,
    doctor_id: uuid.UUID,
    body: DoctorUpdate,
) -> DoctorOut:
    return DoctorOut.model_validate(_directory(session, actor, client).update_doctor(doctor_id, body))


# Availability


def _rule_order(rule: AvailabilityRule) -> tuple[int, time]:
    return rule.weekday, rule.starts


def _availability(doctor: Doctor) -> AvailabilityOut:
    return AvailabilityOut(
        doctor_id=doctor.id,
        time_zone=doctor.time_zone,
        default_slot_minutes=doctor.default_slot_minutes,
        rules=[AvailabilityRuleOut.model_validate(r) for r in sorted(doctor.rules, key=_rule_order)],
        exceptions=[AvailabilityExceptionOut.model_validate(x) for x in doctor.exceptions],
    )


@router.get(
    "/doctors/{doctor_id}/availability",
    response_model=AvailabilityOut,
    responses=READ_ONE,
    tags=["availability"],
)
def get_availability(
    session: DbSession, actor: AnyRole, client: Client, doctor_id: uuid.UUID
) -> AvailabilityOut:
    """The weekly rules (local wall-clock times in the doctor's zone) and the exceptions (UTC)."""
    return _availability(_directory(session, actor, client).doctor(doctor_id))


@router.put(
    "/doctors/{doctor_id}/availability/rules",
    response_model=AvailabilityOut,
    responses=EDIT_AVAILABILITY,
    tags=["availability"],
)
def replace_availability_rules(
    session: DbSession,
    actor: AvailabilityEditor,
    client: Client,
    doctor_id: uuid.UUID,
    body: AvailabilityRulesReplace,
) -> AvailabilityOut:
    """Replace the doctor's whole weekly schedule. Admins, schedulers, or the doctor himself."""
    return _availability(_directory(session, actor, client).replace_rules(doctor_id, body))


@router.post(
    "/doctors/{doctor_id}/availability/exceptions",
    response_model=AvailabilityExceptionOut,
    status_code=201,
    responses=EDIT_AVAILABILITY,
    tags=["availability"],
)
def add_availability_exception(
    session: DbSession,
    actor: AvailabilityEditor,
    client: Client,
    doctor_id: uuid.UUID,
    body: AvailabilityExceptionIn,
) -> AvailabilityExceptionOut:
    """Leave, a holiday or a blocked stretch; times must carry an offset and are stored in UTC."""
    exception = _directory(session, actor, client).add_exception(doctor_id, body)
    return AvailabilityExceptionOut.model_validate(exception)


@router.delete(
    "/doctors/{doctor_id}/availability/exceptions/{exception_id}",
    status_code=204,
    response_class=Response,
    responses=READ_ONE,
    tags=["availability"],
)
def remove_availability_exception(
    session: DbSession,
    actor: AvailabilityEditor,
    client: Client,
    doctor_id: uuid.UUID,
    exception_id: uuid.UUID,
) -> None:
    _directory(session, actor, client).remove_exception(doctor_id, exception_id)


@router.get(
    "/doctors/{doctor_id}/open-windows",
    response_model=OpenWindowsOut,
    responses=READ_ONE,
    tags=["availability"],
)
def get_open_windows(
    session: DbSession,
    actor: AnyRole,
    client: Client,
    doctor_id: uuid.UUID,
    start: Annotated[datetime, Query(description="Timezone-aware, e.g. 2025-03-30T00:00:00Z")],
    end: Annotated[datetime, Query(description="Timezone-aware; at most 62 days after start")],
) -> OpenWindowsOut:
    """When the doctor can be booked in [start, end), in UTC."""
    doctor, windows = _directory(session, actor, client).open_windows(doctor_id, start=start, end=end)
    return OpenWindowsOut(
        doctor_id=doctor.id,
        time_zone=doctor.time_zone,
        start=start,
        end=end,
        windows=[OpenWindow(starts_at=s, ends_at=e) for s, e in windows],
    )


# Patients

PATIENT_ONE = errors(*AUTHED, 403, 404)


@router.get("/patients", response_model=list[PatientOut], responses=errors(*AUTHED, 403), tags=["patients"])
def search_patients(
    session: DbSession,
    actor: PatientReader,
    client: Client,
    now: Now,
    q: Search = None,
    ward_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PatientOut]:
    """Patients in the caller's scope by part of the name or MRN: a nurse's wards, a doctor's patients
    (and those he opened by breaking the glass), everyone for the front desk. A nurse naming a ward not
    hers gets 403 outside_care_scope. Every search is audited with the patients it showed."""
    found = _directory(session, actor, client, now).search_patients(q=q, ward_id=ward_id, limit=limit)
    return [PatientOut.model_validate(p) for p in found]


@router.get("/patients/{patient_id}", response_model=PatientOut, responses=PATIENT_ONE, tags=["patients"])
def get_patient(
    session: DbSession, actor: PatientReader, client: Client, now: Now, patient_id: uuid.UUID
) -> PatientOut:
    """One patient in the caller's scope; 403 outside_care_scope otherwise (details.break_glass tells
    whether the caller may open it with a reason). The read is audited."""
    return PatientOut.model_validate(_directory(session, actor, client, now).patient(patient_id))


@router.post(
    "/patients",
    response_model=PatientOut,
    status_code=201,
    responses=errors(*WITH_BODY, 403, 409),
    tags=["patients"],
)
def create_patient(
    session: DbSession, actor: PatientWriter, client: Client, now: Now, body: PatientCreate
) -> PatientOut:
    """Register a patient (a nurse: into one of her wards). A known MRN (after normalising) is a 409 with
    code "duplicate"."""
    return PatientOut.model_validate(_directory(session, actor, client, now).create_patient(body))


@router.patch(
    "/patients/{patient_id}",
    response_model=PatientOut,
    responses=errors(*WITH_BODY, 403, 404, 409),
    tags=["patients"],
)
def update_patient(
    session: DbSession,
    actor: PatientWriter,
    client: Client,
    now: Now,
    patient_id: uuid.UUID,
    body: PatientUpdate,
) -> PatientOut:
    """Change a patient in the caller's scope (403 outside_care_scope otherwise)."""
    return PatientOut.model_validate(_directory(session, actor, client, now).update_patient(patient_id, body))


# Formulary


@router.get("/formulary", response_model=list[MedicationOut], responses=READ, tags=["formulary"])
def list_formulary(
    session: DbSession,
    _: AnyRole,
    q: Search = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[MedicationOut]:
    found = repository.list_medications(session, q=q, active=active, limit=limit)
    return [MedicationOut.model_validate(m) for m in found]


@router.get("/formulary/{code}", response_model=MedicationOut, responses=READ_ONE, tags=["formulary"])
def get_medication(
    session: DbSession, actor: AnyRole, client: Client, code: MedicationCodePath
) -> MedicationOut:
    return MedicationOut.model_validate(_directory(session, actor, client).medication(code))


@router.post(
    "/formulary", response_model=MedicationOut, status_code=201, responses=CREATE, tags=["formulary"]
)
def create_medication(
    session: DbSession,
    actor: FormularyEditor,
    client: Client,
    body: MedicationCreate,
) -> MedicationOut:
    return MedicationOut.model_validate(_directory(session, actor, client).create_medication(body))


@router.patch("/formulary/{code}", response_model=MedicationOut, responses=UPDATE, tags=["formulary"])
def update_medication(
    session: DbSession,
    actor: FormularyEditor,
    client: Client,
    code: MedicationCodePath,
    body: MedicationUpdate,
) -> MedicationOut:
    return MedicationOut.model_validate(_directory(session, actor, client).update_medication(code, body))
