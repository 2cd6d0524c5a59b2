"""Who a request acts for. Defined here, below every domain, because every domain (and the audit log)
names the person acting; auth/deps.py is where a request's actor is checked and loaded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.roles import Role


@dataclass(frozen=True)
class Actor:
    """The signed-in person a request acts for, with the scope their role grants."""

    user_id: uuid.UUID
    username: str
    full_name: str
    role: Role
    session_id: uuid.UUID
    ward_ids: frozenset[uuid.UUID]
    doctor_id: uuid.UUID | None

    def is_(self, *roles: Role) -> bool:
        return self.role in roles
