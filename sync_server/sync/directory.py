"""Directory data on the change feed: wards, rooms, doctors, medications and availability for everyone
("reference"), patients for the roles that care for or book them ("patients").

The directory service calls `record_directory` after each write and `record_availability` after each
change of a doctor's schedule. Records written without the service are put on the feed by backfill.py.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from shared.protocol import Entity
from sync_server.directory.models import Doctor, Medication, Patient, Room, Ward
from sync_server.sync.feed import record_change, to_json
from sync_server.sync.scopes import PATIENTS, REFERENCE

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


def record_directory(session: Session, record: object) -> None:
    """Put a ward, room, doctor, medication or patient (flushed) on the feed; other objects are ignored."""
    kind = KINDS.get(type(record))
    if kind is None:
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
