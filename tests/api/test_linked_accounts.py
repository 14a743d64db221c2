"""Linked accounts through HTTP, against the Knot sandbox: link, webhooks, sync, orders, summary, unlink."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Environment, Settings
from app.core.money import decimal_to_cents
from app.main import create_app
from app.models import LinkedAccount, Message, SenderType
from tests.api.test_auth import assert_problem
from tests.conftest import register
from tests.support.knot import (
    AMAZON,
    API,
    DOORDASH,
    UBER_EATS,
    all_transactions,
    link,
    recording,
    row_counts,
    sandbox_of,
    spend_cents,
)

# Wide enough to hold every sandbox order (they span the last 75 days).
EVERYTHING = {
    "since": str(date.today() - timedelta(days=120)),
    "until": str(date.today() + timedelta(days=1)),
}


async def test_link_sync_list_and_summarise(client: httpx.AsyncClient, app: FastAPI) -> None:
    alice = await register(client)

    merchants = (await client.get(f"{API}/merchants", headers=alice.headers)).json()
    by_id = {m["id"]: m for m in merchants}
    assert by_id[AMAZON] == {
        "id": AMAZON,
        "name": "Amazon",
        "category": "shopping",
        "logo": "https://knot.imgix.net/merchants/amazon.png",
    }
    assert by_id[DOORDASH]["category"] == "dining"

    session = await client.post(
        f"{API}/linked-accounts/sessions", headers=alice.headers, json={"merchant_id": AMAZON}
    )
    assert session.status_code == 201, session.text
    assert session.json()["product"] == "transaction_link"
    assert session.json()["merchant_ids"] == [AMAZON]
    assert session.json()["environment"] == "sandbox"
    assert session.json()["session_id"]

    account = await link(client, alice, AMAZON)
    assert account["status"] == "connected"
    assert account["merchant"] == {
        "id": AMAZON,
        "name": "Amazon",
        "logo": "https://knot.imgix.net/merchants/amazon.png",
    }
    assert account["last_synced_at"] is not None

    orders = sandbox_of(app).orders(alice.id, AMAZON)
    listed = await all_transactions(client, alice)
    assert len(listed) == len(orders) >= 12
    assert [t["occurred_at"] for t in listed] == sorted((t["occurred_at"] for t in listed), reverse=True)
    knot_newest = max(orders, key=lambda o: o["datetime"])
    newest = listed[0]
    assert newest["external_id"] == knot_newest["external_id"]
    assert newest["merchant"] == {"id": AMAZON, "name": "Amazon"}
    assert newest["total_cents"] == decimal_to_cents(Decimal(knot_newest["price"]["total"]))
    assert newest["currency"] == "USD"
    assert [p["name"] for p in newest["products"]] == [p["name"] for p in knot_newest["products"]]
    assert newest["products"][0]["unit_price_cents"] == decimal_to_cents(
        Decimal(knot_newest["products"][0]["price"]["unit_price"])
    )
    assert {t["order_status"] for t in listed} >= {"refunded", "cancelled"}
    gift_paid = [t for t in listed if any(pm["type"] == "gift_card" for pm in t["payment_methods"])]
    for transaction in gift_paid:
        assert len(transaction["payment_methods"]) == 2
        assert sum(pm["amount_cents"] for pm in transaction["payment_methods"]) == transaction["total_cents"]

    summary = (await client.get(f"{API}/spending/summary", headers=alice.headers, params=EVERYTHING)).json()
    assert summary["type"] == "tracker"
    assert summary["scope"] == "me"
    assert summary["currency"] == "USD"
    assert summary["total_cents"] == spend_cents(orders)
    counted = sum(1 for o in orders if o["order_status"] not in {"REFUNDED", "CANCELLED"})
    assert summary["by_merchant"] == [
        {"merchant": "Amazon", "amount_cents": spend_cents(orders), "count": counted}
    ]
    assert summary["by_category"] == [{"category": "shopping", "amount_cents": spend_cents(orders)}]
    assert len(summary["series"]) == 122
    assert sum(day["amount_cents"] for day in summary["series"]) == summary["total_cents"]
    assert summary["period"] == {"start": EVERYTHING["since"], "end": EVERYTHING["until"]}


async def test_second_sync_adds_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession, settings: Settings
) -> None:
    alice = await register(client)
    account = await link(client, alice, DOORDASH)
    before = await row_counts(db)
    stored = await db.scalar(select(LinkedAccount.sync_cursor))
    syncs = recording(app, settings, "/transactions/sync")

    response = await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"new": 0, "updated": 0}
    assert await row_counts(db) == before
    # It asked Knot only for what came after the cursor the first sync stored.
    assert stored is not None
    assert [json.loads(r.content) for r in syncs] == [
        {"merchant_id": DOORDASH, "external_user_id": alice.id, "cursor": stored, "limit": 100}
    ]


async def test_new_orders_at_the_merchant_arrive_with_the_next_sync(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client)
    account = await link(client, alice, UBER_EATS)
    count = len(await all_transactions(client, alice))
    sandbox_of(app).link(alice.id, UBER_EATS)  # a re-login at the sandbox places two more orders

    response = await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers)

    assert response.json() == {"new": 2, "updated": 0}
    assert len(await all_transactions(client, alice)) == count + 2


async def test_refund_webhook_updates_the_order_and_the_summary(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice = await register(client)
    await link(client, alice, AMAZON)
    sandbox = sandbox_of(app)
    delivered = next(
        o for o in reversed(sandbox.orders(alice.id, AMAZON)) if o["order_status"] == "DELIVERED"
    )
    before = (await client.get(f"{API}/spending/summary", headers=alice.headers, params=EVERYTHING)).json()

    await sandbox.update_order(alice.id, AMAZON, delivered["id"], "REFUNDED")

    after = (await client.get(f"{API}/spending/summary", headers=alice.headers, params=EVERYTHING)).json()
    refund = decimal_to_cents(Decimal(delivered["price"]["total"]))
    assert after["total_cents"] == before["total_cents"] - refund
    assert after["by_merchant"][0]["count"] == before["by_merchant"][0]["count"] - 1
    listed = await all_transactions(client, alice)
    assert (
        next(t for t in listed if t["external_id"] == delivered["external_id"])["order_status"] == "refunded"
    )


async def test_login_required_flags_the_account_and_prompts_once(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    alice = await register(client)
    await link(client, alice, DOORDASH)

    await sandbox_of(app).disconnect(alice.id, DOORDASH)
    await sandbox_of(app).disconnect(alice.id, DOORDASH)  # Knot retrying the same event

    accounts = (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()
    assert accounts[0]["status"] == "login_required"
    chats = (await client.get(f"{API}/chats", headers=alice.headers)).json()["items"]
    assert [c["type"] for c in chats] == ["solo"]
    prompts = (
        await db.scalars(
            select(Message.content).where(
                Message.chat_id == uuid.UUID(chats[0]["id"]), Message.sender_type == SenderType.AI
            )
        )
    ).all()
    assert len(prompts) == 1
    assert "DoorDash" in prompts[0]
    assert "Re-link" in prompts[0]

    await link(client, alice, DOORDASH)  # the user signs in again
    accounts = (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()
    assert [a["status"] for a in accounts] == ["connected"]


async def test_unsigned_or_forged_webhooks_are_refused_and_store_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession, settings: Settings
) -> None:
    alice = await register(client)
    payload = {
        "event": "AUTHENTICATED",
        "session_id": str(uuid.uuid4()),
        "external_user_id": alice.id,
        "merchant": {"id": AMAZON, "name": "Amazon"},
        "timestamp": 1710864923198,
    }
    body, headers = sandbox_of(app).signed_webhook(payload)
    tampered_body = body.replace(b"AUTHENTICATED", b"AUTHENTICATEX")
    wrong_key = sandbox_of(app).signed_webhook({**payload, "session_id": str(uuid.uuid4())})[1][
        "Knot-Signature"
    ]
    attempts = [
        (body, {k: v for k, v in headers.items() if k != "Knot-Signature"}),
        (body, {**headers, "Knot-Signature": ""}),
        (body, {**headers, "Knot-Signature": "not base64 at all"}),
        (body, {**headers, "Knot-Signature": wrong_key}),
        (tampered_body, headers),
        (body, {**headers, "Encryption-Type": "NONE"}),
    ]

    for content, attempt_headers in attempts:
        response = await client.post(f"{API}/webhooks/knot", content=content, headers=attempt_headers)
        assert_problem(response, 401, "invalid_signature")

    assert await row_counts(db) == (0, 0)
    accepted = await client.post(f"{API}/webhooks/knot", content=body, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert await row_counts(db) == (1, 0)


async def test_replayed_webhooks_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    alice = await register(client)
    await link(client, alice, AMAZON)
    before = await row_counts(db)
    sandbox = sandbox_of(app)
    merchant = {"id": AMAZON, "name": "Amazon"}
    replays = [
        {"event": "AUTHENTICATED", "session_id": "s-1", "external_user_id": alice.id, "merchant": merchant},
        {"event": "NEW_TRANSACTIONS_AVAILABLE", "external_user_id": alice.id, "merchant": merchant},
        {
            "event": "UPDATED_TRANSACTIONS_AVAILABLE",
            "external_user_id": alice.id,
            "merchant": merchant,
            "updated": [{"id": o["id"]} for o in sandbox.orders(alice.id, AMAZON)[:3]],
        },
    ]

    for payload in replays * 2:
        body, headers = sandbox.signed_webhook(payload)
        response = await client.post(f"{API}/webhooks/knot", content=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"received": True}

    assert await row_counts(db) == before


async def test_a_webhook_cannot_move_another_users_order_into_an_account(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    # Knot signs only a webhook's event name and session id, so its user, merchant and ids are not trusted.
    alice = await register(client)
    bob = await register(client)
    await link(client, alice, AMAZON)
    await link(client, bob, AMAZON)
    bobs_order = sandbox_of(app).orders(bob.id, AMAZON)[0]
    alices_before = await all_transactions(client, alice)
    counts = await row_counts(db)
    forged = {
        "event": "UPDATED_TRANSACTIONS_AVAILABLE",
        "external_user_id": alice.id,
        "merchant": {"id": AMAZON, "name": "Amazon"},
        "updated": [{"id": bobs_order["id"]}],
    }
    body, headers = sandbox_of(app).signed_webhook(forged)

    assert (await client.post(f"{API}/webhooks/knot", content=body, headers=headers)).status_code == 200

    assert await all_transactions(client, alice) == alices_before
    assert await row_counts(db) == counts


async def test_merchant_status_update_refreshes_the_cached_merchant_list(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    alice = await register(client)
    lists = recording(app, settings, "/merchant/list")
    await client.get(f"{API}/merchants", headers=alice.headers)
    await client.get(f"{API}/merchants", headers=alice.headers)
    assert len(lists) == 1

    event = {
        "event": "MERCHANT_STATUS_UPDATE",
        "merchant": {"id": 12, "name": "Target"},
        "data": {"status": "DOWN"},
    }
    body, headers = sandbox_of(app).signed_webhook(event)
    assert (await client.post(f"{API}/webhooks/knot", content=body, headers=headers)).status_code == 200
    await client.get(f"{API}/merchants", headers=alice.headers)
    assert len(lists) == 2


async def test_unknown_events_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    alice = await register(client)
    for payload in (
        {"event": "CARD_UPDATED", "session_id": "s-2", "external_user_id": alice.id},
        {
            "event": "MERCHANT_STATUS_UPDATE",
            "merchant": {"id": AMAZON, "name": "Amazon"},
            "data": {"status": "DOWN"},
        },
        # An event about a user Tally does not have.
        {
            "event": "NEW_TRANSACTIONS_AVAILABLE",
            "external_user_id": "someone-else",
            "merchant": {"id": 44, "name": "A"},
        },
    ):
        body, headers = sandbox_of(app).signed_webhook(payload)
        response = await client.post(f"{API}/webhooks/knot", content=body, headers=headers)
        assert response.status_code == 200, response.text
    assert await row_counts(db) == (0, 0)


async def test_authentic_but_malformed_events_are_bad_requests(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body, headers = sandbox_of(app).signed_webhook(
        {"event": "NEW_TRANSACTIONS_AVAILABLE", "merchant": {"id": 44}}
    )
    assert_problem(
        await client.post(f"{API}/webhooks/knot", content=body, headers=headers), 400, "malformed_webhook"
    )


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'"event"', b"[" * 100_000],  # the last nests deeper than the parser recurses
)
async def test_bodies_that_are_not_json_objects_cannot_be_authentic(
    client: httpx.AsyncClient, app: FastAPI, body: bytes
) -> None:
    _, headers = sandbox_of(app).signed_webhook({"event": "NEW_TRANSACTIONS_AVAILABLE"})
    headers["Content-Length"] = str(len(body))
    response = await client.post(f"{API}/webhooks/knot", content=body, headers=headers)
    assert_problem(response, 401, "invalid_signature")


async def test_authentic_events_with_an_odd_event_name_are_ignored(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    alice = await register(client)
    merchant = {"id": AMAZON, "name": "Amazon"}
    for name in (["AUTHENTICATED"], {"AUTHENTICATED": True}, 7, None):
        payload = {"event": name, "external_user_id": alice.id, "merchant": merchant}
        body, headers = sandbox_of(app).signed_webhook(payload)
        response = await client.post(f"{API}/webhooks/knot", content=body, headers=headers)
        assert response.status_code == 200, response.text
    assert await row_counts(db) == (0, 0)


async def test_unlink_removes_the_account_here_and_at_knot(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    alice = await register(client)
    account = await link(client, alice, AMAZON)
    await link(client, alice, DOORDASH)

    response = await client.delete(f"{API}/linked-accounts/{account['id']}", headers=alice.headers)

    assert response.status_code == 204, response.text
    assert not sandbox_of(app).is_linked(alice.id, AMAZON)
    remaining = (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()
    assert [a["merchant"]["name"] for a in remaining] == ["DoorDash"]
    assert {t["merchant"]["name"] for t in await all_transactions(client, alice)} == {"DoorDash"}
    assert await row_counts(db) == (1, len(sandbox_of(app).orders(alice.id, DOORDASH)))
    again = await client.delete(f"{API}/linked-accounts/{account['id']}", headers=alice.headers)
    assert_problem(again, 404, "linked_account_not_found")


async def test_other_users_accounts_and_orders_are_invisible(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    alices = await link(client, alice, AMAZON)

    assert (await client.get(f"{API}/linked-accounts", headers=bob.headers)).json() == []
    assert await all_transactions(client, bob) == []
    assert await all_transactions(client, bob, merchant_id=AMAZON) == []
    summary = (await client.get(f"{API}/spending/summary", headers=bob.headers, params=EVERYTHING)).json()
    assert summary["total_cents"] == 0
    assert summary["by_merchant"] == []
    nobodys = uuid.uuid4()
    for method, suffix in (("POST", "/sync"), ("DELETE", "")):
        theirs = await client.request(
            method, f"{API}/linked-accounts/{alices['id']}{suffix}", headers=bob.headers
        )
        missing = await client.request(
            method, f"{API}/linked-accounts/{nobodys}{suffix}", headers=bob.headers
        )
        assert_problem(theirs, 404, "linked_account_not_found")
        assert theirs.json() == missing.json()
    assert len((await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()) == 1


async def test_transactions_pages_filters_and_validation(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    await link(client, alice, AMAZON)
    await link(client, alice, DOORDASH)
    everything = await all_transactions(client, alice)

    pages, cursor = [], None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"{API}/transactions", headers=alice.headers, params=params)).json()
        assert len(body["items"]) <= 5
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    walked = [t for page in pages for t in page]
    assert [t["id"] for t in walked] == [t["id"] for t in everything]
    assert len({t["id"] for t in walked}) == len(everything)
    assert (await client.get(f"{API}/transactions", headers=alice.headers)).json()["items"] == everything[:50]

    doordash = await all_transactions(client, alice, merchant_id=DOORDASH)
    assert doordash
    assert {t["merchant"]["name"] for t in doordash} == {"DoorDash"}
    day = everything[len(everything) // 2]["occurred_at"][:10]
    on_day = await all_transactions(client, alice, since=day, until=day)
    assert on_day == [t for t in everything if t["occurred_at"][:10] == day]

    first = (await client.get(f"{API}/transactions", headers=alice.headers, params={"limit": 5})).json()
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"cursor": first["next_cursor"][:-2] + "xx"},
        {"cursor": "garbage"},
        {"cursor": first["next_cursor"], "merchant_id": AMAZON},  # a cursor from another list
        {"since": "yesterday"},
        {"merchant_id": 0},
        {"merchant_id": 2**31},  # beyond the merchant id column
    ):
        response = await client.get(f"{API}/transactions", headers=alice.headers, params=params)
        assert response.status_code == 422, (params, response.text)
        expected = "invalid_cursor" if "cursor" in params else "validation_error"
        assert response.json()["code"] == expected, (params, response.text)
    backwards = {"since": "2026-03-02", "until": "2026-03-01"}
    response = await client.get(f"{API}/transactions", headers=alice.headers, params=backwards)
    assert_problem(response, 422, "invalid_period")


async def test_the_last_representable_day_is_a_valid_bound(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    await link(client, alice, AMAZON)
    everything = await all_transactions(client, alice)
    assert everything
    assert await all_transactions(client, alice, until="9999-12-31") == everything
    for params in ({"until": "9999-12-31"}, {"since": "9999-12-31", "until": "9999-12-31"}):
        response = await client.get(f"{API}/spending/summary", headers=alice.headers, params=params)
        assert response.status_code == 200, response.text
        assert response.json()["period"]["end"] == "9999-12-31"
        assert response.json()["total_cents"] == 0


async def test_summary_defaults_to_this_month_and_validates_the_period(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    summary = (await client.get(f"{API}/spending/summary", headers=alice.headers)).json()
    today = datetime.now(UTC).date()
    assert summary["period"]["start"] == str(today.replace(day=1))
    assert summary["period"]["end"][:7] == str(today)[:7]
    assert all(day["amount_cents"] == 0 for day in summary["series"])

    for params in (
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"since": "2024-01-01", "until": "2026-01-01"},
    ):
        response = await client.get(f"{API}/spending/summary", headers=alice.headers, params=params)
        assert_problem(response, 422, "invalid_period")


async def test_unknown_merchants_are_refused(client: httpx.AsyncClient, db: AsyncSession) -> None:
    alice = await register(client)
    for path in ("/linked-accounts/sessions", "/linked-accounts/sandbox/link"):
        response = await client.post(f"{API}{path}", headers=alice.headers, json={"merchant_id": 999})
        assert_problem(response, 422, "unknown_merchant")
        response = await client.post(f"{API}{path}", headers=alice.headers, json={"merchant_id": "amazon"})
        assert_problem(response, 422, "validation_error")
    assert await row_counts(db) == (0, 0)


async def test_routes_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/merchants"),
        ("GET", "/linked-accounts"),
        ("POST", "/linked-accounts/sessions"),
        ("POST", "/linked-accounts/sandbox/link"),
        ("GET", "/transactions"),
        ("GET", "/spending/summary"),
    ):
        assert_problem(await client.request(method, f"{API}{path}"), 401, "not_authenticated")


@pytest.mark.parametrize("knot_environment", ["production", "development"])
async def test_no_simulated_login_in_production(settings: Settings, knot_environment: str) -> None:
    production = Settings(
        environment=Environment.PRODUCTION,
        secret_key=settings.secret_key,
        database_url=settings.database_url,
        knot_environment=knot_environment,
        knot_client_id="live-client",
        knot_secret="live-secret",
    )
    app = create_app(production)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        response = await c.post(f"{API}/linked-accounts/sandbox/link", json={"merchant_id": AMAZON})
    assert_problem(response, 404, "not_found")
    assert "/api/v1/linked-accounts/sandbox/link" not in app.openapi()["paths"]
