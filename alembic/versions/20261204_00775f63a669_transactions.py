"""transactions: merchant orders synced from Knot

Revision ID: 00775f63a669
Revises: 395ed8620abf
Create Date: 2026-12-04 19:59:54.305791

"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "00775f63a669"
down_revision: str | None = "395ed8620abf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transactions",
        sa.Column("linked_account_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("knot_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "order_status",
            sa.Enum(
                "ordered",
                "billed",
                "shipped",
                "delivered",
                "returned",
                "refunded",
                "cancelled",
                "failed",
                "completed",
                "picked_up",
                "unrecognized",
                name="order_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("subtotal_cents", sa.BigInteger(), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "adjustments", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column(
            "payment_methods", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("products", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_account_id"],
            ["linked_accounts.id"],
            name=op.f("fk_transactions_linked_account_id_linked_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_transactions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint(
            "linked_account_id", "knot_id", name=op.f("uq_transactions_linked_account_id_knot_id")
        ),
    )
    op.create_index(
        "ix_transactions_linked_account_id_occurred_at_id",
        "transactions",
        ["linked_account_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_transactions_user_id_occurred_at_id",
        "transactions",
        ["user_id", "occurred_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_transactions_user_id_occurred_at_id", table_name="transactions")
    op.drop_index("ix_transactions_linked_account_id_occurred_at_id", table_name="transactions")
    op.drop_table("transactions")
