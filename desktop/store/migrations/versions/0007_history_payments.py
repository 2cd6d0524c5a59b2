"""patient history timeline and desk ledger cache

The pulled `history_entry` and `payment` records stay in `records` (their JSON as the server sent it, so
the sync's rebase, resets and scope changes treat them like any other record); these tables index them
for the screens, kept in step by triggers on `records`: newest-first paging per patient (and kind), and
the ledger by appointment, patient and desk day.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Delete-then-insert, not INSERT OR REPLACE: inside a trigger fired by the pull's upsert, SQLite applies
# the outer statement's conflict policy (abort), and a redelivered record would fail the whole page.
_HISTORY_ROW = """
    DELETE FROM history_entries WHERE id = NEW.id;
    INSERT INTO history_entries (id, patient_id, kind, sort_key)
    VALUES (
        NEW.id,
        coalesce(json_extract(NEW.data, '$.patient_id'), ''),
        coalesce(json_extract(NEW.data, '$.kind'), ''),
        coalesce(json_extract(NEW.data, '$.sort_key'), '')
    );
"""
# recorded_at as naive UTC text ("2026-03-05 10:20:00.000"), whatever offset the server wrote it with.
_LEDGER_ROW = """
    DELETE FROM ledger_entries WHERE id = NEW.id;
    INSERT INTO ledger_entries
        (id, payment_id, appointment_id, patient_id, desk, entry_type, recorded_at)
    VALUES (
        NEW.id,
        coalesce(json_extract(NEW.data, '$.payment_id'), NEW.id),
        coalesce(json_extract(NEW.data, '$.appointment_id'), ''),
        coalesce(json_extract(NEW.data, '$.patient_id'), ''),
        coalesce(json_extract(NEW.data, '$.desk'), ''),
        coalesce(json_extract(NEW.data, '$.entry_type'), ''),
        coalesce(strftime('%Y-%m-%d %H:%M:%f', json_extract(NEW.data, '$.recorded_at')), '')
    );
"""
TRIGGERS = {
    "history_entries_inserted": (
        "AFTER INSERT ON records WHEN NEW.entity = 'history_entry'",
        _HISTORY_ROW,
    ),
    "history_entries_updated": (
        "AFTER UPDATE OF data ON records WHEN NEW.entity = 'history_entry'",
        _HISTORY_ROW,
    ),
    "history_entries_deleted": (
        "AFTER DELETE ON records WHEN OLD.entity = 'history_entry'",
        "DELETE FROM history_entries WHERE id = OLD.id;",
    ),
    "ledger_entries_inserted": ("AFTER INSERT ON records WHEN NEW.entity = 'payment'", _LEDGER_ROW),
    "ledger_entries_updated": ("AFTER UPDATE OF data ON records WHEN NEW.entity = 'payment'", _LEDGER_ROW),
    "ledger_entries_deleted": (
        "AFTER DELETE ON records WHEN OLD.entity = 'payment'",
        "DELETE FROM ledger_entries WHERE id = OLD.id;",
    ),
}


def upgrade() -> None:
    op.create_table(
        "history_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sort_key", sa.String(80), nullable=False),
    )
    op.create_index("ix_history_entries_patient", "history_entries", ["patient_id", "sort_key"])
    op.create_index("ix_history_entries_patient_kind", "history_entries", ["patient_id", "kind", "sort_key"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_ledger_entries_appointment", "ledger_entries", ["appointment_id"])
    op.create_index("ix_ledger_entries_patient", "ledger_entries", ["patient_id"])
    op.create_index("ix_ledger_entries_desk_day", "ledger_entries", ["desk", "recorded_at"])
    for name, (when, body) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    # Records pulled before this version (none are sent to older desktops, but a cache is a cache).
    op.execute("UPDATE records SET data = data WHERE entity IN ('history_entry', 'payment')")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("ledger_entries")
    op.drop_table("history_entries")
