"""Directory data on the change feed: wards, rooms, doctors, medications and availability for everyone
("reference"); each patient for the people caring for him and the front desk (`shared.privacy`).

The directory service calls `record_directory` after each write and `record_availability` after each
change of a doctor's schedule. Records written without the service are put on the feed by backfill.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from shared.privacy import patient_audiences
from shared.protocol import Entity
from sync_server.core import raw
from sync_server.directory.models import Doctor, Medication, Patient, Room, Ward
from sync_server.documents.feed import record_patients_documents
from sync_server.feed.changes import record_change, to_json
from sync_server.feed.scopes import PATIENTS, REFERENCE
from sync_server.privacy import repository as privacy

_MEDICATION_IDS = uuid.UUID("6f1d3c52-8d43-4a8e-9a57-3f5b8f1e2c11")

KINDS: dict[type, tuple[Entity, str]] = {
    Ward: (Entity.WARD, REFERENCE),
    Room: (Entity.ROOM, REFERENCE),
    Doctor: (Entity.DOCTOR, REFERENCE),
    Medication: (Entity.MEDICATION, REFERENCE),
    Patient: (Entity.PATIENT, PATIENTS),
}


def medication_entity_id(code: str) -> uuid.UUID:
    """Medications are keyed by their formulary code; the feed needs a UUID, derived from the code."""
    return uuid.uuid5(_MEDICATION_IDS, code)


def _columns(record: object) -> dict[str, Any]:
    return {attr.key: getattr(record, attr.key) for attr in inspect(record).mapper.column_attrs}


def _entity_id(record: object) -> uuid.UUID:
    if isinstance(record, Medication):
        return medication_entity_id(record.code)
    entity_id: uuid.UUID = record.id  # type: ignore[attr-defined]
    return entity_id


def _publish(
    session: Session, *, entity: Entity, entity_id: uuid.UUID, scope: str, data: dict[str, Any]
) -> None:
    """Record the directory record unless the feed already holds exactly this state (so a backfill, or
    an update that changed nothing, sends nothing to the desktops). These tables keep no version: the
    feed's is counted on."""
    current = session.execute(
        text(
            "SELECT version, deleted, data FROM sync_changes"
            " WHERE scope = :scope AND entity = :entity AND entity_id = :id"
        ),
        {"scope": scope, "entity": entity.value, "id": entity_id},
    ).one_or_none()
    if current is not None and not current.deleted and current.data == json.loads(to_json(data)):
        return
    record_change(
        session,
        entity=entity,
        entity_id=entity_id,
        version=(current.version if current is not None else 0) + 1,
        scopes=[scope],
        data=data,
    )


def record_directory(session: Session, record: object, *, now: datetime | None = None) -> None:
    """Put a ward, room, doctor, medication or patient (flushed) on the feed; other objects are ignored.
    `now` decides which of a patient's visits are today's (default: the wall clock)."""
    kind = KINDS.get(type(record))
    if kind is None:
        return
    if isinstance(record, Patient):
        record_patients(session, [record.id], now=now)
        return
    entity, scope = kind
    entity_id = _entity_id(record)
    _publish(
        session, entity=entity, entity_id=entity_id, scope=scope, data={"id": entity_id, **_columns(record)}
    )


def availability_record(doctor: Doctor) -> dict[str, Any]:
    """The JSON `data` of a Change for Entity.AVAILABILITY (id = the doctor's id)."""
    return {
        "id": doctor.id,
        "doctor_id": doctor.id,
        "time_zone": doctor.time_zone,
        "default_slot_minutes": doctor.default_slot_minutes,
        "rules": [_columns(rule) for rule in doctor.rules],
        "exceptions": [_columns(exception) for exception in doctor.exceptions],
    }


def record_availability(session: Session, doctor: Doctor) -> None:
    """Put the doctor's whole schedule (weekly rules and exceptions) on the feed, as one record."""
    _publish(
        session,
        entity=Entity.AVAILABILITY,
        entity_id=doctor.id,
        scope=REFERENCE,
        data=availability_record(doctor),
    )


# Per patient, in one round trip: his record as JSON, the facts the scope rule reads, and what the feed
# holds of him (the scopes he is live in, one live copy, the last version).
_PATIENT_AND_FEED = text(
    f"""
    SELECT p.id, p.ward_id, to_jsonb(p), {privacy.VISITS_JSON},
           (SELECT json_build_object(
                       'scopes', coalesce(json_agg(f.scope) FILTER (WHERE NOT f.deleted), '[]'),
                       'data', (array_agg(f.data) FILTER (WHERE NOT f.deleted))[1],
                       'version', coalesce(max(f.version), 0))
              FROM sync_changes AS f WHERE f.entity = 'patient' AND f.entity_id = p.id),
           EXISTS (SELECT 1 FROM documents AS d
                    WHERE d.patient_id = p.id AND d.status IN ('available', 'entered_in_error'))
      FROM patients AS p WHERE p.id = ANY(CAST(:ids AS uuid[]))
    """
)
_PATIENT_AND_FEED_RAW = raw.Statement(_PATIENT_AND_FEED)


def record_patients(
    session: Session, patient_ids: Iterable[uuid.UUID], *, now: datetime | None = None
) -> int:
    """Publish each patient to the audiences the scope rule gives him at `now` (his carers and the front
    desk): a carer who no longer cares for him gets a tombstone, so her cache drops him on the next
    pull. Records already on the feed in this state are left alone (one query, and one statement per
    patient that changed). Returns how many were written."""
    now = now or datetime.now(UTC)
    ids = [str(p) for p in dict.fromkeys(patient_ids)]
    if not ids:
        return 0
    written = 0
    # Patients whose audiences changed and who have documents (as flushed; a booking for a patient
    # without any, the usual case, costs no query more): their documents follow them.
    moved = []
    rows = _PATIENT_AND_FEED_RAW.all(session, {"ids": ids})
    for patient_id, ward_id, data, visits, fed, has_documents in rows:
        audiences = sorted(patient_audiences(privacy.facts_of(patient_id, ward_id, visits), now=now))
        if sorted(fed["scopes"]) != audiences and has_documents:
            moved.append(patient_id)
        if sorted(fed["scopes"]) == audiences and fed["data"] == data:
            continue
        record_change(
            session,
            entity=Entity.PATIENT,
            entity_id=patient_id,
            version=fed["version"] + 1,
            scopes=audiences,
            data=data,
        )
        written += 1
    record_patients_documents(session, moved, now=now)
    return written


def refresh_visit_scopes(session: Session, *, now: datetime) -> int:
    """Re-publish the patients whose ward audiences move with the day: those with an appointment in a
    ward's room around `now` (a nurse sees them on the day of the visit only). Returns how many
    records changed. Run periodically (`start_scope_refresher`) and by `warddesk-server
    sync-refresh-scopes`."""
    around = timedelta(days=2)
    patients = privacy.patients_with_visits_between(session, since=now - around, until=now + around)
    return record_patients(session, patients, now=now)
