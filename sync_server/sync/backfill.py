"""Put records written without the services (demo data, bulk imports, data from before sync) on the
change feed. Idempotent: a record the feed already holds in its current state is left alone, so the
desktops download nothing twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shared.protocol import Entity
from sync_server.booking.feed import record_appointment
from sync_server.booking.models import Appointment
from sync_server.directory.feed import KINDS, record_availability, record_directory
from sync_server.directory.models import Doctor
from sync_server.feed.changes import record_change
from sync_server.feed.scopes import ticket_scopes
from sync_server.tickets.models import RefillTicket
from sync_server.tickets.service import ticket_record


def backfill(session: Session) -> int:
    """Record every directory record, schedule, appointment and refill ticket on the feed, in the
    caller's transaction. Returns how many records it went through."""
    count = 0
    for model in KINDS:
        record: object
        for record in session.scalars(select(model)):
            record_directory(session, record)
            count += 1
            if isinstance(record, Doctor):
                record_availability(session, record)
                count += 1
    fed = _fed_versions(session)
    for appointment in session.scalars(select(Appointment)):
        if fed.get(appointment.id, -1) < appointment.version:
            record_appointment(session, appointment)
            count += 1
    for ticket in session.scalars(select(RefillTicket)):
        if fed.get(ticket.id, -1) >= ticket.version:
            continue
        record_change(
            session,
            entity=Entity.TICKET,
            entity_id=ticket.id,
            version=ticket.version,
            scopes=ticket_scopes(ticket.ward_id),
            data=ticket_record(ticket),
        )
        count += 1
    return count


def _fed_versions(session: Session) -> dict[uuid.UUID, int]:
    rows = session.execute(
        text(
            "SELECT entity_id, max(version) FROM sync_changes WHERE entity IN ('appointment', 'ticket')"
            " AND NOT deleted GROUP BY entity_id"
        )
    )
    return {entity_id: int(version) for entity_id, version in rows}
