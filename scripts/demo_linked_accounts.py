"""Demo linked accounts: Alice has Amazon and DoorDash, Bob has Uber Eats, each with synced sandbox orders.

The seed runs without the app, so no webhook can reach it: it does what the webhooks would make the app do,
through the same service functions. Knot links the account at the sandbox (as the SDK login would), then
the account is recorded as Knot reports it (AUTHENTICATED) and its orders synced (NEW_TRANSACTIONS_AVAILABLE).
Idempotent: accounts already linked are left alone.
"""

import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import KnotEnvironment, Settings
from app.integrations.knot.client import KnotClient
from app.integrations.knot.sandbox import KnotSandbox
from app.models import User
from app.services import linked_accounts as accounts

logger = logging.getLogger(__name__)

AMAZON, DOORDASH, UBER_EATS = 44, 19, 36
DEMO_LINKS = {"alice@demo.com": (AMAZON, DOORDASH), "bob@test.com": (UBER_EATS,)}


async def seed_linked_accounts(db: AsyncSession, settings: Settings, users: dict[str, User]) -> None:
    if settings.knot_environment is not KnotEnvironment.SANDBOX:
        # Accounts that Knot itself does not have would fail every sync; real links go through the SDK.
        logger.warning(
            "demo linked accounts skipped: KNOT_ENVIRONMENT is %s", settings.knot_environment.value
        )
        return
    sandbox = KnotSandbox(client_id=settings.knot_client_id, secret=settings.knot_secret)
    knot = KnotClient.from_settings(settings, transport=httpx.ASGITransport(app=sandbox.app))
    try:
        for email, merchant_ids in DEMO_LINKS.items():
            user = users[email]
            for merchant_id in merchant_ids:
                if await accounts.find_linked_account(db, user.id, merchant_id) is not None:
                    continue
                await knot.link_development_account(accounts.external_user_id(user.id), merchant_id)
                account = await accounts.connect_account(db, knot, user.id, merchant_id)
                assert account is not None, "the sandbox has every account it just linked"
                await accounts.sync_account(db, knot, account)
    finally:
        await knot.aclose()
