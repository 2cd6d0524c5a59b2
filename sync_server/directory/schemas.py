"""What the directory routes accept and answer. Inputs refuse unknown fields and oversized values."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from shared.rules import (
    DispensingUnit,
    DosageForm,
    check_birth_date,
    check_email,
    check_medication_code,
    check_phone,
    check_time_zone,
    check_ward_code,
    normalise_mrn,
)

# Far enough from datetime's limits that zone conversions never overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def clean_text(value: str) -> str:
    """Refuses what PostgreSQL cannot store (NUL, lone surrogates) and other control characters."""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x7f" in value:
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _trimmed(value: str) -> str:
    value = clean_text(value).strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def aware_utc(value: datetime) -> datetime:
    """A timezone-aware instant, converted to UTC; a naive one is refused because it is ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "must include a time zone offset, e.g. 2025-03-30T09:00:00+01:00 or 2025-03-30T08:00:00Z"
        )
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must be between 1900 and 2200")
    return value.astimezone(UTC)


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("is a local wall-clock time in the doctor's zone; give it without an offset")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_trimmed)]
Email = Annotated[str, Field(max_length=254), AfterValidator(clean_text), AfterValidator(check_email)]
Phone = Annotated[str, Field(max_length=32), AfterValidator(clean_text), AfterValidator(check_phone)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(clean_text), AfterValidator(check_time_zone)]
WardCode = Annotated[str, Field(max_length=16), AfterValidator(clean_text), AfterValidator(check_ward_code)]
Mrn = Annotated[str, Field(max_length=32), AfterValidator(clean_text), AfterValidator(normalise_mrn)]
MedicationCode = Annotated[
    str, Field(max_length=32), AfterValidator(clean_text), AfterValidator(check_medication_code)
]
BirthDate = Annotated[date, AfterValidator(check_birth_date)]
AwareInstant = Annotated[datetime, AfterValidator(aware_utc)]
WallClock = Annotated[time, AfterValidator(_wall_clock)]
# Answered as "09:00:00", which OpenAPI's `format: time` (RFC 3339, offset required) does not describe.
WallClockOut = Annotated[
    time,
    PlainSerializer(time.isoformat, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
            "description": "Wall-clock time in the doctor's zone, without an offset, e.g. 08:00:00",
        }
    ),
]
SlotMinutes = Annotated[int, Field(ge=5, le=480)]
PackSize = Annotated[int, Field(ge=1, le=100_000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A partial update: absent fields stay as they are; null is only allowed where the field is optional."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.nullable:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


# Wards


class WardCreate(_Input):
    code: WardCode
    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_trimmed)]
    floor: Annotated[str, Field(max_length=32), AfterValidator(_trimmed)] | None = None
    active: bool = True


class WardUpdate(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"floor"})

    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_trimmed)] | None = None
    floor: Annotated[str, Field(max_length=32), AfterValidator(_trimmed)] | None = None
    active: bool | None = None


class WardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    floor: str | None
    active: bool


# Rooms

RoomKind = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_trimmed)]


class RoomCreate(_Input):
    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_trimmed)]
    ward_id: uuid.UUID | None = None
    kind: RoomKind = "consultation"
    active: bool = True


class RoomUpdate(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"ward_id"})

    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_trimmed)] | None = None
    ward_id: uuid.UUID | None = None
    kind: RoomKind | None = None
    active: bool | None = None


class RoomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    ward_id: uuid.UUID | None
    kind: str
    active: bool


# Doctors

Specialty = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_trimmed)]
LicenseNumber = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_trimmed)]


class DoctorCreate(_Input):
    full_name: Name
    specialty: Specialty
    license_number: LicenseNumber
    email: Email | None = None
    time_zone: TimeZone
    default_slot_minutes: SlotMinutes = 20
    active: bool = True


class DoctorUpdate(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"email"})

    full_name: Name | None = None
    specialty: Specialty | None = None
    license_number: LicenseNumber | None = None
    email: Email | None = None
    time_zone: TimeZone | None = None
    default_slot_minutes: SlotMinutes | None = None
    active: bool | None = None


class DoctorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    full_name: str
    specialty: str
    license_number: str
    email: str | None
    time_zone: str
    default_slot_minutes: int
    active: bool


# Availability


class AvailabilityRuleIn(_Input):
    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 = Monday ... 7 = Sunday")
    starts: WallClock = Field(description="Local wall-clock time in the doctor's zone, e.g. 08:00")
    ends: WallClock = Field(description="Local wall-clock time, after `starts`")
    valid_from: date | None = None
    valid_until: date | None = None
    room_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AvailabilityRuleIn:
        if self.starts >= self.ends:
            raise ValueError("starts must be before ends")
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError("valid_from must not be after valid_until")
        return self

    def overlaps(self, other: AvailabilityRuleIn) -> bool:
        if self.weekday != other.weekday or self.ends <= other.starts or other.ends <= self.starts:
            return False
        # Same weekday, overlapping hours: they clash only if their validity periods meet.
        return (self.valid_until or date.max) >= (other.valid_from or date.min) and (
            other.valid_until or date.max
        ) >= (self.valid_from or date.min)


class AvailabilityRulesReplace(_Input):
    rules: list[AvailabilityRuleIn] = Field(max_length=100, description="The complete new weekly schedule")

    @field_validator("rules")
    @classmethod
    def _no_overlaps(cls, rules: list[AvailabilityRuleIn]) -> list[AvailabilityRuleIn]:
        for i, rule in enumerate(rules):
            for j in range(i):
                if rule.overlaps(rules[j]):
                    raise ValueError(
                        f"rules {j} and {i} overlap on weekday {rule.weekday}"
                        f" ({rules[j].starts:%H:%M}-{rules[j].ends:%H:%M}"
                        f" and {rule.starts:%H:%M}-{rule.ends:%H:%M})"
                    )
        return rules


class AvailabilityRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    weekday: int
    starts: WallClockOut
    ends: WallClockOut
    valid_from: date | None
    valid_until: date | None
    room_id: uuid.UUID | None


ExceptionKind = Literal["leave", "holiday", "blocked"]


class AvailabilityExceptionIn(_Input):
    kind: ExceptionKind
    starts_at: AwareInstant
    ends_at: AwareInstant
    note: Annotated[str, Field(max_length=500), AfterValidator(clean_text)] = ""

    @model_validator(mode="after")
    def _ordered(self) -> AvailabilityExceptionIn:
        if self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        return self


class AvailabilityExceptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ExceptionKind
    starts_at: datetime
    ends_at: datetime
    note: str


class AvailabilityOut(BaseModel):
    doctor_id: uuid.UUID
    time_zone: str
    default_slot_minutes: int
    rules: list[AvailabilityRuleOut]
    exceptions: list[AvailabilityExceptionOut]


class OpenWindow(BaseModel):
    starts_at: datetime
    ends_at: datetime


class OpenWindowsOut(BaseModel):
    doctor_id: uuid.UUID
    time_zone: str
    start: datetime
    end: datetime
    windows: list[OpenWindow]


# Patients


class PatientCreate(_Input):
    mrn: Mrn
    full_name: Name
    birth_date: BirthDate
    email: Email | None = None
    phone: Phone | None = None
    ward_id: uuid.UUID | None = None


class PatientUpdate(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"email", "phone", "ward_id"})

    mrn: Mrn | None = None
    full_name: Name | None = None
    birth_date: BirthDate | None = None
    email: Email | None = None
    phone: Phone | None = None
    ward_id: uuid.UUID | None = None


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    mrn: str
    full_name: str
    birth_date: date
    email: str | None
    phone: str | None
    ward_id: uuid.UUID | None


# Formulary

Strength = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_trimmed)]


class MedicationCreate(_Input):
    code: MedicationCode
    name: Name
    form: DosageForm
    strength: Strength
    unit: DispensingUnit
    pack_size: PackSize = 1
    active: bool = True


class MedicationUpdate(_Patch):
    name: Name | None = None
    form: DosageForm | None = None
    strength: Strength | None = None
    unit: DispensingUnit | None = None
    pack_size: PackSize | None = None
    active: bool | None = None


class MedicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    form: DosageForm
    strength: str
    unit: DispensingUnit
    pack_size: int
    active: bool
