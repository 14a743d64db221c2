import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from app.models.user import User


class AuthSession(UUIDPrimaryKey, Timestamps, Base):
    """A signed-in device. Access tokens carry its id, so revoking it signs that device out at once."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped["User"] = relationship(back_populates="auth_sessions", lazy="raise")
    refresh_tokens: Mapped[list["RefreshToken"]] = relationship(
        back_populates="session", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class RefreshToken(UUIDPrimaryKey, Timestamps, Base):
    """One link of a session's rotation chain; only the SHA-256 of the opaque token is stored."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_session_id", "session_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    # Set when the token is exchanged; presenting it again is reuse.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped["AuthSession"] = relationship(back_populates="refresh_tokens", lazy="raise")
