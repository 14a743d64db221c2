"""Concurrent requests against real, committing sessions (`live_client`)."""

import asyncio
import itertools
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from tests.conftest import Account, register
from tests.support.chats import CHATS, create_group, create_solo, messages_url


async def all_messages(client: httpx.AsyncClient, who: Account, chat_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(messages_url(chat_id), headers=who.headers, params=params)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_two_members_posting_at_once_lose_duplicate_and_reorder_nothing(
    live_client: httpx.AsyncClient,
) -> None:
    alice = await register(live_client, full_name="Alice")
    bob = await register(live_client, full_name="Bob")
    chat = await create_group(live_client, alice, bob)

    async def send_50(author: Account) -> list[httpx.Response]:
        # Each author sends in order, as one device would; the two authors race each other.
        return [
            await live_client.post(
                messages_url(chat["id"]), headers=author.headers, json={"content": f"{author.full_name} {i}"}
            )
            for i in range(50)
        ]

    results = await asyncio.gather(send_50(alice), send_50(bob))
    statuses = Counter(r.status_code for responses in results for r in responses)
    assert statuses == {201: 100}

    stored = await all_messages(live_client, bob, chat["id"])
    assert len(stored) == 100
    assert len({m["id"] for m in stored}) == 100
    oldest_first = stored[::-1]
    stamps = [datetime.fromisoformat(m["created_at"]) for m in oldest_first]
    assert all(earlier < later for earlier, later in itertools.pairwise(stamps))
    for author in (alice, bob):
        mine = [m["content"] for m in oldest_first if m["sender"]["id"] == author.id]
        assert mine == [f"{author.full_name} {i}" for i in range(50)]
    # Each response's message is the stored one, and the chat's preview is the newest message.
    posted_ids = {r.json()["message"]["id"] for responses in results for r in responses}
    assert posted_ids == {m["id"] for m in stored}
    row = (await live_client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json()
    assert row["last_message"]["id"] == stored[0]["id"]


async def test_one_client_id_posted_ten_times_at_once_is_one_message(live_client: httpx.AsyncClient) -> None:
    alice = await register(live_client)
    chat = await create_solo(live_client, alice)
    body = {"content": "Which card for $85 at Whole Foods?", "client_id": "retry-me"}

    responses = await asyncio.gather(
        *(live_client.post(messages_url(chat["id"]), headers=alice.headers, json=body) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["reply"] is not None

    stored = await all_messages(live_client, alice, chat["id"])
    assert [m["id"] for m in stored] == [bodies[0]["reply"]["id"], bodies[0]["message"]["id"]]


async def test_adding_the_same_member_at_once_adds_them_once(live_client: httpx.AsyncClient) -> None:
    alice = await register(live_client)
    bob = await register(live_client)
    chat = await create_group(live_client, alice)
    responses = await asyncio.gather(
        *(
            live_client.post(
                f"{CHATS}/{chat['id']}/members", headers=alice.headers, json={"email": bob.email}
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_member"}
    detail = (await live_client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json()
    assert detail["member_count"] == 2


async def test_concurrent_ownership_transfers_leave_exactly_one_owner(live_client: httpx.AsyncClient) -> None:
    alice = await register(live_client)
    heirs = [await register(live_client) for _ in range(3)]
    chat = await create_group(live_client, alice, *heirs)
    responses = await asyncio.gather(
        *(
            live_client.patch(
                f"{CHATS}/{chat['id']}/members/{heir.id}", headers=alice.headers, json={"role": "owner"}
            )
            for heir in heirs
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 403, 403]
    detail = (await live_client.get(f"{CHATS}/{chat['id']}", headers=alice.headers)).json()
    roles = Counter(m["role"] for m in detail["members"])
    assert roles == {"owner": 1, "admin": 1, "member": 2}
