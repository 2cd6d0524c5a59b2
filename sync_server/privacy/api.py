"""Break the glass: a doctor opens a patient outside his care in an emergency, with a typed reason."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from shared.roles import Role
from sync_server.auth.deps import Actor, require
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.openapi import WITH_BODY, errors
from sync_server.privacy.schemas import BreakGlassIn, BreakGlassOut
from sync_server.privacy.service import PatientScope

router = APIRouter(tags=["patients"])

Doctor = Annotated[Actor, Depends(require(Role.DOCTOR))]


@router.post(
    "/patients/{patient_id}/break-glass",
    response_model=BreakGlassOut,
    status_code=201,
    responses=errors(*WITH_BODY, 403, 404),
)
def break_glass(
    session: DbSession,
    actor: Doctor,
    client: Client,
    settings: SettingsDep,
    now: Now,
    patient_id: uuid.UUID,
    body: BreakGlassIn,
) -> BreakGlassOut:
    """A doctor opens a patient outside his care in an emergency, with a typed reason: for
    WARDDESK_BREAK_GLASS_MINUTES he may read the patient and the patient's appointments. The grant
    and every read through it are audited; it is never put in the doctor's offline cache."""
    grant = PatientScope(session, actor=actor, client=client, now=now).break_glass(
        patient_id, reason=body.reason, minutes=settings.break_glass_minutes
    )
    return BreakGlassOut(patient_id=grant.patient_id, expires_at=grant.expires_at)
