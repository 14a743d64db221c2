import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from app.models.enums import MessageAction, SenderType
from app.schemas.common import InputModel, NoNul, OutputModel
from app.schemas.user import UserBrief

MessageContent = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul]


class MessageCreate(InputModel):
    content: MessageContent = Field(examples=["Which card should I use for $85 at Whole Foods?"])
    client_id: ClientId | None = Field(
        default=None,
        description="Idempotency key chosen by the client, unique per chat and sender: "
        "posting it again returns the original message and reply (200) instead of a duplicate.",
        examples=["7c1e0b1a-3f0e-4d7e-9a55-0b7a3f2d4c11"],
    )


class MessageUpdate(InputModel):
    content: MessageContent


class ThinkingStepRead(OutputModel):
    title: str
    detail: str


class MessageRead(OutputModel):
    id: uuid.UUID
    chat_id: uuid.UUID
    sender_type: SenderType
    sender: UserBrief | None = Field(description="null for the assistant")
    content: str = Field(description="Empty once the message is deleted")
    action: MessageAction
    thinking: list[ThinkingStepRead]
    drawer_data: dict[str, Any] | None
    client_id: str | None
    reply_to_id: uuid.UUID | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class PostedMessage(OutputModel):
    message: MessageRead
    reply: MessageRead | None = Field(description="The assistant's answer; null when it was not addressed")
