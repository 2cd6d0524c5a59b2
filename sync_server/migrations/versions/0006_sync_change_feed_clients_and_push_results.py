"""sync change feed, clients and push results

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


class _Xid8(sa.types.UserDefinedType[int]):
    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "xid8"


def upgrade() -> None:
    op.execute("CREATE SEQUENCE sync_changes_seq")
    op.create_table(
        "sync_changes",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column(
            "seq", sa.BigInteger(), server_default=sa.text("nextval('sync_changes_seq')"), nullable=False
        ),
        sa.Column("xid", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("scope", "entity", "entity_id", name=op.f("pk_sync_changes")),
    )
    op.execute("ALTER SEQUENCE sync_changes_seq OWNED BY sync_changes.seq")
    op.create_index(
        "ix_sync_changes_live", "sync_changes", ["scope", "seq"], postgresql_where=sa.text("NOT deleted")
    )
    op.create_index("ix_sync_changes_record", "sync_changes", ["entity_id"])
    op.create_index("ix_sync_changes_scope_xid", "sync_changes", ["scope", "xid"])
    op.create_index(
        "ix_sync_changes_tombstones", "sync_changes", ["changed_at"], postgresql_where=sa.text("deleted")
    )
    op.create_table(
        "sync_clients",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_clients_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_sync_clients")),
    )
    op.create_index(op.f("ix_sync_clients_user_id"), "sync_clients", ["user_id"])
    op.create_table(
        "sync_mutation_results",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["sync_clients.client_id"],
            name=op.f("fk_sync_mutation_results_client_id_sync_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "mutation_id", name=op.f("pk_sync_mutation_results")),
    )
    op.create_index(
        op.f("ix_sync_mutation_results_idempotency_key"), "sync_mutation_results", ["idempotency_key"]
    )


def downgrade() -> None:
    op.drop_table("sync_mutation_results")
    op.drop_table("sync_clients")
    op.drop_table("sync_changes")
