import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey, str_enum
from app.models.enums import ChatMemberRole, ChatType

if TYPE_CHECKING:
    from app.models.group_context import GroupContext
    from app.models.message import Message
    from app.models.user import User


class Chat(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "chats"
    __table_args__ = (Index("ix_chats_last_activity_at_id", "last_activity_at", "id"),)

    type: Mapped[ChatType] = mapped_column(str_enum(ChatType, "chat_type"), nullable=False)
    title: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Bumped on every new message; "most recent activity first" orders by it.
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    members: Mapped[list["ChatMember"]] = relationship(
        back_populates="chat", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    messages: Mapped[list["Message"]] = relationship(
        back_populates="chat", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    group_context: Mapped["GroupContext | None"] = relationship(
        back_populates="chat", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class ChatMember(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "chat_members"
    __table_args__ = (
        UniqueConstraint("chat_id", "user_id"),
        Index("ix_chat_members_user_id", "user_id"),
    )

    chat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[ChatMemberRole] = mapped_column(str_enum(ChatMemberRole, "chat_member_role"), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # Read marker: the newest message this member has read (by position), for unread counts.
    last_read_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL", use_alter=True)
    )
    last_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    chat: Mapped["Chat"] = relationship(back_populates="members", lazy="raise")
    user: Mapped["User"] = relationship(back_populates="memberships", lazy="raise")
