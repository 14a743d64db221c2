import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.api.deps import AssistantDep, CurrentUser, PageParams
from app.db import DbSession
from app.schemas.common import Page, problem_responses
from app.schemas.message import MessageCreate, MessageRead, MessageUpdate, PostedMessage
from app.services import messages as messages_service

router = APIRouter(prefix="/chats/{chat_id}/messages", tags=["messages"])

ChatId = Annotated[uuid.UUID, Path(description="A chat you are a member of")]
MessageId = Annotated[uuid.UUID, Path()]


@router.get("", summary="Messages, newest first", responses=problem_responses(401, 404, 422))
async def list_messages(
    chat_id: ChatId, user: CurrentUser, db: DbSession, page: PageParams
) -> Page[MessageRead]:
    messages = await messages_service.list_messages(db, user, chat_id, page)
    return Page(
        items=[MessageRead.model_validate(m) for m in messages.items], next_cursor=messages.next_cursor
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Post a message; the assistant's reply comes back with it",
    description="In a solo chat the assistant answers every message; in a group chat, messages that "
    "mention `@ai`. A repeated `client_id` answers 200 with the original message and reply.",
    responses={
        200: {"model": PostedMessage, "description": "Already posted with this `client_id`: the original"},
        **problem_responses(401, 404, 422),
    },
)
async def post_message(
    chat_id: ChatId,
    body: MessageCreate,
    user: CurrentUser,
    db: DbSession,
    assistant: AssistantDep,
    response: Response,
) -> PostedMessage:
    outcome = await messages_service.post_user_message(
        db, assistant, user, chat_id, content=body.content, client_id=body.client_id
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return PostedMessage.model_validate(outcome)


@router.patch(
    "/{message_id}",
    summary="Edit your message",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def edit_message(
    chat_id: ChatId, message_id: MessageId, body: MessageUpdate, user: CurrentUser, db: DbSession
) -> MessageRead:
    message = await messages_service.edit_message(db, user, chat_id, message_id, body.content)
    return MessageRead.model_validate(message)


@router.delete(
    "/{message_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a message (its sender, the owner or an admin); it stays in place, emptied",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_message(chat_id: ChatId, message_id: MessageId, user: CurrentUser, db: DbSession) -> None:
    await messages_service.delete_message(db, user, chat_id, message_id)
