"""Knot's webhooks: verified and read while the request is open, acted on after the answer.

Knot retries a webhook that is not answered 200 within 10 seconds, so the request only checks the
signature and the payload; the work (which calls Knot back and writes orders) runs after the response in
a session of its own. Every handler is idempotent: replays and retries upsert the same rows, re-sync from
the stored cursor, and prompt a re-link only when the account's status actually changes.
"""

import json
import logging
from collections.abc import Mapping

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import AppError, BadRequest
from app.integrations.knot.client import KnotClient
from app.integrations.knot.models import (
    KNOWN_EVENTS,
    AccountLoginRequiredEvent,
    AuthenticatedEvent,
    KnotEvent,
    MerchantStatusUpdateEvent,
    NewTransactionsEvent,
    UpdatedTransactionsEvent,
)
from app.integrations.knot.signature import is_valid_signature
from app.models import LinkedAccount, User
from app.services import chats as chats_service
from app.services import linked_accounts as accounts
from app.services import messages as messages_service

logger = logging.getLogger(__name__)

_EVENT = TypeAdapter[KnotEvent](KnotEvent)


class InvalidWebhookSignature(AppError):
    status_code = 401
    code = "invalid_signature"
    detail = "The Knot-Signature header is missing or does not match"


class MalformedWebhook(BadRequest):
    code = "malformed_webhook"
    detail = "The webhook body is not a Knot event"


def read_event(
    secret: str, signature: str | None, headers: Mapping[str, str], body: bytes
) -> KnotEvent | None:
    """The verified event, or None for an authentic event Tally does not act on."""
    if not signature:
        raise InvalidWebhookSignature
    # Knot signs the body's `event` (and `session_id`), so a body that is not a JSON object cannot carry
    # a valid signature: it is answered as unauthenticated, like any other forgery.
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise InvalidWebhookSignature from None
    if not isinstance(payload, dict) or not is_valid_signature(secret, signature, headers, payload):
        raise InvalidWebhookSignature
    event_name = payload.get("event")
    if not isinstance(event_name, str) or event_name not in KNOWN_EVENTS:
        logger.info("knot webhook %r ignored", str(payload.get("event"))[:64])
        return None
    try:
        return _EVENT.validate_python(payload)
    except ValidationError as exc:
        raise MalformedWebhook(f"The {payload['event']} event is missing or has invalid fields") from exc


async def process_event(
    sessionmaker: async_sessionmaker[AsyncSession], knot: KnotClient, event: KnotEvent
) -> None:
    """Act on an event in a unit of work of its own (run after the webhook was answered)."""
    try:
        async with sessionmaker.begin() as db:
            await _dispatch(db, knot, event)
    except AppError as exc:
        # Typically Knot failing while we call it back: nothing was stored, and the next event or a manual
        # sync picks up from the same cursor.
        logger.warning("knot webhook %s not processed: %s (%s)", event.event, exc.code, exc.detail)
    except Exception:
        logger.exception("knot webhook %s failed", event.event)


async def _dispatch(db: AsyncSession, knot: KnotClient, event: KnotEvent) -> None:
    if isinstance(event, MerchantStatusUpdateEvent):
        knot.forget_merchants()
        return
    user = await _user(db, event.external_user_id)
    if user is None:
        logger.info("knot webhook %s for an unknown user ignored", event.event)
        return
    merchant_id = event.merchant.id
    if isinstance(event, AuthenticatedEvent):
        await accounts.connect_account(db, knot, user.id, merchant_id)
    elif isinstance(event, NewTransactionsEvent):
        account = await _account(db, knot, user, merchant_id)
        if account is not None:
            await accounts.sync_account(db, knot, account)
    elif isinstance(event, UpdatedTransactionsEvent):
        account = await _account(db, knot, user, merchant_id)
        if account is not None:
            await accounts.refresh_transactions(db, knot, account, [ref.id for ref in event.updated])
    elif isinstance(event, AccountLoginRequiredEvent):
        await _require_login(db, knot, user, merchant_id)


async def _user(db: AsyncSession, external_user_id: str) -> User | None:
    user_id = accounts.user_id_from_external(external_user_id)
    return None if user_id is None else await db.get(User, user_id)


async def _account(db: AsyncSession, knot: KnotClient, user: User, merchant_id: int) -> LinkedAccount | None:
    # Knot does not promise webhook order: orders may announce themselves before AUTHENTICATED is handled.
    account = await accounts.find_linked_account(db, user.id, merchant_id)
    return account or await accounts.connect_account(db, knot, user.id, merchant_id)


async def _require_login(db: AsyncSession, knot: KnotClient, user: User, merchant_id: int) -> None:
    account = await accounts.find_linked_account(db, user.id, merchant_id)
    if account is None:
        return
    remote = await knot.get_account(accounts.external_user_id(user.id), merchant_id)
    if remote is None or remote.connection.status == "connected":
        logger.info("knot ACCOUNT_LOGIN_REQUIRED not confirmed by Knot; ignored")
        return
    if await accounts.mark_login_required(db, account):
        chat = await chats_service.get_or_create_solo_chat(db, user)
        await messages_service.post_assistant_message(
            db,
            chat_id=chat.id,
            content=(
                f"Your {account.merchant_name} account was signed out, so I can't see new orders from it. "
                f"Re-link {account.merchant_name} under Linked accounts and I'll pick up where I left off."
            ),
        )
