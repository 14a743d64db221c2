"""Enumerations stored in the database (as their string values)."""

from enum import StrEnum


class OnboardingStatus(StrEnum):
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    SKIPPED = "skipped"


class ChatType(StrEnum):
    SOLO = "solo"
    GROUP = "group"


class ChatMemberRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class SenderType(StrEnum):
    USER = "user"
    AI = "ai"


class MessageAction(StrEnum):
    CARD = "card"
    SPLIT = "split"
    TRACKER = "tracker"
    NONE = "none"


class LinkedAccountStatus(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    LOGIN_REQUIRED = "login_required"
