"""payments: fees and the append-only ledger

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The ledger is append-only: an UPDATE or DELETE of a row is refused by the database itself (a mistake is
# put right with a refund, which is a row of its own).
_APPEND_ONLY = """
CREATE FUNCTION payment_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the payment ledger is append-only: record a refund instead'
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER payment_ledger_append_only BEFORE UPDATE OR DELETE ON payment_ledger
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "consultation_fees",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("doctor_id", sa.Uuid(), sa.ForeignKey("doctors.id", ondelete="CASCADE"), nullable=False),
        sa.Column("appointment_type", sa.String(64), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("set_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("doctor_id", "appointment_type", name="uq_consultation_fees_doctor_type"),
        sa.CheckConstraint("amount > 0", name="ck_consultation_fees_amount"),
    )
    op.execute("CREATE SEQUENCE payment_receipt_numbers")
    op.create_table(
        "payment_ledger",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column(
            "payment_id", sa.Uuid(), sa.ForeignKey("payment_ledger.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column(
            "appointment_id", sa.Uuid(), sa.ForeignKey("appointments.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), sa.ForeignKey("doctors.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("authorisation_number", sa.String(64), nullable=True),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "receipt_number",
            sa.BigInteger(),
            server_default=sa.text("nextval('payment_receipt_numbers')"),
            nullable=False,
        ),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.UniqueConstraint("receipt_number", name="uq_payment_ledger_receipt_number"),
        sa.CheckConstraint("entry_type IN ('payment', 'refund')", name="ck_payment_ledger_entry_type"),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'pix', 'health_plan')", name="ck_payment_ledger_method"
        ),
        sa.CheckConstraint("amount > 0", name="ck_payment_ledger_amount"),
        sa.CheckConstraint(
            "(entry_type = 'payment' AND payment_id = id AND reason IS NULL)"
            " OR (entry_type = 'refund' AND payment_id <> id AND reason IS NOT NULL)",
            name="ck_payment_ledger_shape",
        ),
        sa.CheckConstraint(
            "method <> 'health_plan' OR entry_type = 'refund' OR authorisation_number IS NOT NULL",
            name="ck_payment_ledger_plan_number",
        ),
    )
    op.create_index("ix_payment_ledger_recorded", "payment_ledger", ["recorded_at"])
    op.create_index("ix_payment_ledger_payment", "payment_ledger", ["payment_id"])
    op.create_index("ix_payment_ledger_appointment", "payment_ledger", ["appointment_id"])
    op.execute(_APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER payment_ledger_append_only ON payment_ledger")
    op.execute("DROP FUNCTION payment_ledger_append_only()")
    op.drop_table("payment_ledger")
    op.execute("DROP SEQUENCE payment_receipt_numbers")
    op.drop_table("consultation_fees")
