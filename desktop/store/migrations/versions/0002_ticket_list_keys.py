"""tickets: the submission time as a column and one covering index for the ticket list screens

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc_text(value: object) -> str | None:
    """As the cache stores datetimes (schema.UtcDateTime): naive UTC in SQLAlchemy's text form."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_tickets_list_keys",
            ["ward_id", "status", "priority", "needed_by", "submitted_at", "id"],
            unique=False,
        )
    # Tickets cached before this revision get their submission time from their record.
    connection = op.get_bind()
    updates = []
    for ticket_id, data in connection.exec_driver_sql("SELECT id, data FROM tickets").fetchall():
        record = json.loads(data) if isinstance(data, str) else (data or {})
        updates.append((_utc_text(record.get("submitted_at")), ticket_id))
    if updates:
        connection.exec_driver_sql("UPDATE tickets SET submitted_at = ? WHERE id = ?", updates)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_list_keys")
        batch_op.drop_column("submitted_at")
