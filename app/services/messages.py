"""Messages: keyset pages, idempotent posting with the assistant's reply, edits and soft deletes.

Ordering: every new message first bumps (and so locks) its chat's row, then takes its timestamp from
that update. Posts to one chat are therefore serialised, and `(created_at, id)` order is commit order:
a reader paging newest-first never sees a message appear behind a page it already read.
"""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, exists, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.assistant.base import Assistant, AssistantRequest, ThinkingStep
from app.core.errors import Conflict, Forbidden
from app.core.pagination import Keyset, PageRequest, Slice
from app.models import Chat, ChatMember, ChatMemberRole, ChatType, Message, MessageAction, SenderType, User
from app.services.chats import ChatNotFound, MessageNotFound, advance_read_mark, get_membership

# "@ai" as a word of its own: "@AI, help" and "hey @ai" address the assistant; "x@ai.com" or "@aide" do not.
_MENTION = re.compile(r"(?<![\w@.])@ai(?![\w@-]|\.\w)", re.IGNORECASE)


class NotMessageSender(Forbidden):
    code = "not_message_sender"
    detail = "Only the sender can edit a message"


class CannotDeleteMessage(Forbidden):
    code = "insufficient_role"
    detail = "Only the sender, the owner or an admin can delete a message"


class MessageDeleted(Conflict):
    code = "message_deleted"
    detail = "The message was deleted"


@dataclass(frozen=True)
class PostOutcome:
    message: Message
    reply: Message | None
    # False when the client id was seen before and this is the original message.
    created: bool


def addresses_assistant(chat_type: ChatType, content: str) -> bool:
    return chat_type is ChatType.SOLO or _MENTION.search(content) is not None


# --- reading --------------------------------------------------------------------------------------


async def list_messages(
    db: AsyncSession, user: User, chat_id: uuid.UUID, page: PageRequest
) -> Slice[Message]:
    """A page of the chat's messages, newest first; deleted ones keep their place."""
    await get_membership(db, user, chat_id)
    scope = f"messages:{chat_id}"
    query = (
        select(Message)
        .options(joinedload(Message.sender))
        .where(Message.chat_id == chat_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(page.limit + 1)
    )
    after = page.after(scope)
    if after is not None:
        query = query.where(tuple_(Message.created_at, Message.id) < tuple_(after.at, after.id))
    rows = (await db.scalars(query)).all()
    return page.slice(scope, rows, lambda m: Keyset(m.created_at, m.id))


# --- posting --------------------------------------------------------------------------------------


async def _bump_activity(
    db: AsyncSession, chat_id: uuid.UUID, *, member_id: uuid.UUID | None = None
) -> Row[ChatType, datetime] | None:
    """Lock the chat row and move its activity clock forward: `(type, timestamp for the new message)`.

    `greatest` keeps timestamps strictly increasing within a chat even when two posts land in the same
    microsecond or the server clock steps back. With `member_id`, the chat is only found (and bumped)
    when that user is a member, which makes this the visibility check of a post too.
    """
    query = update(Chat).where(Chat.id == chat_id)
    if member_id is not None:
        query = query.where(exists().where(ChatMember.chat_id == Chat.id, ChatMember.user_id == member_id))
    return (
        await db.execute(
            query.values(
                last_activity_at=func.greatest(
                    func.clock_timestamp(), Chat.last_activity_at + timedelta(microseconds=1)
                )
            )
            .returning(Chat.type, Chat.last_activity_at)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()


async def post_assistant_message(
    db: AsyncSession,
    *,
    chat_id: uuid.UUID,
    content: str,
    action: MessageAction = MessageAction.NONE,
    thinking: Iterable[ThinkingStep] = (),
    drawer_data: dict[str, Any] | None = None,
    reply_to_id: uuid.UUID | None = None,
) -> Message:
    """Post a message from the assistant into a chat (a reply, or a prompt such as "re-link your account")."""
    bumped = await _bump_activity(db, chat_id)
    if bumped is None:
        raise ChatNotFound
    message = Message(
        chat_id=chat_id,
        sender_type=SenderType.AI,
        content=content,
        action=action,
        thinking=[{"title": step["title"], "detail": step["detail"]} for step in thinking],
        drawer_data=drawer_data,
        reply_to_id=reply_to_id,
        created_at=bumped.last_activity_at,
    )
    db.add(message)
    await db.flush()
    set_committed_value(message, "sender", None)
    return message


async def post_user_message(
    db: AsyncSession,
    assistant: Assistant,
    user: User,
    chat_id: uuid.UUID,
    *,
    content: str,
    client_id: str | None,
) -> PostOutcome:
    """Post the user's message and, when the assistant is addressed, its reply, in one unit of work.

    A repeated `client_id` returns the original message and reply. Retries that race each other are
    settled by the unique (chat, sender, client_id) constraint: the loser's insert does nothing and it
    returns the winner's message, committed by then because the winner held the chat lock until commit.
    """
    if client_id is not None:
        original = await _find_posted(db, user, chat_id, client_id)
        if original is not None:
            return original
    bumped = await _bump_activity(db, chat_id, member_id=user.id)
    if bumped is None:
        raise ChatNotFound
    chat_type, created_at = bumped
    message: Message | None = await db.scalar(
        insert(Message)
        .values(
            chat_id=chat_id,
            sender_id=user.id,
            sender_type=SenderType.USER,
            content=content,
            client_id=client_id,
            created_at=created_at,
        )
        .on_conflict_do_nothing(index_elements=[Message.chat_id, Message.sender_id, Message.client_id])
        .returning(Message)
    )
    if message is None:
        # Only a client id conflicts: a retry of this very post committed while we waited for the lock.
        original = None if client_id is None else await _find_posted(db, user, chat_id, client_id)
        if original is None:
            raise ChatNotFound
        return original
    set_committed_value(message, "sender", user)

    reply = None
    if addresses_assistant(chat_type, content):
        answer = await assistant.reply(
            AssistantRequest(chat_id=chat_id, chat_type=chat_type, message=message, sender=user, db=db)
        )
        reply = await post_assistant_message(
            db,
            chat_id=chat_id,
            content=answer.content,
            action=answer.action,
            thinking=answer.thinking,
            drawer_data=answer.drawer_data,
            reply_to_id=message.id,
        )
    # The sender has seen their own message and the reply that comes back with it.
    await advance_read_mark(db, chat_id=chat_id, user_id=user.id, message=reply or message)
    return PostOutcome(message, reply, created=True)


async def _find_posted(
    db: AsyncSession, user: User, chat_id: uuid.UUID, client_id: str
) -> PostOutcome | None:
    """The message this sender already posted with `client_id` (while still a member), with its reply."""
    reply = aliased(Message, name="reply")
    candidate = aliased(Message, name="candidate")
    first_reply = (
        select(candidate.id)
        .where(candidate.reply_to_id == Message.id, candidate.sender_type == SenderType.AI)
        .order_by(candidate.created_at, candidate.id)
        .limit(1)
        .correlate(Message)
        .scalar_subquery()
    )
    row = (
        await db.execute(
            select(Message, reply)
            .outerjoin(reply, reply.id == first_reply)
            .where(
                Message.chat_id == chat_id,
                Message.sender_id == user.id,
                Message.client_id == client_id,
                exists().where(ChatMember.chat_id == chat_id, ChatMember.user_id == user.id),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    original, answer = row
    set_committed_value(original, "sender", user)
    if answer is not None:
        set_committed_value(answer, "sender", None)
    return PostOutcome(original, answer, created=False)


# --- changing -------------------------------------------------------------------------------------


async def _message_for_change(
    db: AsyncSession, user: User, chat_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Message, ChatMember]:
    _, me = await get_membership(db, user, chat_id)
    message = await db.scalar(
        select(Message)
        .options(joinedload(Message.sender))
        .where(Message.id == message_id, Message.chat_id == chat_id)
        .with_for_update(of=Message)
    )
    if message is None:
        raise MessageNotFound
    return message, me


async def edit_message(
    db: AsyncSession, user: User, chat_id: uuid.UUID, message_id: uuid.UUID, content: str
) -> Message:
    """Its sender may edit a message; the assistant's messages are not editable."""
    message, _ = await _message_for_change(db, user, chat_id, message_id)
    if message.sender_id != user.id:
        raise NotMessageSender
    if message.deleted:
        raise MessageDeleted
    message.content = content
    message.edited_at = func.clock_timestamp()
    await db.flush()
    await db.refresh(message, ["edited_at"])
    return message


async def delete_message(db: AsyncSession, user: User, chat_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """Soft delete by the sender, the owner or an admin: the row keeps its place, its content goes."""
    message, me = await _message_for_change(db, user, chat_id, message_id)
    if message.sender_id != user.id and me.role not in (ChatMemberRole.OWNER, ChatMemberRole.ADMIN):
        raise CannotDeleteMessage
    if message.deleted:
        return
    message.content = ""
    message.thinking = []
    message.drawer_data = None
    message.deleted_at = func.clock_timestamp()
    await db.flush()
