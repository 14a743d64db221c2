import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey, str_enum
from app.models.enums import MessageAction, SenderType

if TYPE_CHECKING:
    from app.models.chat import Chat
    from app.models.user import User


class Message(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Keyset pagination: newest first within a chat.
        Index("ix_messages_chat_id_created_at_id", "chat_id", "created_at", "id"),
        # Idempotent posting: one message per client key and sender in a chat.
        UniqueConstraint("chat_id", "sender_id", "client_id"),
        Index("ix_messages_reply_to_id", "reply_to_id"),
    )

    chat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), nullable=False)
    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender_type: Mapped[SenderType] = mapped_column(str_enum(SenderType, "sender_type"), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[MessageAction] = mapped_column(
        str_enum(MessageAction, "message_action"),
        nullable=False,
        default=MessageAction.NONE,
        server_default=MessageAction.NONE.value,
    )
    thinking: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
    drawer_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Overrides the mixin so posts can take clock time after the chat lock (not transaction start time).
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )

    chat: Mapped["Chat"] = relationship(back_populates="messages", lazy="raise")
    sender: Mapped["User | None"] = relationship(lazy="raise")

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None
