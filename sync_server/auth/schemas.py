from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.roles import Role
from shared.rules import check_password_strength, check_username

Username = Annotated[str, Field(min_length=2, max_length=63), AfterValidator(check_username)]
Password = Annotated[str, Field(max_length=200), AfterValidator(check_password_strength)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str
    refresh_expires_in: int
    user: UserOut


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    active: bool
    doctor_id: uuid.UUID | None
    ward_ids: list[uuid.UUID]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: Password
    doctor_id: uuid.UUID | None = None
    ward_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _scope_matches_role(self) -> UserCreate:
        if self.role is Role.DOCTOR and self.doctor_id is None:
            raise ValueError("a doctor account must name its doctor record (doctor_id)")
        if self.role is not Role.DOCTOR and self.doctor_id is not None:
            raise ValueError("only doctor accounts have a doctor record")
        if self.role is Role.NURSE and not self.ward_ids:
            raise ValueError("a nurse must belong to at least one ward (ward_ids)")
        if self.role not in (Role.NURSE, Role.DOCTOR) and self.ward_ids:
            raise ValueError("only nurses (their wards) and doctors (the wards they cover) have wards")
        return self


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    password: Password | None = None
    ward_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)


TokenResponse.model_rebuild()
