from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.assistant.cards import CARDS_BY_ID
from app.core.config import Settings
from app.core.security import PasswordHasher
from scripts.demo_chats import equal_shares, seed_chats
from scripts.seed_data import DEMO_PASSWORD, seed_users
from tests.support.chats import CHATS, messages_url, table_counts


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", data={"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_demo_chats_are_seeded_once_and_alice_sees_both(
    db: AsyncSession, settings: Settings, client: httpx.AsyncClient
) -> None:
    users = await seed_users(db, PasswordHasher(settings))
    await seed_chats(db, users)
    after_first = await table_counts(db)
    await seed_chats(db, users)
    assert await table_counts(db) == after_first
    assert after_first == {"chats": 2, "chat_members": 3, "messages": 4, "group_contexts": 1}

    alice = await sign_in(client, "alice@demo.com")
    chats = (await client.get(CHATS, headers=alice)).json()["items"]
    assert [(c["type"], c["my_role"], c["unread_count"]) for c in chats] == [
        ("group", "owner", 0),
        ("solo", "owner", 0),
    ]
    group = chats[0]
    assert group["member_count"] == 2
    assert group["last_message"]["sender_type"] == "ai"

    bob = await sign_in(client, "bob@test.com")
    bobs = (await client.get(CHATS, headers=bob)).json()["items"]
    assert [(c["id"], c["my_role"], c["unread_count"]) for c in bobs] == [(group["id"], "member", 2)]
    charlie = await sign_in(client, "charlie@sample.com")
    assert (await client.get(CHATS, headers=charlie)).json()["items"] == []


def check_card_pick(pick: dict[str, Any]) -> None:
    card = CARDS_BY_ID[pick["card_id"]]
    assert pick["card_name"] == card.name
    assert pick["estimated_reward_cents"] == round(8500 * pick["effective_rate_percent"] / 100)


async def test_demo_card_exchange_has_the_card_shape(
    db: AsyncSession, settings: Settings, client: httpx.AsyncClient
) -> None:
    users = await seed_users(db, PasswordHasher(settings))
    await seed_chats(db, users)
    alice = await sign_in(client, "alice@demo.com")
    solo = next(c for c in (await client.get(CHATS, headers=alice)).json()["items"] if c["type"] == "solo")
    reply, question = (await client.get(messages_url(solo["id"]), headers=alice)).json()["items"]
    assert question["content"] == "Which card should I use for $85 at Whole Foods?"
    assert reply["reply_to_id"] == question["id"]
    assert reply["action"] == "card"
    assert len(reply["thinking"]) >= 4
    assert all(set(step) == {"title", "detail"} for step in reply["thinking"])
    drawer = reply["drawer_data"]
    assert set(drawer) == {"type", "merchant", "category", "amount_cents", "best", "ranking", "wallet_empty"}
    assert (drawer["type"], drawer["merchant"], drawer["category"]) == ("card", "Whole Foods", "groceries")
    assert drawer["amount_cents"] == 8500
    assert drawer["wallet_empty"] is False
    assert [p["card_id"] for p in drawer["ranking"]] == ["amex-gold", "citi-double-cash"]
    assert drawer["best"] == drawer["ranking"][0]
    assert drawer["best"]["multiplier_label"] == "4x points"
    assert drawer["best"]["effective_rate_percent"] == 4.0
    assert drawer["best"]["estimated_reward_cents"] == 340
    assert drawer["ranking"][1]["estimated_reward_cents"] == 170
    for pick in drawer["ranking"]:
        assert set(pick) == {
            "card_id",
            "card_name",
            "multiplier_label",
            "effective_rate_percent",
            "estimated_reward_cents",
        }
        check_card_pick(pick)


async def test_demo_split_matches_the_group_ledger(
    db: AsyncSession, settings: Settings, client: httpx.AsyncClient
) -> None:
    users = await seed_users(db, PasswordHasher(settings))
    await seed_chats(db, users)
    alice_id, bob_id = str(users["alice@demo.com"].id), str(users["bob@test.com"].id)
    bob = await sign_in(client, "bob@test.com")
    group = (await client.get(CHATS, headers=bob)).json()["items"][0]
    reply, request = (await client.get(messages_url(group["id"]), headers=bob)).json()["items"]
    assert request["content"] == "@ai split $120 dinner with Bob, I paid"
    assert request["sender"]["id"] == alice_id
    assert reply["action"] == "split"
    assert reply["reply_to_id"] == request["id"]
    drawer = reply["drawer_data"]
    assert set(drawer) == {
        "type",
        "description",
        "total_cents",
        "currency",
        "payer",
        "method",
        "shares",
        "balances",
    }
    assert drawer["type"] == "split"
    assert drawer["payer"] == {"id": alice_id, "full_name": "Alice Anderson"}
    assert drawer["method"] == "equal"
    assert sum(s["amount_cents"] for s in drawer["shares"]) == drawer["total_cents"] == 12000
    nets = {b["user"]["id"]: b["net_cents"] for b in drawer["balances"]}
    assert nets == {alice_id: 6000, bob_id: -6000}

    context = (await client.get(f"{CHATS}/{group['id']}/context", headers=bob)).json()
    assert context["total_spend_cents"] == 12000
    assert context["expense_count"] == 1
    assert {b["user"]["id"]: b["net_cents"] for b in context["balances"]} == nets
    assert sum(nets.values()) == 0
    assert context["settle_up"] == [
        {
            "from": {"id": bob_id, "full_name": "Bob Brown"},
            "to": {"id": alice_id, "full_name": "Alice Anderson"},
            "amount_cents": 6000,
        }
    ]
    assert "Bob Brown owes Alice Anderson $60.00" in context["summary"]


def test_equal_shares_spread_leftover_cents() -> None:
    assert equal_shares(1000, 3) == [334, 333, 333]
    assert equal_shares(12000, 2) == [6000, 6000]
    assert sum(equal_shares(10001, 7)) == 10001
