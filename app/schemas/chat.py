import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, EmailStr, Field

from app.models.enums import ChatMemberRole, ChatType, SenderType
from app.schemas.common import InputModel, OutputModel, ShortText
from app.schemas.user import UserBrief

MAX_INITIAL_MEMBERS = 100


class SoloChatCreate(InputModel):
    type: Literal[ChatType.SOLO]
    title: ShortText | None = Field(default=None, examples=["Card questions"])


class GroupChatCreate(InputModel):
    type: Literal[ChatType.GROUP]
    title: ShortText = Field(examples=["Friday dinners"])
    member_emails: list[EmailStr] = Field(
        default_factory=list,
        max_length=MAX_INITIAL_MEMBERS,
        description="People to add as members. Unknown emails are rejected (422 `unknown_email`); "
        "duplicates and the creator's own email are ignored.",
        examples=[["bob@test.com"]],
    )


ChatCreate = Annotated[SoloChatCreate | GroupChatCreate, Field(discriminator="type")]


class ChatUpdate(InputModel):
    title: ShortText


class MemberUser(OutputModel):
    id: uuid.UUID
    full_name: str
    email: EmailStr


class MemberRead(OutputModel):
    user: MemberUser
    role: ChatMemberRole
    joined_at: datetime


class MemberAdd(InputModel):
    email: EmailStr = Field(examples=["charlie@sample.com"])
    role: Literal[ChatMemberRole.MEMBER, ChatMemberRole.ADMIN] = Field(
        default=ChatMemberRole.MEMBER, description="Only the owner can add admins"
    )


class MemberRoleUpdate(InputModel):
    role: ChatMemberRole = Field(
        description="`owner` transfers ownership: that member becomes the owner and the caller an admin"
    )


class ReadMark(InputModel):
    message_id: uuid.UUID


class MessagePreview(OutputModel):
    """The newest message of a chat, as a chat list shows it."""

    id: uuid.UUID
    sender_type: SenderType
    sender: UserBrief | None = Field(description="null for the assistant")
    excerpt: str = Field(description="The first characters of the content; empty when deleted")
    created_at: datetime
    deleted: bool


class ChatSummary(OutputModel):
    id: uuid.UUID
    type: ChatType
    title: str | None
    my_role: ChatMemberRole
    member_count: int = Field(description="Human members (the assistant is not counted)")
    last_message: MessagePreview | None
    unread_count: int = Field(
        description="Messages from others (the assistant included) after your read mark, "
        "or since you joined when you have none; deleted messages are not counted"
    )
    created_at: datetime
    updated_at: datetime


class ChatDetail(ChatSummary):
    members: list[MemberRead]


class Balance(OutputModel):
    user: UserBrief
    net_cents: int = Field(description="Positive: the group owes this member; negative: they owe the group")


class SettleUpPayment(OutputModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    from_: UserBrief = Field(alias="from")
    to: UserBrief
    amount_cents: int


class GroupContextRead(OutputModel):
    chat_id: uuid.UUID
    currency: str
    total_spend_cents: int
    expense_count: int
    balances: list[Balance] = Field(description="Sums to zero")
    settle_up: list[SettleUpPayment] = Field(description="The fewest payments that clear the balances")
    summary: str
    updated_at: datetime
