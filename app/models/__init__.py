"""All models, imported so `Base.metadata` knows every table (Alembic and scripts rely on it)."""

from app.models.auth_session import AuthSession, RefreshToken
from app.models.base import Base
from app.models.chat import Chat, ChatMember
from app.models.enums import (
    ChatMemberRole,
    ChatType,
    LinkedAccountStatus,
    MessageAction,
    OnboardingStatus,
    SenderType,
)
from app.models.group_context import GroupContext
from app.models.linked_account import LinkedAccount
from app.models.message import Message
from app.models.transaction import OrderStatus, Transaction
from app.models.user import User

__all__ = [
    "AuthSession",
    "Base",
    "Chat",
    "ChatMember",
    "ChatMemberRole",
    "ChatType",
    "GroupContext",
    "LinkedAccount",
    "LinkedAccountStatus",
    "Message",
    "MessageAction",
    "OnboardingStatus",
    "OrderStatus",
    "RefreshToken",
    "SenderType",
    "Transaction",
    "User",
]
