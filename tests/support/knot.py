"""Helpers the Knot tests share: driving the sandbox, swapping the Knot transport, counting rows."""

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.money import decimal_to_cents
from app.integrations.knot.client import KnotClient
from app.integrations.knot.sandbox import KnotSandbox
from app.models import LinkedAccount, Transaction
from tests.conftest import Account

API = "/api/v1"
AMAZON, DOORDASH, UBER_EATS = 44, 19, 36
NOT_SPEND = {"REFUNDED", "RETURNED", "CANCELLED", "FAILED"}

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def sandbox_of(app: FastAPI) -> KnotSandbox:
    sandbox: KnotSandbox = app.state.knot_sandbox
    return sandbox


async def link(client: httpx.AsyncClient, account: Account, merchant_id: int) -> dict[str, Any]:
    """Link through the sandbox (webhooks included) and return the new linked account."""
    response = await client.post(
        f"{API}/linked-accounts/sandbox/link", headers=account.headers, json={"merchant_id": merchant_id}
    )
    assert response.status_code == 202, response.text
    listed = (await client.get(f"{API}/linked-accounts", headers=account.headers)).json()
    return next(a for a in listed if a["merchant"]["id"] == merchant_id)


async def all_transactions(
    client: httpx.AsyncClient, account: Account, **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/transactions", headers=account.headers, params=query)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


async def row_counts(db: AsyncSession) -> tuple[int, int]:
    accounts = await db.scalar(select(func.count()).select_from(LinkedAccount))
    transactions = await db.scalar(select(func.count()).select_from(Transaction))
    return accounts or 0, transactions or 0


def spend_cents(orders: list[dict[str, Any]]) -> int:
    """What the sandbox's orders add up to as spend, computed from Knot's decimal strings."""
    return sum(
        decimal_to_cents(Decimal(o["price"]["total"])) for o in orders if o["order_status"] not in NOT_SPEND
    )


def swap_knot_transport(app: FastAPI, settings: Settings, handler: Handler) -> None:
    """Put the real Knot client on a different transport (no backoff, so failures are quick)."""
    fast = settings.model_copy(update={"knot_retry_backoff_seconds": 0.0})
    app.state.knot = KnotClient.from_settings(fast, transport=httpx.MockTransport(handler))


def through_sandbox(app: FastAPI) -> Handler:
    sandbox = httpx.ASGITransport(app=sandbox_of(app).app)

    async def forward(request: httpx.Request) -> httpx.Response:
        response = await sandbox.handle_async_request(request)
        await response.aread()
        return response

    return forward


def recording(app: FastAPI, settings: Settings, path: str) -> list[httpx.Request]:
    """Keep talking to the sandbox, and collect the requests the Knot client sends to `path`."""
    seen: list[httpx.Request] = []
    forward = through_sandbox(app)

    async def record(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            seen.append(request)
        return await forward(request)

    swap_knot_transport(app, settings, record)
    return seen


def with_page_size(request: httpx.Request, limit: int) -> httpx.Request:
    """The same sync request asking for smaller pages, to make the sandbox page."""
    body = json.loads(request.content)
    body["limit"] = limit
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(request.method, request.url, headers=headers, json=body)
