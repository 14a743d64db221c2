import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey, str_enum
from app.models.enums import LinkedAccountStatus

if TYPE_CHECKING:
    from app.models.user import User


class LinkedAccount(UUIDPrimaryKey, Timestamps, Base):
    """A merchant account a user linked through Knot (one per user and merchant)."""

    __tablename__ = "linked_accounts"
    __table_args__ = (UniqueConstraint("user_id", "merchant_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    merchant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    merchant_name: Mapped[str] = mapped_column(String(100), nullable=False)
    merchant_logo: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[LinkedAccountStatus] = mapped_column(
        str_enum(LinkedAccountStatus, "linked_account_status"),
        nullable=False,
        default=LinkedAccountStatus.CONNECTED,
        server_default=LinkedAccountStatus.CONNECTED.value,
    )
    # Scopes the user granted through Knot (e.g. {"transactions": true}).
    permissions: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default="{}"
    )
    sync_cursor: Mapped[str | None] = mapped_column(Text)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped["User"] = relationship(back_populates="linked_accounts", lazy="raise")
