"""The seam between chats and the assistant: what it is asked and what it answers."""

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ChatType, Message, MessageAction, User


class ThinkingStep(TypedDict):
    """One step of what the assistant computed, shown to the user as its reasoning trace."""

    title: str
    detail: str


@dataclass(frozen=True)
class AssistantRequest:
    chat_id: uuid.UUID
    chat_type: ChatType
    message: Message
    sender: User
    # The request's unit of work: the assistant may query (wallet, ledger, transactions) and its
    # changes (e.g. a split updating the group ledger) commit together with the reply.
    db: AsyncSession


@dataclass(frozen=True)
class AssistantReply:
    content: str
    action: MessageAction = MessageAction.NONE
    thinking: list[ThinkingStep] = field(default_factory=list)
    drawer_data: dict[str, Any] | None = None


class Assistant(Protocol):
    async def reply(self, request: AssistantRequest) -> AssistantReply: ...
