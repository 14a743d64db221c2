"""The database itself enforces the rules the contract relies on, whatever code writes to it."""

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Chat,
    ChatMember,
    ChatMemberRole,
    ChatType,
    GroupContext,
    LinkedAccount,
    Message,
    SenderType,
    User,
)


def make_user(email: str | None = None) -> User:
    return User(
        email=email or f"u-{uuid.uuid4().hex[:8]}@example.com",
        full_name="U",
        password_hash="x",
        preferences={},
    )


async def expect_violation(db: AsyncSession, *rows: object) -> None:
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add_all(rows)
            await db.flush()


async def test_email_is_unique_case_insensitively(db: AsyncSession) -> None:
    db.add(make_user("case@example.com"))
    await db.flush()
    await expect_violation(db, make_user("CASE@example.com"))


async def test_membership_is_unique_per_chat_and_user(db: AsyncSession) -> None:
    user = make_user()
    chat = Chat(type=ChatType.GROUP, title="Trip")
    db.add_all([user, chat])
    await db.flush()
    db.add(ChatMember(chat_id=chat.id, user_id=user.id, role=ChatMemberRole.OWNER))
    await db.flush()
    await expect_violation(db, ChatMember(chat_id=chat.id, user_id=user.id, role=ChatMemberRole.MEMBER))


async def test_client_id_is_unique_per_chat_and_sender(db: AsyncSession) -> None:
    user = make_user()
    chat = Chat(type=ChatType.SOLO)
    db.add_all([user, chat])
    await db.flush()

    def message(client_id: str | None) -> Message:
        return Message(
            chat_id=chat.id, sender_id=user.id, sender_type=SenderType.USER, content="hi", client_id=client_id
        )

    db.add_all([message("k1"), message(None), message(None)])
    await db.flush()
    await expect_violation(db, message("k1"))


async def test_one_group_context_per_chat(db: AsyncSession) -> None:
    chat = Chat(type=ChatType.GROUP, title="Flat")
    db.add(chat)
    await db.flush()
    db.add(GroupContext(chat_id=chat.id))
    await db.flush()
    await expect_violation(db, GroupContext(chat_id=chat.id))


async def test_one_linked_account_per_user_and_merchant(db: AsyncSession) -> None:
    user = make_user()
    db.add(user)
    await db.flush()
    db.add(LinkedAccount(user_id=user.id, merchant_id=44, merchant_name="Amazon"))
    await db.flush()
    await expect_violation(db, LinkedAccount(user_id=user.id, merchant_id=44, merchant_name="Amazon"))


async def test_enum_columns_refuse_unknown_values(db: AsyncSession) -> None:
    with pytest.raises(DBAPIError, match="ck_chats_chat_type"):
        async with db.begin_nested():
            await db.execute(text("INSERT INTO chats (id, type) VALUES (gen_random_uuid(), 'party')"))


async def test_deleting_a_chat_cascades_to_its_members_messages_and_context_only(db: AsyncSession) -> None:
    user = make_user()
    doomed, kept = Chat(type=ChatType.GROUP, title="Doomed"), Chat(type=ChatType.GROUP, title="Kept")
    db.add_all([user, doomed, kept])
    await db.flush()
    for chat in (doomed, kept):
        db.add_all(
            [
                ChatMember(chat_id=chat.id, user_id=user.id, role=ChatMemberRole.OWNER),
                Message(chat_id=chat.id, sender_id=user.id, sender_type=SenderType.USER, content="x"),
                GroupContext(chat_id=chat.id),
            ]
        )
    await db.flush()
    await db.execute(text("DELETE FROM chats WHERE id = :id"), {"id": doomed.id})
    for model in (ChatMember, Message, GroupContext):
        rows = (await db.execute(select(model.chat_id))).scalars().all()  # type: ignore[attr-defined]
        assert doomed.id not in rows
        assert kept.id in rows
    assert await db.scalar(select(func.count()).select_from(User).where(User.id == user.id)) == 1


async def test_deleting_a_user_keeps_their_messages_in_shared_chats(db: AsyncSession) -> None:
    author, friend = make_user(), make_user()
    chat = Chat(type=ChatType.GROUP, title="Shared")
    db.add_all([author, friend, chat])
    await db.flush()
    message = Message(chat_id=chat.id, sender_id=author.id, sender_type=SenderType.USER, content="hello")
    db.add(message)
    await db.flush()
    await db.execute(text("DELETE FROM users WHERE id = :id"), {"id": author.id})
    sender = await db.scalar(select(Message.sender_id).where(Message.id == message.id))
    assert sender is None
