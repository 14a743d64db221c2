"""When Knot fails, misbehaves or is slow: 502/504 problem documents, and nothing stored or deleted.

The real Knot client stays in place; only its transport changes (to a failing one, or to one that passes
requests on to the sandbox and corrupts or cuts the answer).
"""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.models import LinkedAccount
from tests.api.test_auth import assert_problem
from tests.conftest import register
from tests.support.knot import (
    AMAZON,
    API,
    Handler,
    all_transactions,
    link,
    row_counts,
    swap_knot_transport,
    through_sandbox,
    with_page_size,
)


async def times_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("Knot is slow", request=request)


async def server_error(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        503, json={"error_type": "API_ERROR", "error_code": "INTERNAL", "error_message": "down"}
    )


async def not_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"<html>maintenance</html>")


def corrupting(app: FastAPI, path: str, corrupt: str) -> Handler:
    """Pass requests on to the sandbox, but give `path` an answer with a field Knot never sends like that."""
    sandbox = through_sandbox(app)

    async def handle(request: httpx.Request) -> httpx.Response:
        response = await sandbox(request)
        if request.url.path != path:
            return response
        body = response.json()
        orders = body.get("transactions", [body])
        orders[-1]["price"]["total"] = corrupt
        return httpx.Response(200, json=body)

    return handle


FAILURES = [
    pytest.param(times_out, 504, "knot_timeout", id="timeout"),
    pytest.param(server_error, 502, "knot_unavailable", id="5xx"),
    pytest.param(not_json, 502, "knot_bad_response", id="not-json"),
]


@pytest.mark.parametrize(("handler", "status", "code"), FAILURES)
async def test_linking_fails_cleanly(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: AsyncSession,
    settings: Settings,
    handler: Handler,
    status: int,
    code: str,
) -> None:
    alice = await register(client)
    swap_knot_transport(app, settings, handler)

    for path in ("/linked-accounts/sessions", "/linked-accounts/sandbox/link"):
        response = await client.post(f"{API}{path}", headers=alice.headers, json={"merchant_id": AMAZON})
        assert_problem(response, status, code)
    assert_problem(await client.get(f"{API}/merchants", headers=alice.headers), status, code)
    assert await row_counts(db) == (0, 0)


@pytest.mark.parametrize(("handler", "status", "code"), FAILURES)
async def test_sync_and_unlink_fail_cleanly(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: AsyncSession,
    settings: Settings,
    handler: Handler,
    status: int,
    code: str,
) -> None:
    alice = await register(client)
    account = await link(client, alice, AMAZON)
    before = await row_counts(db)
    swap_knot_transport(app, settings, handler)

    assert_problem(
        await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers), status, code
    )
    assert_problem(
        await client.delete(f"{API}/linked-accounts/{account['id']}", headers=alice.headers), status, code
    )

    assert await row_counts(db) == before
    assert (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json() == [account]


@pytest.mark.parametrize("corrupt", ["12,50", "NaN", "Infinity", None])
async def test_a_malformed_order_stores_nothing_of_the_sync(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession, settings: Settings, corrupt: str | None
) -> None:
    alice = await register(client)
    sandbox = through_sandbox(app)
    calls = 0

    async def first_link_then_corrupt(request: httpx.Request) -> httpx.Response:
        # Small pages, so the bad order arrives on the third page after two good ones were upserted.
        nonlocal calls
        if request.url.path != "/transactions/sync":
            return await sandbox(request)
        calls += 1
        response = await sandbox(with_page_size(request, 5))
        if calls < 3:
            return response
        body = response.json()
        body["transactions"][0]["price"]["total"] = corrupt
        return httpx.Response(200, json=body)

    swap_knot_transport(app, settings, first_link_then_corrupt)
    response = await client.post(
        f"{API}/linked-accounts/sandbox/link", headers=alice.headers, json={"merchant_id": AMAZON}
    )

    assert response.status_code == 202  # Knot took the link; the webhook's sync then failed on page 3
    assert calls == 3
    accounts, transactions = await row_counts(db)
    assert transactions == 0
    # AUTHENTICATED was handled in its own unit of work, so the account exists, never synced.
    assert accounts == 1
    stored = await db.scalar(select(LinkedAccount))
    assert stored is not None
    assert stored.sync_cursor is None
    assert stored.last_synced_at is None

    account = (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()[0]
    assert_problem(
        await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers),
        502,
        "knot_bad_response",
    )
    assert await row_counts(db) == (1, 0)

    swap_knot_transport(app, settings, sandbox)  # Knot recovers: the next sync brings everything
    synced = await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers)
    assert synced.json()["new"] == len(await all_transactions(client, alice)) >= 12


def _name_with_nul(order: dict[str, Any]) -> None:
    order["products"][0]["name"] = "USB-C cable\x00"


def _card_brand_with_nul(order: dict[str, Any]) -> None:
    order["payment_methods"][0]["brand"] = "VISA\x00"


def _order_id_with_nul(order: dict[str, Any]) -> None:
    order["id"] = order["id"][:-1] + "\x00"


def _time_before_year_one_in_utc(order: dict[str, Any]) -> None:
    order["datetime"] = "0001-01-01T00:00:00+05:00"


@pytest.mark.parametrize(
    "corrupt", [_name_with_nul, _card_brand_with_nul, _order_id_with_nul, _time_before_year_one_in_utc]
)
async def test_an_order_we_could_not_store_is_a_bad_response(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: AsyncSession,
    settings: Settings,
    corrupt: Callable[[dict[str, Any]], None],
) -> None:
    """Text with NUL (PostgreSQL refuses it) or a time Python cannot put in UTC: 502, not 500."""
    alice = await register(client)
    sandbox = through_sandbox(app)

    async def corrupting_sync(request: httpx.Request) -> httpx.Response:
        response = await sandbox(request)
        if request.url.path != "/transactions/sync":
            return response
        body = response.json()
        for order in body["transactions"]:
            corrupt(order)
        return httpx.Response(200, json=body)

    swap_knot_transport(app, settings, corrupting_sync)
    await client.post(
        f"{API}/linked-accounts/sandbox/link", headers=alice.headers, json={"merchant_id": AMAZON}
    )
    account = (await client.get(f"{API}/linked-accounts", headers=alice.headers)).json()[0]

    assert_problem(
        await client.post(f"{API}/linked-accounts/{account['id']}/sync", headers=alice.headers),
        502,
        "knot_bad_response",
    )
    assert await row_counts(db) == (1, 0)


async def test_a_malformed_update_leaves_the_order_as_it_was(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    alice = await register(client)
    await link(client, alice, AMAZON)
    sandbox = app.state.knot_sandbox
    order = sandbox.orders(alice.id, AMAZON)[0]
    before = await all_transactions(client, alice)
    swap_knot_transport(app, settings, corrupting(app, f"/transactions/{order['id']}", "free"))

    await sandbox.update_order(alice.id, AMAZON, order["id"], "REFUNDED")

    assert await all_transactions(client, alice) == before


async def test_retries_are_bounded(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    alice = await register(client)
    seen: list[str] = []

    async def always_failing(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return await server_error(request)

    swap_knot_transport(app, settings, always_failing)
    assert_problem(await client.get(f"{API}/merchants", headers=alice.headers), 502, "knot_unavailable")
    assert seen == ["/merchant/list"] * (1 + settings.knot_max_retries)


async def test_knot_rejecting_our_credentials_is_a_bad_gateway(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    alice = await register(client)
    wrong = settings.model_copy(update={"knot_secret": "not-the-secret"})
    swap_knot_transport(app, wrong, through_sandbox(app))
    response = await client.get(f"{API}/merchants", headers=alice.headers)
    body = assert_problem(response, 502, "knot_unavailable")
    assert "not-the-secret" not in json.dumps(body)
