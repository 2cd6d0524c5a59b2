"""history: the PostgreSQL projection store, doctors' notes

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Notes are append-only: an UPDATE or DELETE of a row is refused by the database itself.
_APPEND_ONLY = """
CREATE FUNCTION history_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'doctors'' notes are never changed or deleted; amend them instead'
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER history_notes_append_only BEFORE UPDATE OR DELETE ON history_notes
    FOR EACH ROW EXECUTE FUNCTION history_notes_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "history_entries",
        sa.Column("patient_id", sa.Uuid(), primary_key=True),
        sa.Column("sort_key", sa.String(96), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entry", postgresql.JSONB(), nullable=False),
    )
    op.create_index("ix_history_entries_kind", "history_entries", ["patient_id", "kind", "sort_key"])
    op.create_table(
        "history_notes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("amends", sa.Uuid(), sa.ForeignKey("history_notes.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(amends IS NULL) = (reason IS NULL)", name="ck_history_notes_amendment_reason"),
    )
    op.create_index("ix_history_notes_patient", "history_notes", ["patient_id", "written_at"])
    op.create_index("ix_history_notes_amends", "history_notes", ["amends"])
    op.execute(_APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER history_notes_append_only ON history_notes")
    op.execute("DROP FUNCTION history_notes_append_only()")
    op.drop_index("ix_history_notes_amends", table_name="history_notes")
    op.drop_index("ix_history_notes_patient", table_name="history_notes")
    op.drop_table("history_notes")
    op.drop_index("ix_history_entries_kind", table_name="history_entries")
    op.drop_table("history_entries")
