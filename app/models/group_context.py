import uuid
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from app.models.chat import Chat


class GroupContext(UUIDPrimaryKey, Timestamps, Base):
    """The running ledger of a group chat: totals and each member's net balance."""

    __tablename__ = "group_contexts"

    chat_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD", server_default="USD")
    total_spend_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0, server_default="0")
    expense_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # {user_id: net_cents}; positive means the group owes that member. Always sums to zero.
    balances: Mapped[dict[str, int]] = mapped_column(JSONB, nullable=False, default=dict, server_default="{}")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")

    chat: Mapped["Chat"] = relationship(back_populates="group_context", lazy="raise")
