"""Chats and their members: creation, visibility, roles, read marks and the group ledger view.

Visibility is part of every query: a chat is looked up *as seen by* the caller (joined on their
membership), so a non-member finds nothing and gets the same 404 as for a chat that does not exist.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, select, true, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable, validation_issue
from app.core.pagination import Keyset, PageRequest, Slice
from app.models import Chat, ChatMember, ChatMemberRole, ChatType, GroupContext, Message, SenderType, User
from app.schemas.chat import GroupChatCreate, SoloChatCreate
from app.services.ledger import settle_up

PREVIEW_CHARS = 140
MANAGERS = (ChatMemberRole.OWNER, ChatMemberRole.ADMIN)
# Members are listed owner first, then admins, then everyone else in joining order.
_ROLE_RANK = case({ChatMemberRole.OWNER: 0, ChatMemberRole.ADMIN: 1}, value=ChatMember.role, else_=2)


class ChatNotFound(NotFound):
    code = "chat_not_found"
    detail = "Chat not found"


class MessageNotFound(NotFound):
    code = "message_not_found"
    detail = "Message not found"


class MemberNotFound(NotFound):
    code = "member_not_found"
    detail = "That user is not a member of this chat"


class NotAGroup(NotFound):
    code = "not_a_group"
    detail = "This is a solo chat; only group chats have a shared ledger"


class SoloChatMembersFixed(Conflict):
    code = "not_a_group"
    detail = "A solo chat has exactly one member; create a group chat to add people"


class RoleRequired(Forbidden):
    code = "insufficient_role"


class AlreadyMember(Conflict):
    code = "already_member"
    detail = "That user is already a member of this chat"


class OwnerCannotLeave(Conflict):
    code = "owner_cannot_leave"
    detail = "The owner cannot leave; make another member the owner first"


class OwnerCannotStepDown(Conflict):
    code = "owner_cannot_step_down"
    detail = "The owner's role changes only by making another member the owner"


class UnknownEmails(Unprocessable):
    code = "unknown_email"

    def __init__(self, unknown: Sequence[tuple[tuple[str | int, ...], str]]) -> None:
        emails = ", ".join(email for _, email in unknown)
        super().__init__(
            f"No account exists for: {emails}",
            extra={
                "errors": [
                    validation_issue(["body", *loc], "no account with this email", self.code)
                    for loc, _ in unknown
                ]
            },
        )


@dataclass(frozen=True)
class LastMessage:
    id: uuid.UUID
    sender_type: SenderType
    sender: User | None
    excerpt: str
    created_at: datetime
    deleted: bool


@dataclass(frozen=True)
class ChatOverview:
    """A chat as one member sees it in their list."""

    chat: Chat
    my_role: ChatMemberRole
    member_count: int
    unread_count: int
    last_message: LastMessage | None

    @property
    def id(self) -> uuid.UUID:
        return self.chat.id

    @property
    def type(self) -> ChatType:
        return self.chat.type

    @property
    def title(self) -> str | None:
        return self.chat.title

    @property
    def created_at(self) -> datetime:
        return self.chat.created_at

    @property
    def updated_at(self) -> datetime:
        return self.chat.updated_at


@dataclass(frozen=True)
class ChatDetails(ChatOverview):
    members: list[ChatMember]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    full_name: str


@dataclass(frozen=True)
class BalanceView:
    user: Person
    net_cents: int


@dataclass(frozen=True)
class PaymentView:
    from_: Person
    to: Person
    amount_cents: int


@dataclass(frozen=True)
class GroupContextView:
    chat_id: uuid.UUID
    currency: str
    total_spend_cents: int
    expense_count: int
    balances: list[BalanceView]
    settle_up: list[PaymentView]
    summary: str
    updated_at: datetime


# --- visibility and roles -------------------------------------------------------------------------


async def get_membership(
    db: AsyncSession, user: User, chat_id: uuid.UUID, *, lock: bool = False
) -> tuple[Chat, ChatMember]:
    """The chat and the caller's membership, or ChatNotFound when they are not a member.

    `lock` takes the chat row (FOR NO KEY UPDATE, so it does not block foreign-key checks of new
    messages) to serialise changes to membership and roles within one chat.
    """
    query = (
        select(Chat, ChatMember)
        .join(ChatMember, and_(ChatMember.chat_id == Chat.id, ChatMember.user_id == user.id))
        .where(Chat.id == chat_id)
    )
    if lock:
        query = query.with_for_update(of=Chat, key_share=True)
    row = (await db.execute(query)).one_or_none()
    if row is None:
        raise ChatNotFound
    chat, me = row
    if lock:
        # That statement saw the membership as of its start, maybe before it waited for the lock
        # (e.g. behind an ownership transfer); read it again now that this chat's changes are serialised.
        fresh = await db.scalar(
            select(ChatMember).where(ChatMember.id == me.id).execution_options(populate_existing=True)
        )
        if fresh is None:
            raise ChatNotFound
        me = fresh
    return chat, me


def require_role(member: ChatMember, roles: Sequence[ChatMemberRole], detail: str) -> None:
    if member.role not in roles:
        raise RoleRequired(detail)


# --- reading chats --------------------------------------------------------------------------------


def _overview_query(user: User) -> Select[Any]:
    """Chats the user belongs to, with everything a list row shows, in one statement."""
    me = aliased(ChatMember, name="me")
    read_mark = aliased(Message, name="read_mark")
    others = aliased(ChatMember, name="others")
    sender = aliased(User, name="last_sender")
    member_count = select(func.count()).select_from(others).where(others.chat_id == Chat.id).scalar_subquery()
    # Read position: the marked message, or the moment of joining when nothing was marked yet.
    unread_count = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.chat_id == Chat.id,
            Message.deleted_at.is_(None),
            Message.sender_id.is_distinct_from(user.id),
            tuple_(Message.created_at, Message.id)
            > tuple_(
                func.coalesce(read_mark.created_at, me.joined_at),
                func.coalesce(read_mark.id, uuid.UUID(int=0)),
            ),
        )
        .scalar_subquery()
    )
    last = (
        select(
            Message.id,
            Message.sender_type,
            Message.sender_id,
            func.left(Message.content, PREVIEW_CHARS).label("excerpt"),
            Message.created_at,
            Message.deleted_at,
        )
        .where(Message.chat_id == Chat.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .lateral("last_message")
    )
    return (
        select(Chat, me.role, member_count, unread_count, last, sender)
        .join(me, and_(me.chat_id == Chat.id, me.user_id == user.id))
        .outerjoin(read_mark, read_mark.id == me.last_read_message_id)
        .outerjoin(last, true())
        .outerjoin(sender, sender.id == last.c.sender_id)
    )


def _to_overview(row: Any) -> ChatOverview:
    chat, role, member_count, unread_count, last_id, sender_type, _, excerpt, at, deleted_at, sender = row
    last_message = (
        None
        if last_id is None
        else LastMessage(last_id, sender_type, sender, excerpt, at, deleted=deleted_at is not None)
    )
    return ChatOverview(chat, role, member_count, unread_count, last_message)


async def list_chats(db: AsyncSession, user: User, page: PageRequest) -> Slice[ChatOverview]:
    """The user's chats, most recent activity first."""
    scope = f"chats:{user.id}"
    query = _overview_query(user).order_by(Chat.last_activity_at.desc(), Chat.id.desc()).limit(page.limit + 1)
    after = page.after(scope)
    if after is not None:
        query = query.where(tuple_(Chat.last_activity_at, Chat.id) < tuple_(after.at, after.id))
    rows = [_to_overview(row) for row in await db.execute(query)]
    return page.slice(scope, rows, lambda o: Keyset(o.chat.last_activity_at, o.chat.id))


async def get_chat(db: AsyncSession, user: User, chat_id: uuid.UUID) -> ChatDetails:
    row = (await db.execute(_overview_query(user).where(Chat.id == chat_id))).one_or_none()
    if row is None:
        raise ChatNotFound
    overview = _to_overview(row)
    members = await db.scalars(
        select(ChatMember)
        .options(joinedload(ChatMember.user))
        .where(ChatMember.chat_id == chat_id)
        .order_by(_ROLE_RANK, ChatMember.joined_at, ChatMember.id)
    )
    return ChatDetails(**vars(overview), members=list(members))


# --- creating and changing chats ------------------------------------------------------------------


async def create_chat(db: AsyncSession, user: User, data: SoloChatCreate | GroupChatCreate) -> ChatDetails:
    if isinstance(data, SoloChatCreate):
        chat = await _create_chat(db, user, ChatType.SOLO, title=data.title, members=())
    else:
        members = await _users_by_email(db, user, data.member_emails)
        chat = await _create_chat(db, user, ChatType.GROUP, title=data.title, members=members)
    return await get_chat(db, user, chat.id)


async def _users_by_email(db: AsyncSession, creator: User, emails: Sequence[str]) -> tuple[User, ...]:
    """The accounts behind the emails, the creator and repeats left out; unknown emails are an error."""
    wanted: dict[str, int] = {}
    for index, email in enumerate(emails):
        wanted.setdefault(email.strip().lower(), index)
    wanted.pop(creator.email, None)
    if not wanted:
        return ()
    found = {u.email: u for u in await db.scalars(select(User).where(func.lower(User.email).in_(wanted)))}
    unknown = [(("member_emails", index), email) for email, index in wanted.items() if email not in found]
    if unknown:
        raise UnknownEmails(unknown)
    return tuple(found[email] for email in wanted)


async def _create_chat(
    db: AsyncSession, owner: User, chat_type: ChatType, *, title: str | None, members: Sequence[User]
) -> Chat:
    # Clock time, not transaction time: chats created in one transaction still list in creation order.
    chat = Chat(type=chat_type, title=title, created_by_id=owner.id, last_activity_at=func.clock_timestamp())
    db.add(chat)
    await db.flush()
    db.add(ChatMember(chat_id=chat.id, user_id=owner.id, role=ChatMemberRole.OWNER))
    db.add_all(ChatMember(chat_id=chat.id, user_id=m.id, role=ChatMemberRole.MEMBER) for m in members)
    await db.flush()
    return chat


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


async def rename_chat(db: AsyncSession, user: User, chat_id: uuid.UUID, title: str) -> ChatDetails:
    chat, me = await get_membership(db, user, chat_id, lock=True)
    require_role(me, MANAGERS, "Only the owner or an admin can rename this chat")
    chat.title = title
    await db.flush()
    return await get_chat(db, user, chat_id)


async def delete_chat(db: AsyncSession, user: User, chat_id: uuid.UUID) -> None:
    """Delete the chat with its members, messages and ledger (the database cascades)."""
    _, me = await get_membership(db, user, chat_id, lock=True)
    require_role(me, (ChatMemberRole.OWNER,), "Only the owner can delete this chat")
    await db.execute(delete(Chat).where(Chat.id == chat_id))


# --- members --------------------------------------------------------------------------------------


async def add_member(
    db: AsyncSession, user: User, chat_id: uuid.UUID, *, email: str, role: ChatMemberRole
) -> ChatMember:
    chat, me = await get_membership(db, user, chat_id, lock=True)
    require_role(me, MANAGERS, "Only the owner or an admin can add members")
    if role is ChatMemberRole.ADMIN:
        require_role(me, (ChatMemberRole.OWNER,), "Only the owner can appoint admins")
    if chat.type is ChatType.SOLO:
        raise SoloChatMembersFixed
    newcomer = await db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if newcomer is None:
        raise UnknownEmails([(("email",), email)])
    member: ChatMember | None = await db.scalar(
        insert(ChatMember)
        .values(chat_id=chat_id, user_id=newcomer.id, role=role)
        .on_conflict_do_nothing(index_elements=[ChatMember.chat_id, ChatMember.user_id])
        .returning(ChatMember)
    )
    if member is None:
        raise AlreadyMember
    set_committed_value(member, "user", newcomer)
    return member


async def _member_of(db: AsyncSession, chat_id: uuid.UUID, user_id: uuid.UUID) -> ChatMember:
    member = await db.scalar(
        select(ChatMember)
        .options(joinedload(ChatMember.user))
        .where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
    )
    if member is None:
        raise MemberNotFound
    return member


async def change_member_role(
    db: AsyncSession, user: User, chat_id: uuid.UUID, member_id: uuid.UUID, role: ChatMemberRole
) -> ChatMember:
    """Owner only. Making someone `owner` transfers ownership: the previous owner becomes an admin."""
    _, me = await get_membership(db, user, chat_id, lock=True)
    require_role(me, (ChatMemberRole.OWNER,), "Only the owner can change roles")
    target = await _member_of(db, chat_id, member_id)
    if target.id == me.id:
        if role is not ChatMemberRole.OWNER:
            raise OwnerCannotStepDown
        return target
    if role is ChatMemberRole.OWNER:
        me.role = ChatMemberRole.ADMIN
    target.role = role
    await db.flush()
    return target


async def remove_member(db: AsyncSession, user: User, chat_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """Anyone may leave (except the owner); the owner removes anyone, an admin removes plain members."""
    _, me = await get_membership(db, user, chat_id, lock=True)
    if member_id == user.id:
        if me.role is ChatMemberRole.OWNER:
            raise OwnerCannotLeave
        await db.delete(me)
        await db.flush()
        return
    require_role(me, MANAGERS, "Only the owner or an admin can remove members")
    target = await _member_of(db, chat_id, member_id)
    if me.role is ChatMemberRole.ADMIN and target.role is not ChatMemberRole.MEMBER:
        raise RoleRequired("An admin can remove members, not other admins or the owner")
    await db.delete(target)
    await db.flush()


# --- read marks -----------------------------------------------------------------------------------


async def mark_read(db: AsyncSession, user: User, chat_id: uuid.UUID, message_id: uuid.UUID) -> None:
    await get_membership(db, user, chat_id)
    message = await db.scalar(select(Message).where(Message.id == message_id, Message.chat_id == chat_id))
    if message is None:
        raise MessageNotFound
    await advance_read_mark(db, chat_id=chat_id, user_id=user.id, message=message)


async def advance_read_mark(
    db: AsyncSession, *, chat_id: uuid.UUID, user_id: uuid.UUID, message: Message
) -> None:
    """Move the member's read mark to `message` unless it already points at a later one.

    One conditional UPDATE, so concurrent marks cannot move it backwards.
    """
    current = aliased(Message, name="current_mark")
    marked_earlier = (
        select(current.id)
        .where(
            current.id == ChatMember.last_read_message_id,
            tuple_(current.created_at, current.id) < tuple_(message.created_at, message.id),
        )
        .exists()
    )
    await db.execute(
        update(ChatMember)
        .where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
        .where(ChatMember.last_read_message_id.is_(None) | marked_earlier)
        .values(last_read_message_id=message.id, last_read_at=func.now())
        .execution_options(synchronize_session=False)
    )


# --- the group ledger -----------------------------------------------------------------------------


async def get_or_create_group_context(db: AsyncSession, chat_id: uuid.UUID) -> GroupContext:
    """The group's ledger row, created empty on first use."""
    query = select(GroupContext).where(GroupContext.chat_id == chat_id)
    context = await db.scalar(query)
    if context is not None:
        return context
    await db.execute(
        insert(GroupContext).values(chat_id=chat_id).on_conflict_do_nothing(index_elements=["chat_id"])
    )
    return (await db.scalars(query)).one()


async def get_group_context(db: AsyncSession, user: User, chat_id: uuid.UUID) -> GroupContextView:
    chat, _ = await get_membership(db, user, chat_id)
    if chat.type is not ChatType.GROUP:
        raise NotAGroup
    context = await get_or_create_group_context(db, chat_id)
    ids = [uuid.UUID(key) for key in context.balances]
    names = dict((await db.execute(select(User.id, User.full_name).where(User.id.in_(ids)))).all())

    def person(key: str) -> Person:
        user_id = uuid.UUID(key)
        # Balances outlive accounts; a deleted account still owes or is owed.
        return Person(user_id, names.get(user_id, "Former member"))

    balances = sorted(context.balances.items(), key=lambda item: (-item[1], item[0]))
    return GroupContextView(
        chat_id=chat_id,
        currency=context.currency,
        total_spend_cents=context.total_spend_cents,
        expense_count=context.expense_count,
        balances=[BalanceView(person(key), net) for key, net in balances],
        settle_up=[
            PaymentView(person(p.payer_id), person(p.payee_id), p.amount_cents)
            for p in settle_up(context.balances)
        ],
        summary=context.summary,
        updated_at=context.updated_at,
    )
