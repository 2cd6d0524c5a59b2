"""Validation rules both ends apply the same way (the desktop validates as you type)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MRN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{5,22}[0-9]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MEDICATION_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
WARD_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")

OLDEST_BIRTH_DATE = date(1890, 1, 1)
MIN_PASSWORD_LENGTH = 10


class DosageForm(StrEnum):
    TABLET = "tablet"
    CAPSULE = "capsule"
    SOLUTION = "solution"
    SUSPENSION = "suspension"
    INJECTION = "injection"
    INFUSION = "infusion"
    CREAM = "cream"
    OINTMENT = "ointment"
    INHALER = "inhaler"
    PATCH = "patch"
    SUPPOSITORY = "suppository"
    DROPS = "drops"


class DispensingUnit(StrEnum):
    """The unit a ward orders in."""

    TABLET = "tablet"
    CAPSULE = "capsule"
    AMPOULE = "ampoule"
    VIAL = "vial"
    BAG = "bag"
    BOTTLE = "bottle"
    TUBE = "tube"
    INHALER = "inhaler"
    PATCH = "patch"
    SUPPOSITORY = "suppository"
    ML = "ml"


def normalise_mrn(value: str) -> str:
    """A medical record number, upper-cased and trimmed; raises ValueError when malformed."""
    mrn = value.strip().upper()
    if not MRN_PATTERN.match(mrn):
        raise ValueError("medical record number must be 3-32 letters, digits or dashes")
    return mrn


def check_phone(value: str) -> str:
    phone = value.strip()
    if not PHONE_PATTERN.match(phone):
        raise ValueError("phone number must contain 7-24 digits, optionally with +, spaces, dashes, brackets")
    return phone


def check_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise ValueError("not a valid e-mail address")
    return email.lower()


def check_birth_date(value: date, *, today: date | None = None) -> date:
    today = today or date.today()
    if value > today:
        raise ValueError("birth date cannot be in the future")
    if value < OLDEST_BIRTH_DATE:
        raise ValueError(f"birth date cannot be before {OLDEST_BIRTH_DATE.isoformat()}")
    return value


def check_time_zone(value: str) -> str:
    """An IANA time zone name such as Europe/Lisbon; raises ValueError otherwise."""
    if value not in available_timezones():
        raise ValueError(f"unknown IANA time zone {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


def check_medication_code(value: str) -> str:
    code = value.strip().upper()
    if not MEDICATION_CODE_PATTERN.match(code):
        raise ValueError("medication code must be 2-32 letters, digits, dots, dashes or underscores")
    return code


def check_username(value: str) -> str:
    name = value.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise ValueError("user name must be 2-63 lower-case letters, digits, dots, dashes or underscores")
    return name


def check_ward_code(value: str) -> str:
    code = value.strip().upper()
    if not WARD_CODE_PATTERN.match(code):
        raise ValueError("ward code must be 1-16 letters, digits or dashes")
    return code


def check_password_strength(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if value.strip() != value:
        raise ValueError("password must not start or end with a space")
    return value
