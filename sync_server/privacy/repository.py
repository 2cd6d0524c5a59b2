"""Every query of the scope rule: the facts that decide who sees a patient, and break-the-glass grants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.privacy import PatientFacts, Visit

# Each kept appointment of patient p as [doctor, status, room's ward, doctor's zone, local day]: what the
# scope rule reads of his visits. A refused request never made the patient anybody's: left out here.
VISITS_JSON = """
    (SELECT coalesce(json_agg(json_build_array(a.doctor_id, a.status, r.ward_id, d.time_zone,
                                               CAST(a.starts_at AT TIME ZONE d.time_zone AS date))), '[]')
       FROM appointments AS a
       JOIN doctors AS d ON d.id = a.doctor_id
       LEFT JOIN rooms AS r ON r.id = a.room_id
      WHERE a.patient_id = p.id AND a.status <> 'rejected')
"""

_FACTS = text(
    f"SELECT p.id, p.ward_id, {VISITS_JSON} FROM patients AS p WHERE p.id = ANY(CAST(:ids AS uuid[]))"
)


def facts_of(patient_id: uuid.UUID, ward_id: uuid.UUID | None, visits: list[list[Any]]) -> PatientFacts:
    """PatientFacts from a row of a query that selects VISITS_JSON."""
    return PatientFacts(
        patient_id=patient_id,
        ward_id=ward_id,
        visits=tuple(
            Visit(
                doctor_id=uuid.UUID(doctor),
                status=status,
                room_ward_id=uuid.UUID(room_ward) if room_ward else None,
                zone=zone,
                day=date.fromisoformat(day),
            )
            for doctor, status, room_ward, zone, day in visits
        ),
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
    rows = session.connection().execute(_FACTS, {"ids": [str(p) for p in set(patient_ids)]})
    return {patient_id: facts_of(patient_id, ward_id, visits) for patient_id, ward_id, visits in rows}


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
