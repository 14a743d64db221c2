import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, str_enum


class OrderStatus(StrEnum):
    """Knot's order statuses, lower-cased."""

    ORDERED = "ordered"
    BILLED = "billed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"
    COMPLETED = "completed"
    PICKED_UP = "picked_up"
    UNRECOGNIZED = "unrecognized"


class Transaction(UUIDPrimaryKey, Timestamps, Base):
    """One merchant order synced from Knot (TransactionLink), owned by the linked account it came through."""

    __tablename__ = "transactions"
    __table_args__ = (
        # Upsert target. Scoped to the account rather than global so that one account's data can never
        # overwrite another's, whatever ids an upstream sends.
        UniqueConstraint("linked_account_id", "knot_id"),
        # The user's orders newest first, and per-period sums (keyset pages, spending summaries).
        Index("ix_transactions_user_id_occurred_at_id", "user_id", "occurred_at", "id"),
        # The same within one merchant account (the `merchant_id` filter).
        Index("ix_transactions_linked_account_id_occurred_at_id", "linked_account_id", "occurred_at", "id"),
    )

    linked_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("linked_accounts.id", ondelete="CASCADE"), nullable=False
    )
    # Denormalised from the linked account so per-user queries need no join.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    knot_id: Mapped[str] = mapped_column(String(64), nullable=False)
    external_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    order_status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD", server_default="USD")
    subtotal_cents: Mapped[int | None] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # [{type, label, amount_cents}]: tax, tips, fees, discounts (negative) between subtotal and total.
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
    # [{type, brand, last_four, name, amount_cents}]; several when an order was split (e.g. gift card + card).
    payment_methods: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
    # SKU-level lines: [{external_id, name, quantity, unit_price_cents, subtotal_cents, total_cents}].
    products: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
