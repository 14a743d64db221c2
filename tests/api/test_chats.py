import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Chat, ChatMember, ChatType, GroupContext, Message
from tests.api.test_auth import assert_problem
from tests.conftest import QueryLog, register
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


def member_roles(chat: dict[str, Any]) -> dict[str, str]:
    return {m["user"]["id"]: m["role"] for m in chat["members"]}


# --- creating -------------------------------------------------------------------------------------


async def test_solo_chat_has_only_its_owner(client: httpx.AsyncClient) -> None:
    alice = await register(client, full_name="Alice")
    chat = await create_solo(client, alice)
    assert chat["type"] == "solo"
    assert chat["title"] is None
    assert chat["my_role"] == "owner"
    assert chat["member_count"] == 1
    assert chat["last_message"] is None
    assert chat["unread_count"] == 0
    assert chat["members"] == [
        {
            "user": {"id": alice.id, "full_name": "Alice", "email": alice.email},
            "role": "owner",
            "joined_at": chat["members"][0]["joined_at"],
        }
    ]
    assert (await client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json() == chat


async def test_group_chat_members_ignore_duplicates_and_the_creator(client: httpx.AsyncClient) -> None:
    alice = await register(client, full_name="Alice")
    bob = await register(client, full_name="Bob")
    carol = await register(client, full_name="Carol")
    response = await client.post(
        CHATS,
        headers=alice.headers,
        json={
            "type": "group",
            "title": "  Ski trip  ",
            "member_emails": [bob.email, carol.email.upper(), f" {bob.email} ", alice.email],
        },
    )
    assert response.status_code == 201, response.text
    chat = response.json()
    assert chat["title"] == "Ski trip"
    assert chat["member_count"] == 3
    assert member_roles(chat) == {alice.id: "owner", bob.id: "member", carol.id: "member"}
    assert chat["members"][0]["user"]["id"] == alice.id
    bobs_view = (await client.get(f"{CHATS}/{chat['id']}", headers=bob.headers)).json()
    assert bobs_view["my_role"] == "member"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "solo", "member_emails": []},
        {"type": "solo", "member_emails": ["someone@example.com"]},
        {"type": "group"},
        {"type": "group", "title": ""},
        {"type": "group", "title": "   "},
        {"type": "group", "title": "a\x00b"},
        {"type": "group", "title": "x" * 101},
        {"type": "group", "title": "Trip", "member_emails": ["not-an-email"]},
        {"type": "group", "title": "Trip", "is_public": True},
        {"type": "channel", "title": "Trip"},
        {"title": "Trip"},
    ],
)
async def test_create_rejects_invalid_bodies(
    client: httpx.AsyncClient, db: AsyncSession, body: dict[str, Any]
) -> None:
    alice = await register(client)
    before = await table_counts(db)
    assert_problem(await client.post(CHATS, headers=alice.headers, json=body), 422, "validation_error")
    assert await table_counts(db) == before


async def test_group_with_unknown_emails_is_refused_listing_them(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    alice = await register(client)
    bob = await register(client)
    before = await table_counts(db)
    response = await client.post(
        CHATS,
        headers=alice.headers,
        json={
            "type": "group",
            "title": "Trip",
            "member_emails": [bob.email, "ghost@example.com", "Nobody@Example.com"],
        },
    )
    body = assert_problem(response, 422, "unknown_email")
    assert "ghost@example.com" in str(body["detail"])
    assert "nobody@example.com" in str(body["detail"])
    assert body["errors"] == [
        {"loc": ["body", "member_emails", 1], "msg": "no account with this email", "type": "unknown_email"},
        {"loc": ["body", "member_emails", 2], "msg": "no account with this email", "type": "unknown_email"},
    ]
    assert await table_counts(db) == before


async def test_chats_require_authentication(client: httpx.AsyncClient) -> None:
    response = await client.get(CHATS)
    assert_problem(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


# --- listing --------------------------------------------------------------------------------------


async def test_list_orders_by_latest_activity_and_pages_through_everything(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    created = [(await create_solo(client, alice, title=f"chat {i}"))["id"] for i in range(5)]
    await post(client, alice, created[1], "bump the second chat to the top")
    expected = [created[1], created[4], created[3], created[2], created[0]]

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(CHATS, headers=alice.headers, params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert (await client.get(CHATS, headers=alice.headers)).json()["next_cursor"] is None


async def test_list_shows_only_my_chats(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    carol = await register(client)
    shared = await create_group(client, alice, bob)
    await create_solo(client, alice)
    bobs = (await client.get(CHATS, headers=bob.headers)).json()["items"]
    assert [c["id"] for c in bobs] == [shared["id"]]
    assert (await client.get(CHATS, headers=carol.headers)).json() == {"items": [], "next_cursor": None}


async def test_list_item_previews_last_message_and_counts_unread(client: httpx.AsyncClient) -> None:
    alice = await register(client, full_name="Alice")
    bob = await register(client, full_name="Bob")
    chat = await create_group(client, alice, bob)
    first = await post(client, alice, chat["id"], "first")
    second = await post(client, alice, chat["id"], "x" * 500)

    def bobs_row(items: list[dict[str, Any]]) -> dict[str, Any]:
        return next(c for c in items if c["id"] == chat["id"])

    row = bobs_row((await client.get(CHATS, headers=bob.headers)).json()["items"])
    assert row["my_role"] == "member"
    assert row["member_count"] == 2
    assert row["unread_count"] == 2
    preview = row["last_message"]
    assert preview["id"] == second["message"]["id"]
    assert preview["sender_type"] == "user"
    assert preview["sender"] == {"id": alice.id, "full_name": "Alice"}
    assert preview["excerpt"] == "x" * 140
    assert preview["deleted"] is False
    assert preview["created_at"] == second["message"]["created_at"]
    # My own messages are never unread.
    alices_row = bobs_row((await client.get(CHATS, headers=alice.headers)).json()["items"])
    assert alices_row["unread_count"] == 0

    await client.post(
        f"{CHATS}/{chat['id']}/read", headers=bob.headers, json={"message_id": first["message"]["id"]}
    )
    assert bobs_row((await client.get(CHATS, headers=bob.headers)).json()["items"])["unread_count"] == 1

    await client.delete(f"{messages_url(chat['id'])}/{second['message']['id']}", headers=alice.headers)
    row = bobs_row((await client.get(CHATS, headers=bob.headers)).json()["items"])
    assert row["unread_count"] == 0
    assert row["last_message"]["deleted"] is True
    assert row["last_message"]["excerpt"] == ""


async def test_list_and_detail_take_a_constant_number_of_queries(
    client: httpx.AsyncClient, db: AsyncSession, query_log: QueryLog
) -> None:
    alice = await register(client)
    bob = await register(client)

    joined = datetime.now(UTC) - timedelta(days=2)

    async def add_chats(count: int) -> str:
        chat_id = ""
        for _ in range(count):
            chat = Chat(type=ChatType.GROUP, title="bulk")
            db.add(chat)
            await db.flush()
            db.add_all(
                [
                    ChatMember(chat_id=chat.id, user_id=uuid.UUID(alice.id), role="owner", joined_at=joined),
                    ChatMember(chat_id=chat.id, user_id=uuid.UUID(bob.id), role="member", joined_at=joined),
                ]
            )
            await db.flush()
            await insert_messages(db, str(chat.id), bob.id, 3)
            chat_id = str(chat.id)
        return chat_id

    async def queries_for(url: str) -> int:
        query_log.clear()
        response = await client.get(url, headers=alice.headers, params={"limit": 100})
        assert response.status_code == 200
        return len(query_log)

    small_chat = await add_chats(2)
    small = await queries_for(CHATS), await queries_for(f"{CHATS}/{small_chat}")
    large_chat = await add_chats(28)
    page = (await client.get(CHATS, headers=alice.headers, params={"limit": 100})).json()
    assert len(page["items"]) == 30
    assert all(item["unread_count"] == 3 for item in page["items"])
    large = await queries_for(CHATS), await queries_for(f"{CHATS}/{large_chat}")
    assert small == large


# --- visibility -----------------------------------------------------------------------------------


def every_chat_path(chat_id: str, some_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"{CHATS}/{chat_id}", None),
        ("PATCH", f"{CHATS}/{chat_id}", {"title": "Mine now"}),
        ("DELETE", f"{CHATS}/{chat_id}", None),
        ("POST", f"{CHATS}/{chat_id}/members", {"email": "x@example.com"}),
        ("PATCH", f"{CHATS}/{chat_id}/members/{some_id}", {"role": "admin"}),
        ("DELETE", f"{CHATS}/{chat_id}/members/{some_id}", None),
        ("POST", f"{CHATS}/{chat_id}/read", {"message_id": some_id}),
        ("GET", f"{CHATS}/{chat_id}/context", None),
        ("GET", messages_url(chat_id), None),
        ("POST", messages_url(chat_id), {"content": "let me in"}),
        ("PATCH", f"{messages_url(chat_id)}/{some_id}", {"content": "changed"}),
        ("DELETE", f"{messages_url(chat_id)}/{some_id}", None),
    ]


async def test_non_member_gets_the_same_404_as_for_a_missing_chat_everywhere(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    alice = await register(client)
    bob = await register(client)
    mallory = await register(client)
    chat = await create_group(client, alice, bob)
    message = (await post(client, alice, chat["id"], "@ai hello"))["message"]
    before = await table_counts(db)

    for mine, missing in zip(
        every_chat_path(chat["id"], message["id"]),
        every_chat_path(str(uuid.uuid4()), message["id"]),
        strict=True,
    ):
        method, url, body = mine
        hidden = await client.request(method, url, headers=mallory.headers, json=body)
        absent = await client.request(missing[0], missing[1], headers=mallory.headers, json=body)
        assert_problem(hidden, 404, "chat_not_found")
        assert hidden.json() == absent.json(), (method, url)
        assert hidden.headers["content-type"] == absent.headers["content-type"]
    assert await table_counts(db) == before
    assert (await client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json()["title"] == chat["title"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/chats/not-a-uuid"),
        ("GET", "/api/v1/chats/123/messages"),
        ("DELETE", "/api/v1/chats/{chat}/members/nope"),
        ("PATCH", "/api/v1/chats/{chat}/messages/nope"),
    ],
)
async def test_malformed_ids_are_422(client: httpx.AsyncClient, method: str, path: str) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    response = await client.request(
        method, path.format(chat=chat["id"]), headers=alice.headers, json={"content": "x"}
    )
    assert_problem(response, 422, "validation_error")


# --- roles: rename, delete ------------------------------------------------------------------------


@pytest.fixture
async def team(client: httpx.AsyncClient) -> dict[str, Any]:
    """A group with an owner, an admin and a member, plus an outsider."""
    owner = await register(client, full_name="Olivia Owner")
    admin = await register(client, full_name="Adam Admin")
    member = await register(client, full_name="Mia Member")
    outsider = await register(client, full_name="Oscar Outsider")
    chat = await create_group(client, owner, admin, member)
    await set_role(client, owner, chat["id"], admin, "admin")
    return {"chat": chat["id"], "owner": owner, "admin": admin, "member": member, "outsider": outsider}


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("admin", 200), ("member", 403)])
async def test_rename_needs_owner_or_admin(
    client: httpx.AsyncClient, team: dict[str, Any], who: str, status: int
) -> None:
    response = await client.patch(
        f"{CHATS}/{team['chat']}", headers=team[who].headers, json={"title": "  Renamed  "}
    )
    title = (await client.get(f"{CHATS}/{team['chat']}", headers=team["owner"].headers)).json()["title"]
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Renamed"
        assert title == "Renamed"
    else:
        assert_problem(response, 403, "insufficient_role")
        assert title == "Friday dinners"


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": " "}, {"title": "x" * 101}, {"name": "x"}])
async def test_rename_rejects_bad_titles(
    client: httpx.AsyncClient, team: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await client.patch(f"{CHATS}/{team['chat']}", headers=team["owner"].headers, json=body)
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("who", ["admin", "member"])
async def test_only_the_owner_deletes_a_chat(
    client: httpx.AsyncClient, team: dict[str, Any], who: str
) -> None:
    response = await client.delete(f"{CHATS}/{team['chat']}", headers=team[who].headers)
    assert_problem(response, 403, "insufficient_role")
    assert (await client.get(f"{CHATS}/{team['chat']}", headers=team[who].headers)).status_code == 200


async def test_delete_cascades_to_its_own_rows_only(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    bob = await register(client)
    doomed = await create_group(client, alice, bob)
    kept = await create_group(client, alice, bob, title="Kept")
    for chat in (doomed, kept):
        sent = await post(client, bob, chat["id"], "@ai hi")
        await client.post(
            f"{CHATS}/{chat['id']}/read", headers=alice.headers, json={"message_id": sent["reply"]["id"]}
        )
        assert (await client.get(f"{CHATS}/{chat['id']}/context", headers=alice.headers)).status_code == 200
    before = await table_counts(db)

    response = await client.delete(f"{CHATS}/{doomed['id']}", headers=alice.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert await table_counts(db) == {
        "chats": before["chats"] - 1,
        "chat_members": before["chat_members"] - 2,
        "messages": before["messages"] - 2,
        "group_contexts": before["group_contexts"] - 1,
    }
    doomed_id = uuid.UUID(doomed["id"])
    for model in (ChatMember, Message, GroupContext):
        assert await db.scalar(select(func.count()).select_from(model).where(model.chat_id == doomed_id)) == 0
    for who in (alice, bob):
        assert_problem(
            await client.get(f"{CHATS}/{doomed['id']}", headers=who.headers), 404, "chat_not_found"
        )
        assert [c["id"] for c in (await client.get(CHATS, headers=who.headers)).json()["items"]] == [
            kept["id"]
        ]
    assert len((await client.get(messages_url(kept["id"]), headers=bob.headers)).json()["items"]) == 2
    assert (await client.get(f"{CHATS}/{kept['id']}", headers=alice.headers)).json()["unread_count"] == 0


# --- members --------------------------------------------------------------------------------------


async def test_owner_and_admin_add_members(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    newcomer = await register(client, full_name="Nina New")
    late = await register(client, full_name="Leo Late")
    response = await client.post(
        f"{CHATS}/{team['chat']}/members",
        headers=team["admin"].headers,
        json={"email": f" {newcomer.email.upper()} "},
    )
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["user"] == {"id": newcomer.id, "full_name": "Nina New", "email": newcomer.email}
    assert added["role"] == "member"
    assert added["joined_at"]
    response = await client.post(
        f"{CHATS}/{team['chat']}/members",
        headers=team["owner"].headers,
        json={"email": late.email, "role": "admin"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "admin"
    chat = (await client.get(f"{CHATS}/{team['chat']}", headers=newcomer.headers)).json()
    assert chat["member_count"] == 5
    assert member_roles(chat)[late.id] == "admin"
    assert chat["unread_count"] == 0


async def test_adding_members_is_refused_when_it_should_be(
    client: httpx.AsyncClient, db: AsyncSession, team: dict[str, Any]
) -> None:
    url = f"{CHATS}/{team['chat']}/members"
    newcomer = await register(client)
    solo = await create_solo(client, team["owner"])
    before = await table_counts(db)

    assert_problem(
        await client.post(url, headers=team["member"].headers, json={"email": newcomer.email}),
        403,
        "insufficient_role",
    )
    assert_problem(
        await client.post(
            url, headers=team["admin"].headers, json={"email": newcomer.email, "role": "admin"}
        ),
        403,
        "insufficient_role",
    )
    assert_problem(
        await client.post(url, headers=team["owner"].headers, json={"email": team["member"].email}),
        409,
        "already_member",
    )
    unknown = assert_problem(
        await client.post(url, headers=team["owner"].headers, json={"email": "ghost@example.com"}),
        422,
        "unknown_email",
    )
    assert unknown["errors"] == [
        {"loc": ["body", "email"], "msg": "no account with this email", "type": "unknown_email"}
    ]
    for body in ({"email": newcomer.email, "role": "owner"}, {"email": "nope"}, {}):
        assert_problem(
            await client.post(url, headers=team["owner"].headers, json=body), 422, "validation_error"
        )
    assert_problem(
        await client.post(
            f"{CHATS}/{solo['id']}/members", headers=team["owner"].headers, json={"email": newcomer.email}
        ),
        409,
        "not_a_group",
    )
    assert await table_counts(db) == before


async def test_only_the_owner_changes_roles(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    url = f"{CHATS}/{team['chat']}/members/{team['member'].id}"
    for who in ("admin", "member"):
        assert_problem(
            await client.patch(url, headers=team[who].headers, json={"role": "admin"}),
            403,
            "insufficient_role",
        )
    response = await client.patch(url, headers=team["owner"].headers, json={"role": "admin"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert response.json()["user"]["id"] == team["member"].id
    response = await client.patch(url, headers=team["owner"].headers, json={"role": "member"})
    assert response.json()["role"] == "member"
    chat = (await client.get(f"{CHATS}/{team['chat']}", headers=team["member"].headers)).json()
    assert chat["my_role"] == "member"

    stranger = f"{CHATS}/{team['chat']}/members/{team['outsider'].id}"
    assert_problem(
        await client.patch(stranger, headers=team["owner"].headers, json={"role": "admin"}),
        404,
        "member_not_found",
    )
    assert_problem(
        await client.patch(url, headers=team["owner"].headers, json={"role": "boss"}), 422, "validation_error"
    )


async def test_owner_cannot_step_down_without_a_successor(
    client: httpx.AsyncClient, team: dict[str, Any]
) -> None:
    url = f"{CHATS}/{team['chat']}/members/{team['owner'].id}"
    for role in ("admin", "member"):
        assert_problem(
            await client.patch(url, headers=team["owner"].headers, json={"role": role}),
            409,
            "owner_cannot_step_down",
        )
    response = await client.patch(url, headers=team["owner"].headers, json={"role": "owner"})
    assert response.status_code == 200
    assert response.json()["role"] == "owner"


async def test_ownership_transfer_demotes_the_previous_owner_to_admin(
    client: httpx.AsyncClient, team: dict[str, Any]
) -> None:
    owner, member = team["owner"], team["member"]
    response = await client.patch(
        f"{CHATS}/{team['chat']}/members/{member.id}", headers=owner.headers, json={"role": "owner"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "owner"
    chat = (await client.get(f"{CHATS}/{team['chat']}", headers=owner.headers)).json()
    assert chat["my_role"] == "admin"
    assert member_roles(chat) == {owner.id: "admin", team["admin"].id: "admin", member.id: "owner"}
    assert [m["role"] for m in chat["members"]] == ["owner", "admin", "admin"]

    # The former owner can now leave; the new owner cannot.
    assert_problem(
        await client.delete(f"{CHATS}/{team['chat']}", headers=owner.headers), 403, "insufficient_role"
    )
    assert_problem(
        await client.delete(f"{CHATS}/{team['chat']}/members/{member.id}", headers=member.headers),
        409,
        "owner_cannot_leave",
    )
    left = await client.delete(f"{CHATS}/{team['chat']}/members/{owner.id}", headers=owner.headers)
    assert left.status_code == 204
    assert (await client.delete(f"{CHATS}/{team['chat']}", headers=member.headers)).status_code == 204


async def test_owner_cannot_leave(client: httpx.AsyncClient, db: AsyncSession, team: dict[str, Any]) -> None:
    owner = team["owner"]
    before = await table_counts(db)
    response = await client.delete(f"{CHATS}/{team['chat']}/members/{owner.id}", headers=owner.headers)
    assert_problem(response, 409, "owner_cannot_leave")
    solo = await create_solo(client, owner)
    response = await client.delete(f"{CHATS}/{solo['id']}/members/{owner.id}", headers=owner.headers)
    assert_problem(response, 409, "owner_cannot_leave")
    assert (await table_counts(db))["chat_members"] == before["chat_members"] + 1


async def test_a_member_who_leaves_loses_access_on_the_next_request(
    client: httpx.AsyncClient, team: dict[str, Any]
) -> None:
    member = team["member"]
    chat_url = f"{CHATS}/{team['chat']}"
    assert (await client.get(chat_url, headers=member.headers)).status_code == 200
    response = await client.delete(f"{chat_url}/members/{member.id}", headers=member.headers)
    assert response.status_code == 204, response.text
    assert_problem(await client.get(chat_url, headers=member.headers), 404, "chat_not_found")
    assert_problem(
        await client.get(messages_url(team["chat"]), headers=member.headers), 404, "chat_not_found"
    )
    assert_problem(
        await client.post(
            messages_url(team["chat"]), headers=member.headers, json={"content": "still here?"}
        ),
        404,
        "chat_not_found",
    )
    assert (await client.get(CHATS, headers=member.headers)).json()["items"] == []
    chat = (await client.get(chat_url, headers=team["owner"].headers)).json()
    assert member.id not in member_roles(chat)


@pytest.mark.parametrize(
    ("remover", "target", "status", "code"),
    [
        ("owner", "admin", 204, None),
        ("owner", "member", 204, None),
        ("admin", "member", 204, None),
        ("admin", "owner", 403, "insufficient_role"),
        ("member", "admin", 403, "insufficient_role"),
        ("member", "owner", 403, "insufficient_role"),
    ],
)
async def test_who_may_remove_whom(
    client: httpx.AsyncClient, team: dict[str, Any], remover: str, target: str, status: int, code: str | None
) -> None:
    response = await client.delete(
        f"{CHATS}/{team['chat']}/members/{team[target].id}", headers=team[remover].headers
    )
    in_chat = await client.get(f"{CHATS}/{team['chat']}", headers=team[target].headers)
    if status == 204:
        assert response.status_code == 204, response.text
        assert_problem(in_chat, 404, "chat_not_found")
    else:
        assert_problem(response, status, str(code))
        assert in_chat.status_code == 200


async def test_an_admin_cannot_remove_another_admin(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    second_admin = team["member"]
    await set_role(client, team["owner"], team["chat"], second_admin, "admin")
    response = await client.delete(
        f"{CHATS}/{team['chat']}/members/{second_admin.id}", headers=team["admin"].headers
    )
    assert_problem(response, 403, "insufficient_role")


async def test_removing_a_non_member_is_404(client: httpx.AsyncClient, team: dict[str, Any]) -> None:
    for who in ("owner", "admin"):
        response = await client.delete(
            f"{CHATS}/{team['chat']}/members/{team['outsider'].id}", headers=team[who].headers
        )
        assert_problem(response, 404, "member_not_found")


# --- read marks -----------------------------------------------------------------------------------


async def test_read_mark_only_moves_forward(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    ids = [(await post(client, alice, chat["id"], f"m{i}"))["message"]["id"] for i in range(4)]
    read_url = f"{CHATS}/{chat['id']}/read"

    async def unread() -> int:
        count: int = (await client.get(f"{CHATS}/{chat['id']}", headers=bob.headers)).json()["unread_count"]
        return count

    assert await unread() == 4
    assert (await client.post(read_url, headers=bob.headers, json={"message_id": ids[2]})).status_code == 204
    assert await unread() == 1
    assert (await client.post(read_url, headers=bob.headers, json={"message_id": ids[0]})).status_code == 204
    assert await unread() == 1
    assert (await client.post(read_url, headers=bob.headers, json={"message_id": ids[3]})).status_code == 204
    assert await unread() == 0


async def test_read_mark_needs_a_message_of_this_chat(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    chat = await create_solo(client, alice)
    other = await create_solo(client, alice)
    elsewhere = (await post(client, alice, other["id"], "hello"))["message"]["id"]
    read_url = f"{CHATS}/{chat['id']}/read"
    for message_id in (elsewhere, str(uuid.uuid4())):
        response = await client.post(read_url, headers=alice.headers, json={"message_id": message_id})
        assert_problem(response, 404, "message_not_found")
    for body in ({}, {"message_id": "nope"}, {"message_id": elsewhere, "extra": 1}):
        assert_problem(await client.post(read_url, headers=alice.headers, json=body), 422, "validation_error")


async def test_posting_marks_the_chat_read_for_the_sender(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    chat = await create_group(client, alice, bob)
    await post(client, alice, chat["id"], "one")
    await post(client, alice, chat["id"], "@ai two")
    assert (await client.get(f"{CHATS}/{chat['id']}", headers=bob.headers)).json()["unread_count"] == 3
    await post(client, bob, chat["id"], "caught up")
    assert (await client.get(f"{CHATS}/{chat['id']}", headers=bob.headers)).json()["unread_count"] == 0
    assert (await client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json()["unread_count"] == 1


# --- group context --------------------------------------------------------------------------------


async def test_group_context_starts_empty_and_solo_chats_have_none(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    group = await create_group(client, alice, bob)
    response = await client.get(f"{CHATS}/{group['id']}/context", headers=bob.headers)
    assert response.status_code == 200, response.text
    context = response.json()
    assert context == {
        "chat_id": group["id"],
        "currency": "USD",
        "total_spend_cents": 0,
        "expense_count": 0,
        "balances": [],
        "settle_up": [],
        "summary": "",
        "updated_at": context["updated_at"],
    }
    assert (await client.get(f"{CHATS}/{group['id']}/context", headers=alice.headers)).json() == context
    solo = await create_solo(client, alice)
    assert_problem(
        await client.get(f"{CHATS}/{solo['id']}/context", headers=alice.headers), 404, "not_a_group"
    )


async def test_group_context_shows_balances_and_who_pays_whom(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    alice = await register(client, full_name="Alice")
    bob = await register(client, full_name="Bob")
    carol = await register(client, full_name="Carol")
    group = await create_group(client, alice, bob, carol)
    db.add(
        GroupContext(
            chat_id=uuid.UUID(group["id"]),
            total_spend_cents=15_000,
            expense_count=2,
            balances={alice.id: 9_000, bob.id: -5_000, carol.id: -4_000},
            summary="2 expenses",
        )
    )
    await db.flush()
    context = (await client.get(f"{CHATS}/{group['id']}/context", headers=carol.headers)).json()
    assert context["total_spend_cents"] == 15_000
    assert context["expense_count"] == 2
    assert context["summary"] == "2 expenses"
    assert context["balances"] == [
        {"user": {"id": alice.id, "full_name": "Alice"}, "net_cents": 9_000},
        {"user": {"id": carol.id, "full_name": "Carol"}, "net_cents": -4_000},
        {"user": {"id": bob.id, "full_name": "Bob"}, "net_cents": -5_000},
    ]
    assert context["settle_up"] == [
        {
            "from": {"id": bob.id, "full_name": "Bob"},
            "to": {"id": alice.id, "full_name": "Alice"},
            "amount_cents": 5_000,
        },
        {
            "from": {"id": carol.id, "full_name": "Carol"},
            "to": {"id": alice.id, "full_name": "Alice"},
            "amount_cents": 4_000,
        },
    ]


async def test_openapi_documents_chat_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    chat_path = spec["paths"]["/api/v1/chats/{chat_id}"]
    assert {"401", "403", "404", "422"} <= set(chat_path["patch"]["responses"])
    assert "409" in spec["paths"]["/api/v1/chats/{chat_id}/members"]["post"]["responses"]
    posted = spec["paths"]["/api/v1/chats/{chat_id}/messages"]["post"]["responses"]
    assert {"200", "201", "404", "422"} <= set(posted)
    assert "limit" in {p["name"] for p in spec["paths"]["/api/v1/chats"]["get"]["parameters"]}
