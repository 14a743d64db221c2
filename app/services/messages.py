"""Messages: keyset pages, idempotent posting with the assistant's reply, edits and soft deletes."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.models import Chat, Message, MessageAction, SenderType
from app.services.chats import ChatNotFound


async def _bump_activity(db: AsyncSession, chat_id: uuid.UUID) -> datetime:
    """Lock the chat row and move its activity clock forward; returns the new message's timestamp.

    Every post in a chat goes through this row lock, so posts are serialised and a timestamp taken
    after it orders messages as they commit. `greatest` keeps timestamps strictly increasing within a
    chat even if two posts land in the same microsecond or the server clock steps back.
    """
    stamp = await db.scalar(
        update(Chat)
        .where(Chat.id == chat_id)
        .values(
            last_activity_at=func.greatest(
                func.clock_timestamp(), Chat.last_activity_at + timedelta(microseconds=1)
            )
        )
        .returning(Chat.last_activity_at)
        .execution_options(synchronize_session=False)
    )
    if stamp is None:
        raise ChatNotFound
    return stamp


async def post_assistant_message(
    db: AsyncSession,
    *,
    chat_id: uuid.UUID,
    content: str,
    action: MessageAction = MessageAction.NONE,
    thinking: Iterable[Mapping[str, str]] = (),
    drawer_data: dict[str, Any] | None = None,
    reply_to_id: uuid.UUID | None = None,
) -> Message:
    """Post a message from the assistant into a chat (a reply, or a prompt such as "re-link your account")."""
    created_at = await _bump_activity(db, chat_id)
    message = Message(
        chat_id=chat_id,
        sender_type=SenderType.AI,
        content=content,
        action=action,
        thinking=[{"title": step["title"], "detail": step["detail"]} for step in thinking],
        drawer_data=drawer_data,
        reply_to_id=reply_to_id,
        created_at=created_at,
    )
    db.add(message)
    await db.flush()
    set_committed_value(message, "sender", None)
    return message
