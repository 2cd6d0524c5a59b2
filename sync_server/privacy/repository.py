"""Every query of the scope rule: the facts that decide who sees a patient, and break-the-glass grants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.privacy import PatientFacts, Visit

# The patient's ward, and each kept appointment's doctor, local day, status and room ward. A refused
# request never made the patient anybody's, so it is left out here already.
_FACTS = text(
    """
    SELECT p.id, p.ward_id, a.doctor_id, a.status, r.ward_id, d.time_zone,
           CAST(a.starts_at AT TIME ZONE d.time_zone AS date)
      FROM patients AS p
      LEFT JOIN appointments AS a ON a.patient_id = p.id AND a.status <> 'rejected'
      LEFT JOIN doctors AS d ON d.id = a.doctor_id
      LEFT JOIN rooms AS r ON r.id = a.room_id
     WHERE p.id = ANY(CAST(:ids AS uuid[]))
    """
)

_LIVE_GRANT = text(
    "SELECT expires_at FROM break_glass_grants"
    " WHERE user_id = :user_id AND patient_id = :patient_id AND expires_at > :now"
    " ORDER BY expires_at DESC LIMIT 1"
)

_GRANTED_PATIENTS = text(
    "SELECT DISTINCT patient_id FROM break_glass_grants WHERE user_id = :user_id AND expires_at > :now"
)

# Patients whose facts may put them in a carer's scope (a superset: the exact rule is applied to the
# facts afterwards), by name or record number.
_CARE_CANDIDATES = text(
    """
    SELECT p.id FROM patients AS p
     WHERE (CAST(:q AS text) IS NULL OR p.full_name ILIKE :q OR p.mrn ILIKE :q)
       AND (CAST(:ward_id AS uuid) IS NULL OR p.ward_id = :ward_id)
       AND (p.ward_id = ANY(CAST(:wards AS uuid[]))
            OR EXISTS (SELECT 1 FROM appointments AS a
                        WHERE a.patient_id = p.id AND a.status <> 'rejected'
                          AND (a.doctor_id = :doctor_id
                               OR (a.starts_at BETWEEN :since AND :until
                                   AND a.room_id IN (SELECT id FROM rooms
                                                      WHERE ward_id = ANY(CAST(:wards AS uuid[]))))))
            OR p.id = ANY(CAST(:granted AS uuid[])))
     ORDER BY p.full_name, p.id
     LIMIT :limit
    """
)


def patient_facts(session: Session, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PatientFacts]:
    """The facts of each of these patients that exists (one query)."""
    wards: dict[uuid.UUID, uuid.UUID | None] = {}
    visits: dict[uuid.UUID, list[Visit]] = {}
    rows = session.execute(_FACTS, {"ids": [str(p) for p in set(patient_ids)]})
    for patient_id, ward_id, doctor_id, status, room_ward_id, zone, day in rows:
        wards[patient_id] = ward_id
        found = visits.setdefault(patient_id, [])
        if doctor_id is not None:
            found.append(
                Visit(doctor_id=doctor_id, day=day, status=status, room_ward_id=room_ward_id, zone=zone)
            )
    return {
        patient_id: PatientFacts(patient_id=patient_id, ward_id=ward_id, visits=tuple(visits[patient_id]))
        for patient_id, ward_id in wards.items()
    }


def live_grant(
    session: Session, *, user_id: uuid.UUID, patient_id: uuid.UUID, now: datetime
) -> datetime | None:
    """When the user's live break-the-glass grant for the patient ends, or None."""
    found: datetime | None = session.execute(
        _LIVE_GRANT, {"user_id": user_id, "patient_id": patient_id, "now": now}
    ).scalar_one_or_none()
    return found


def granted_patients(session: Session, *, user_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    return list(session.execute(_GRANTED_PATIENTS, {"user_id": user_id, "now": now}).scalars())


def care_candidates(
    session: Session,
    *,
    q: str | None,
    ward_id: uuid.UUID | None,
    wards: Iterable[uuid.UUID],
    doctor_id: uuid.UUID | None,
    granted: Iterable[uuid.UUID],
    since: datetime,
    until: datetime,
    limit: int,
) -> list[uuid.UUID]:
    return list(
        session.execute(
            _CARE_CANDIDATES,
            {
                "q": q,
                "ward_id": ward_id,
                "wards": [str(w) for w in wards],
                "doctor_id": doctor_id,
                "granted": [str(g) for g in granted],
                "since": since,
                "until": until,
                "limit": limit,
            },
        ).scalars()
    )


def patients_with_visits_between(session: Session, *, since: datetime, until: datetime) -> list[uuid.UUID]:
    """Patients with an appointment in a ward's room in this stretch (their ward audiences move daily)."""
    return list(
        session.execute(
            text(
                "SELECT DISTINCT a.patient_id FROM appointments AS a JOIN rooms AS r ON r.id = a.room_id"
                " WHERE r.ward_id IS NOT NULL AND a.starts_at BETWEEN :since AND :until"
            ),
            {"since": since, "until": until},
        ).scalars()
    )
