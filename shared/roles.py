"""Who does what in the hospital."""

from enum import StrEnum


class Role(StrEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    SCHEDULER = "scheduler"
    ADMIN = "admin"
