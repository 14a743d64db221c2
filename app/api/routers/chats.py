import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, status

from app.api.deps import CurrentUser, PageParams
from app.db import DbSession
from app.schemas.chat import (
    ChatCreate,
    ChatDetail,
    ChatSummary,
    ChatUpdate,
    GroupContextRead,
    MemberAdd,
    MemberRead,
    MemberRoleUpdate,
    ReadMark,
)
from app.schemas.common import Page, problem_responses
from app.services import chats as chats_service

router = APIRouter(prefix="/chats", tags=["chats"])

ChatId = Annotated[uuid.UUID, Path(description="A chat you are a member of")]
MemberId = Annotated[uuid.UUID, Path(description="The member's user id")]


@router.get("", summary="Your chats, most recent activity first", responses=problem_responses(401, 422))
async def list_chats(user: CurrentUser, db: DbSession, page: PageParams) -> Page[ChatSummary]:
    chats = await chats_service.list_chats(db, user, page)
    return Page(items=[ChatSummary.model_validate(c) for c in chats.items], next_cursor=chats.next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start a solo chat with the assistant, or a group chat you own",
    responses=problem_responses(401, 422),
)
async def create_chat(body: Annotated[ChatCreate, Body()], user: CurrentUser, db: DbSession) -> ChatDetail:
    return ChatDetail.model_validate(await chats_service.create_chat(db, user, body))


@router.get("/{chat_id}", summary="A chat with its members", responses=problem_responses(401, 404, 422))
async def read_chat(chat_id: ChatId, user: CurrentUser, db: DbSession) -> ChatDetail:
    return ChatDetail.model_validate(await chats_service.get_chat(db, user, chat_id))


@router.patch(
    "/{chat_id}", summary="Rename (owner or admin)", responses=problem_responses(401, 403, 404, 422)
)
async def rename_chat(chat_id: ChatId, body: ChatUpdate, user: CurrentUser, db: DbSession) -> ChatDetail:
    return ChatDetail.model_validate(await chats_service.rename_chat(db, user, chat_id, body.title))


@router.delete(
    "/{chat_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete with its members, messages and ledger (owner)",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_chat(chat_id: ChatId, user: CurrentUser, db: DbSession) -> None:
    await chats_service.delete_chat(db, user, chat_id)


@router.post(
    "/{chat_id}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Add someone by email (owner or admin; only the owner adds admins; group chats only)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_member(chat_id: ChatId, body: MemberAdd, user: CurrentUser, db: DbSession) -> MemberRead:
    member = await chats_service.add_member(db, user, chat_id, email=body.email, role=body.role)
    return MemberRead.model_validate(member)


@router.patch(
    "/{chat_id}/members/{user_id}",
    summary="Change a member's role (owner); `owner` transfers ownership",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def change_member_role(
    chat_id: ChatId, user_id: MemberId, body: MemberRoleUpdate, user: CurrentUser, db: DbSession
) -> MemberRead:
    member = await chats_service.change_member_role(db, user, chat_id, user_id, body.role)
    return MemberRead.model_validate(member)


@router.delete(
    "/{chat_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member, or leave (your own id)",
    description="Anyone may leave except the owner, who must transfer ownership first (409). "
    "The owner can remove anyone; an admin can remove plain members.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def remove_member(chat_id: ChatId, user_id: MemberId, user: CurrentUser, db: DbSession) -> None:
    await chats_service.remove_member(db, user, chat_id, user_id)


@router.post(
    "/{chat_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Mark the chat read up to a message (never moves backwards)",
    responses=problem_responses(401, 404, 422),
)
async def mark_read(chat_id: ChatId, body: ReadMark, user: CurrentUser, db: DbSession) -> None:
    await chats_service.mark_read(db, user, chat_id, body.message_id)


@router.get(
    "/{chat_id}/context",
    summary="The group's ledger: totals, balances and who should pay whom",
    responses=problem_responses(401, 404, 422),
)
async def read_group_context(chat_id: ChatId, user: CurrentUser, db: DbSession) -> GroupContextRead:
    return GroupContextRead.model_validate(await chats_service.get_group_context(db, user, chat_id))
