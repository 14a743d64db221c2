"""Helpers the chat and message tests share."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Chat, ChatMember, GroupContext, Message, SenderType
from tests.conftest import Account

CHATS = "/api/v1/chats"


def messages_url(chat_id: str) -> str:
    return f"{CHATS}/{chat_id}/messages"


async def create_solo(client: httpx.AsyncClient, owner: Account, title: str | None = None) -> dict[str, Any]:
    response = await client.post(CHATS, headers=owner.headers, json={"type": "solo", "title": title})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_group(
    client: httpx.AsyncClient, owner: Account, *members: Account, title: str = "Friday dinners"
) -> dict[str, Any]:
    response = await client.post(
        CHATS,
        headers=owner.headers,
        json={"type": "group", "title": title, "member_emails": [m.email for m in members]},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def post(
    client: httpx.AsyncClient, author: Account, chat_id: str, content: str, client_id: str | None = None
) -> dict[str, Any]:
    response = await client.post(
        messages_url(chat_id), headers=author.headers, json={"content": content, "client_id": client_id}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_role(
    client: httpx.AsyncClient, owner: Account, chat_id: str, member: Account, role: str
) -> None:
    response = await client.patch(
        f"{CHATS}/{chat_id}/members/{member.id}", headers=owner.headers, json={"role": role}
    )
    assert response.status_code == 200, response.text


async def insert_messages(
    db: AsyncSession, chat_id: str, sender_id: str, count: int, *, start: datetime | None = None
) -> list[uuid.UUID]:
    """`count` user messages straight into the table, oldest first, returned in that order.

    Every third message shares its predecessor's timestamp so pages must break ties by id.
    """
    start = start or datetime.now(UTC) - timedelta(days=1)
    rows = []
    for index in range(count):
        at = start + timedelta(seconds=index - 1 if index % 3 == 2 else index)
        rows.append(
            {
                "id": uuid.uuid4(),
                "chat_id": uuid.UUID(chat_id),
                "sender_id": uuid.UUID(sender_id),
                "sender_type": SenderType.USER,
                "content": f"message {index}",
                "created_at": at,
            }
        )
    await db.execute(insert(Message), rows)
    await db.flush()
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return [r["id"] for r in rows]


async def table_counts(db: AsyncSession) -> dict[str, int]:
    """Row counts of the chat tables, to show that a refused request changed nothing."""
    counts = {}
    for model in (Chat, ChatMember, Message, GroupContext):
        counts[model.__tablename__] = await db.scalar(select(func.count()).select_from(model)) or 0
    return counts
