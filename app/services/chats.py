"""Chats and their members: creation, visibility, roles, read markers and the group ledger view."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.models import Chat, ChatMember, ChatMemberRole, ChatType, User


class ChatNotFound(NotFound):
    code = "chat_not_found"
    detail = "Chat not found"


async def get_or_create_solo_chat(db: AsyncSession, user: User) -> Chat:
    """The user's oldest solo chat, created when they have none (e.g. for a system prompt from Knot)."""
    solo = await _oldest_solo_chat(db, user)
    if solo is not None:
        return solo
    # Serialise concurrent callers on the user's row so they cannot each create a "first" solo chat.
    await db.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    solo = await _oldest_solo_chat(db, user)
    if solo is not None:
        return solo
    return await _create_chat(db, user, ChatType.SOLO, title=None, members=())


async def _oldest_solo_chat(db: AsyncSession, user: User) -> Chat | None:
    return await db.scalar(
        select(Chat)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(ChatMember.user_id == user.id, ChatMember.role == ChatMemberRole.OWNER)
        .where(Chat.type == ChatType.SOLO)
        .order_by(Chat.created_at, Chat.id)
        .limit(1)
    )


async def _create_chat(
    db: AsyncSession, owner: User, chat_type: ChatType, *, title: str | None, members: tuple[User, ...]
) -> Chat:
    chat = Chat(type=chat_type, title=title, created_by_id=owner.id)
    db.add(chat)
    await db.flush()
    db.add(ChatMember(chat_id=chat.id, user_id=owner.id, role=ChatMemberRole.OWNER))
    db.add_all(ChatMember(chat_id=chat.id, user_id=m.id, role=ChatMemberRole.MEMBER) for m in members)
    await db.flush()
    return chat
