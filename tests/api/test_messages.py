import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ChatType, Message, MessageAction, SenderType
from app.services.messages import addresses_assistant, post_assistant_message
from tests.api.test_auth import assert_problem
from tests.conftest import Account, QueryLog, register
from tests.support.chats import (
    CHATS,
    create_group,
    create_solo,
    insert_messages,
    messages_url,
    post,
    set_role,
    table_counts,
)


async def walk(
    client: httpx.AsyncClient, who: Account, chat_id: str, limit: int, between_pages: Any = None
) -> list[dict[str, Any]]:
    """Every message of a chat, following `next_cursor` until it is null."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(messages_url(chat_id), headers=who.headers, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        if between_pages is not None:
            await between_pages()


# --- posting and the assistant --------------------------------------------------------------------


async def test_every_solo_message_gets_a_reply(client: httpx.AsyncClient) -> None:
    alice = await register(client, full_name="Alice")
    chat = await create_solo(client, alice)
    response = await client.post(
        messages_url(chat["id"]), headers=alice.headers, json={"content": "  What can you do?  "}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    message, reply = body["message"], body["reply"]
    assert message == {
        "id": message["id"],
        "chat_id": chat["id"],
        "sender_type": "user",
        "sender": {"id": alice.id, "full_name": "Alice"},
        "content": "What can you do?",
        "action": "none",
        "thinking": [],
        "drawer_data": None,
        "client_id": None,
        "reply_to_id": None,
        "created_at": message["created_at"],
        "edited_at": None,
        "deleted": False,
    }
    assert reply["sender_type"] == "ai"
    assert reply["sender"] is None
    assert reply["reply_to_id"] == message["id"]
    assert reply["action"] == "none"
    assert "card" in reply["content"]
    assert "split" in reply["content"]
    assert datetime.fromisoformat(reply["created_at"]) > datetime.fromisoformat(message["created_at"])
    listed = (await client.get(messages_url(chat["id"]), headers=alice.headers)).json()
    assert listed == {"items": [reply, message], "next_cursor": None}


@pytest.mark.parametrize(
    ("content", "addressed"),
    [
        ("@ai split $120 dinner", True),
        ("hey @AI, help", True),
        ("what do you think @Ai?", True),
        ("(@ai) which card", True),
        ("ask @ai.", True),
        ("dinner was great", False),
        ("mail me at bob@ai.com", False),
        ("an @aide said so", False),
        ("the ai is quiet", False),
        ("@ai-bot hello", False),
    ],
)
def test_group_messages_address_the_assistant_only_by_mention(content: str, addressed: bool) -> None:
    assert addresses_assistant(ChatType.GROUP, content) is addressed
    assert addresses_assistant(ChatType.SOLO, content) is True


async def test_group_assistant_answers_mentions_only(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    quiet = await post(client, bob, chat["id"], "dinner was great")
    assert quiet["reply"] is None
    asked = await post(client, bob, chat["id"], "@AI who owes what?")
    assert asked["reply"]["reply_to_id"] == asked["message"]["id"]
    assert "@ai" in asked["reply"]["content"]
    items = (await client.get(messages_url(chat["id"]), headers=alice.headers)).json()["items"]
    assert [m["id"] for m in items] == [asked["reply"]["id"], asked["message"]["id"], quiet["message"]["id"]]


async def test_a_repeated_client_id_returns_the_original(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    body = {"content": "@ai hello", "client_id": "tap-1"}
    first = await client.post(messages_url(chat["id"]), headers=alice.headers, json=body)
    assert first.status_code == 201
    before = await table_counts(db)
    again = await client.post(
        messages_url(chat["id"]),
        headers=alice.headers,
        json={"content": "@ai different text", "client_id": "tap-1"},
    )
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert await table_counts(db) == before

    # The key is per sender and per chat.
    bobs = await client.post(messages_url(chat["id"]), headers=bob.headers, json=body)
    assert bobs.status_code == 201
    assert bobs.json()["message"]["id"] != first.json()["message"]["id"]
    solo = await create_solo(client, alice)
    elsewhere = await client.post(messages_url(solo["id"]), headers=alice.headers, json=body)
    assert elsewhere.status_code == 201


async def test_replay_without_a_reply_returns_null_reply(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    first = await post(client, alice, chat["id"], "no mention", client_id="k")
    again = await client.post(
        messages_url(chat["id"]), headers=alice.headers, json={"content": "x", "client_id": "k"}
    )
    assert again.status_code == 200
    assert again.json() == first
    assert first["reply"] is None


async def test_a_removed_member_cannot_replay_a_client_id(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    await post(client, bob, chat["id"], "hi", client_id="k")
    await client.delete(f"{CHATS}/{chat['id']}/members/{bob.id}", headers=alice.headers)
    response = await client.post(
        messages_url(chat["id"]), headers=bob.headers, json={"content": "hi", "client_id": "k"}
    )
    assert_problem(response, 404, "chat_not_found")


async def test_exactly_4000_characters_are_accepted(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    sent = await post(client, alice, chat["id"], "y" * 4000, client_id="c" * 64)
    assert len(sent["message"]["content"]) == 4000
    assert sent["message"]["client_id"] == "c" * 64


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": ""},
        {"content": "   \n\t "},
        {"content": "a\x00b"},
        {"content": "x" * 4001},
        {"content": None},
        {"content": 42},
        {"content": "hi", "client_id": "k" * 65},
        {"content": "hi", "client_id": ""},
        {"content": "hi", "client_id": "a\x00"},
        {"content": "hi", "sender_type": "ai"},
    ],
)
async def test_invalid_posts_are_422_and_change_nothing(
    client: httpx.AsyncClient, db: AsyncSession, body: dict[str, Any]
) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    before = await table_counts(db)
    response = await client.post(messages_url(chat["id"]), headers=alice.headers, json=body)
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"]
    assert await table_counts(db) == before


async def test_posting_into_someone_elses_or_a_missing_chat_changes_nothing(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    alice = await register(client)
    mallory = await register(client)
    chat = await create_solo(client, alice)
    before = await table_counts(db)
    for chat_id in (chat["id"], str(uuid.uuid4())):
        response = await client.post(messages_url(chat_id), headers=mallory.headers, json={"content": "hi"})
        assert_problem(response, 404, "chat_not_found")
    assert_problem(
        await client.post("/api/v1/chats/nope/messages", headers=mallory.headers, json={"content": "hi"}),
        422,
        "validation_error",
    )
    assert await table_counts(db) == before


async def test_post_assistant_message_is_a_chat_message(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    prompt = await post_assistant_message(
        db,
        chat_id=uuid.UUID(chat["id"]),
        content="Your Amazon account needs to be re-linked.",
        thinking=[{"title": "Knot", "detail": "login_required for Amazon"}],
    )
    await db.flush()
    listed = (await client.get(CHATS, headers=alice.headers)).json()["items"][0]
    assert listed["last_message"]["id"] == str(prompt.id)
    assert listed["unread_count"] == 1
    shown = (await client.get(messages_url(chat["id"]), headers=alice.headers)).json()["items"][0]
    assert shown["sender_type"] == "ai"
    assert shown["thinking"] == [{"title": "Knot", "detail": "login_required for Amazon"}]


# --- pages ----------------------------------------------------------------------------------------


async def test_walking_1000_messages_returns_each_once_newest_first_while_others_post(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    oldest_first = await insert_messages(db, chat["id"], bob.id, 1000)
    posted: list[str] = []

    async def someone_posts() -> None:
        posted.append((await post(client, alice, chat["id"], f"live {len(posted)}"))["message"]["id"])

    seen = await walk(client, bob, chat["id"], limit=97, between_pages=someone_posts)
    assert [uuid.UUID(m["id"]) for m in seen] == oldest_first[::-1]
    assert len(posted) == 10
    everything = await walk(client, bob, chat["id"], limit=100)
    assert [m["id"] for m in everything[: len(posted)]] == posted[::-1]
    assert len({m["id"] for m in everything}) == 1010
    keys = [(m["created_at"], m["id"]) for m in everything]
    assert keys == sorted(keys, reverse=True)


async def test_deleted_messages_keep_their_place(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    chat = await create_group(client, alice, await register(client))
    ids = [(await post(client, alice, chat["id"], f"m{i}"))["message"]["id"] for i in range(5)]
    await client.delete(f"{messages_url(chat['id'])}/{ids[2]}", headers=alice.headers)
    seen = await walk(client, alice, chat["id"], limit=2)
    assert [m["id"] for m in seen] == ids[::-1]
    assert [m["deleted"] for m in seen] == [False, False, True, False, False]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
async def test_limit_out_of_range_is_422(client: httpx.AsyncClient, db: AsyncSession, limit: str) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    before = await table_counts(db)
    for url in (messages_url(chat["id"]), CHATS):
        response = await client.get(url, headers=alice.headers, params={"limit": limit})
        assert_problem(response, 422, "validation_error")
    assert await table_counts(db) == before


async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    await insert_messages(db, chat["id"], alice.id, 120)
    default = (await client.get(messages_url(chat["id"]), headers=alice.headers)).json()
    assert len(default["items"]) == 50
    for limit, size in ((1, 1), (100, 100)):
        page = (
            await client.get(messages_url(chat["id"]), headers=alice.headers, params={"limit": limit})
        ).json()
        assert len(page["items"]) == size
        assert page["next_cursor"]


async def test_tampered_or_foreign_cursors_are_422(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    other = await create_solo(client, alice)
    for chat_id in (chat["id"], other["id"]):
        await insert_messages(db, chat_id, alice.id, 5)
    cursor = (await client.get(messages_url(chat["id"]), headers=alice.headers, params={"limit": 2})).json()[
        "next_cursor"
    ]
    payload, mac = cursor.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    chats_cursor = (await client.get(CHATS, headers=alice.headers, params={"limit": 1})).json()["next_cursor"]
    bad = [
        "garbage",
        "",
        f"{flipped}.{mac}",
        f"{payload}.{mac[:-1]}",
        f"{payload}.{mac}.x",
        "W10.AAAAAAAAAAAAAAAAAAAAAA",
        chats_cursor,
        "x" * 201,
    ]
    before = await table_counts(db)
    for value in bad:
        response = await client.get(messages_url(chat["id"]), headers=alice.headers, params={"cursor": value})
        assert response.status_code == 422, (value, response.text)
        assert response.json()["code"] in {"invalid_cursor", "validation_error"}
    assert_problem(
        await client.get(CHATS, headers=alice.headers, params={"cursor": cursor}), 422, "invalid_cursor"
    )
    assert await table_counts(db) == before
    # A cursor is bound to its chat: valid there, refused in another.
    assert (
        await client.get(messages_url(chat["id"]), headers=alice.headers, params={"cursor": cursor})
    ).status_code == 200
    foreign = await client.get(messages_url(other["id"]), headers=alice.headers, params={"cursor": cursor})
    assert_problem(foreign, 422, "invalid_cursor")


async def test_message_queries_do_not_grow_with_the_chat(
    client: httpx.AsyncClient, db: AsyncSession, query_log: QueryLog
) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)

    async def measure() -> tuple[int, int, int]:
        query_log.clear()
        page = await client.get(messages_url(chat["id"]), headers=alice.headers, params={"limit": 100})
        assert page.status_code == 200
        listing = len(query_log)
        query_log.clear()
        await post(client, alice, chat["id"], "@ai hi")
        posting = len(query_log)
        query_log.clear()
        await post(client, bob, chat["id"], "again", client_id=str(uuid.uuid4()))
        return listing, posting, len(query_log)

    await insert_messages(db, chat["id"], bob.id, 5)
    small = await measure()
    await insert_messages(db, chat["id"], bob.id, 200)
    large = await measure()
    assert small == large


# --- editing --------------------------------------------------------------------------------------


@pytest.fixture
async def conversation(client: httpx.AsyncClient) -> dict[str, Any]:
    """A group (owner, admin, member) with a message of the member's and the assistant's reply to it."""
    owner = await register(client, full_name="Olivia")
    admin = await register(client, full_name="Adam")
    member = await register(client, full_name="Mia")
    chat = await create_group(client, owner, admin, member)
    await set_role(client, owner, chat["id"], admin, "admin")
    sent = await post(client, member, chat["id"], "@ai split $30 lunch")
    return {
        "chat": chat["id"],
        "owner": owner,
        "admin": admin,
        "member": member,
        "message": sent["message"],
        "reply": sent["reply"],
        "url": f"{messages_url(chat['id'])}/{sent['message']['id']}",
        "reply_url": f"{messages_url(chat['id'])}/{sent['reply']['id']}",
    }


async def test_sender_edits_their_message(client: httpx.AsyncClient, conversation: dict[str, Any]) -> None:
    response = await client.patch(
        conversation["url"],
        headers=conversation["member"].headers,
        json={"content": "  @ai split $32 lunch "},
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["content"] == "@ai split $32 lunch"
    assert edited["edited_at"] is not None
    assert datetime.fromisoformat(edited["edited_at"]) > datetime.fromisoformat(edited["created_at"])
    assert {k: v for k, v in edited.items() if k not in ("content", "edited_at")} == {
        k: v for k, v in conversation["message"].items() if k not in ("content", "edited_at")
    }
    listed = (
        await client.get(messages_url(conversation["chat"]), headers=conversation["owner"].headers)
    ).json()
    assert listed["items"][1] == edited


@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_nobody_else_edits_a_message_nor_the_assistants(
    client: httpx.AsyncClient, db: AsyncSession, conversation: dict[str, Any], who: str
) -> None:
    headers = conversation[who].headers
    before = await table_counts(db)
    for url in (conversation["url"], conversation["reply_url"]):
        assert_problem(
            await client.patch(url, headers=headers, json={"content": "mine"}), 403, "not_message_sender"
        )
    assert_problem(
        await client.patch(
            conversation["reply_url"], headers=conversation["member"].headers, json={"content": "x"}
        ),
        403,
        "not_message_sender",
    )
    items = (await client.get(messages_url(conversation["chat"]), headers=headers)).json()["items"]
    assert items == [conversation["reply"], conversation["message"]]
    assert await table_counts(db) == before


@pytest.mark.parametrize(
    "body", [{}, {"content": ""}, {"content": " "}, {"content": "\x00"}, {"content": "x" * 4001}]
)
async def test_invalid_edits_are_422(
    client: httpx.AsyncClient, conversation: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await client.patch(conversation["url"], headers=conversation["member"].headers, json=body)
    assert_problem(response, 422, "validation_error")
    items = (
        await client.get(messages_url(conversation["chat"]), headers=conversation["member"].headers)
    ).json()["items"]
    assert items[1] == conversation["message"]


async def test_editing_a_deleted_or_missing_message(
    client: httpx.AsyncClient, conversation: dict[str, Any]
) -> None:
    member = conversation["member"]
    assert (await client.delete(conversation["url"], headers=member.headers)).status_code == 204
    assert_problem(
        await client.patch(conversation["url"], headers=member.headers, json={"content": "x"}),
        409,
        "message_deleted",
    )
    missing = f"{messages_url(conversation['chat'])}/{uuid.uuid4()}"
    assert_problem(
        await client.patch(missing, headers=member.headers, json={"content": "x"}), 404, "message_not_found"
    )
    assert_problem(await client.delete(missing, headers=member.headers), 404, "message_not_found")
    # A message of another chat is not found through this one.
    solo = await create_solo(client, member)
    elsewhere = (await post(client, member, solo["id"], "mine"))["message"]["id"]
    crossed = f"{messages_url(conversation['chat'])}/{elsewhere}"
    assert_problem(
        await client.patch(crossed, headers=member.headers, json={"content": "x"}), 404, "message_not_found"
    )


# --- deleting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "owner", "admin"])
async def test_sender_owner_or_admin_soft_delete(
    client: httpx.AsyncClient, db: AsyncSession, conversation: dict[str, Any], who: str
) -> None:
    before = await table_counts(db)
    response = await client.delete(conversation["url"], headers=conversation[who].headers)
    assert response.status_code == 204, response.text
    assert (await client.delete(conversation["url"], headers=conversation[who].headers)).status_code == 204
    items = (
        await client.get(messages_url(conversation["chat"]), headers=conversation["member"].headers)
    ).json()["items"]
    gone = items[1]
    assert gone["id"] == conversation["message"]["id"]
    assert gone["deleted"] is True
    assert gone["content"] == ""
    assert gone["sender"] == conversation["message"]["sender"]
    assert gone["created_at"] == conversation["message"]["created_at"]
    assert items[0] == conversation["reply"]
    assert await table_counts(db) == before


async def test_managers_can_delete_the_assistants_message_and_its_payload_goes(
    client: httpx.AsyncClient, db: AsyncSession, conversation: dict[str, Any]
) -> None:
    reply_id = uuid.UUID(conversation["reply"]["id"])
    row = await db.get(Message, reply_id)
    assert row is not None
    row.thinking = [{"title": "Parsed", "detail": "$30.00"}]
    row.drawer_data = {"type": "split", "total_cents": 3000}
    row.action = MessageAction.SPLIT
    await db.flush()
    assert (
        await client.delete(conversation["reply_url"], headers=conversation["admin"].headers)
    ).status_code == 204
    gone = (
        await client.get(messages_url(conversation["chat"]), headers=conversation["owner"].headers)
    ).json()["items"][0]
    assert gone["deleted"] is True
    assert gone["content"] == ""
    assert gone["thinking"] == []
    assert gone["drawer_data"] is None
    assert gone["sender_type"] == "ai"


async def test_a_member_cannot_delete_others_messages(
    client: httpx.AsyncClient, conversation: dict[str, Any]
) -> None:
    owners = (await post(client, conversation["owner"], conversation["chat"], "owner speaking"))["message"]
    member = conversation["member"]
    for url in (f"{messages_url(conversation['chat'])}/{owners['id']}", conversation["reply_url"]):
        assert_problem(await client.delete(url, headers=member.headers), 403, "insufficient_role")
    rows = (await client.get(messages_url(conversation["chat"]), headers=member.headers)).json()["items"]
    assert not any(m["deleted"] for m in rows)


async def test_ai_messages_are_stored_as_ai(db: AsyncSession, client: httpx.AsyncClient) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    sent = await post(client, alice, chat["id"], "hi")
    reply = await db.scalar(select(Message).where(Message.id == uuid.UUID(sent["reply"]["id"])))
    assert reply is not None
    assert reply.sender_type is SenderType.AI
    assert reply.sender_id is None
    assert reply.reply_to_id == uuid.UUID(sent["message"]["id"])
