"""The Knot client the app runs with, opened for the lifespan: real Knot, or the sandbox in-process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from app.core.config import KnotEnvironment, Settings
from app.integrations.knot.client import KnotClient
from app.integrations.knot.sandbox import KnotSandbox


@dataclass(frozen=True)
class KnotConnection:
    client: KnotClient
    sandbox: KnotSandbox | None  # set in the sandbox environment, for tests and the demo to drive it


@asynccontextmanager
async def open_knot(settings: Settings, webhook_target: ASGIApp) -> AsyncIterator[KnotConnection]:
    """`webhook_target` is the app itself: where the sandbox delivers its webhooks, as Knot would by HTTP."""
    if settings.knot_environment is not KnotEnvironment.SANDBOX:
        client = KnotClient.from_settings(settings)
        try:
            yield KnotConnection(client, None)
        finally:
            await client.aclose()
        return
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=webhook_target), base_url="http://tally.internal"
    ) as webhooks:
        sandbox = KnotSandbox(
            client_id=settings.knot_client_id, secret=settings.knot_secret, webhook_client=webhooks
        )
        client = KnotClient.from_settings(settings, transport=httpx.ASGITransport(app=sandbox.app))
        try:
            yield KnotConnection(client, sandbox)
        finally:
            await client.aclose()
