"""History entries on the change feed: each to the patient's carers (payments without their amounts) and,
for appointments and payments, to the front desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shared import privacy
from shared.history import HistoryEntry, HistoryKind
from shared.protocol import Entity
from sync_server.feed.changes import record_change
from sync_server.history.projection import clinical_view
from sync_server.privacy import repository as scope_facts

# What the front desk sees of a patient's history (it books and takes payments; it reads no notes).
DESK_KINDS = frozenset({HistoryKind.APPOINTMENT, HistoryKind.PAYMENT})


def audiences_of(session: Session, entry: HistoryEntry, *, now: datetime) -> tuple[set[str], set[str]]:
    """(care audiences, desk audiences) the entry is published to at `now`."""
    facts = scope_facts.patient_facts(session, [entry.patient_id]).get(entry.patient_id)
    care = set(privacy.care_audiences(facts, now=now)) if facts is not None else set()
    desk = {privacy.DESK} if entry.kind in DESK_KINDS else set()
    return care, desk


def record_entry(session: Session, entry: HistoryEntry, *, now: datetime) -> None:
    """Put the entry on the feed, in the caller's transaction (entries never change: version 1)."""
    care, desk = audiences_of(session, entry, now=now)
    if not care | desk:
        return
    data = entry.model_dump(mode="json")
    clinical = clinical_view(entry).model_dump(mode="json")
    views = {audience: clinical for audience in care} if clinical != data else None
    record_change(
        session,
        entity=Entity.HISTORY_ENTRY,
        entity_id=entry.event_id,
        version=1,
        scopes=sorted(care | desk),
        data=data,
        views=views,
    )
