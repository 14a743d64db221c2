"""Merchant accounts linked through Knot (TransactionLink) and the orders synced from them.

Knot knows our users by `external_user_id`, which is the user's id. Everything that writes Knot data goes
through `connect_account` (the account row) and `_upsert_transactions` (the orders), so a webhook, a manual
sync and the demo seed store the same thing. Any Knot failure raises before or between writes of the
caller's transaction, which then rolls back: nothing half-synced is ever committed.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple, Self

from sqlalchemy import Boolean, Row, func, literal_column, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import KnotEnvironment, Settings
from app.core.errors import NotFound, Unprocessable, validation_issue
from app.core.money import decimal_to_cents
from app.core.pagination import Keyset, PageRequest, Slice
from app.integrations.knot.client import KnotBadResponse, KnotClient
from app.integrations.knot.models import TRANSACTION_LINK, KnotMerchantAccount, KnotTransaction
from app.models import LinkedAccount, LinkedAccountStatus, OrderStatus, Transaction, User
from app.services.spending import InvalidPeriod, merchant_category

logger = logging.getLogger(__name__)

# A runaway cursor (Knot answering pages forever) must end in an error, not an endless request.
MAX_SYNC_PAGES = 500


class LinkedAccountNotFound(NotFound):
    code = "linked_account_not_found"
    detail = "Linked account not found"


class UnknownMerchant(Unprocessable):
    code = "unknown_merchant"
    detail = "This merchant is not available for linking"

    def __init__(self) -> None:
        issue = validation_issue(["body", "merchant_id"], self.detail, self.code)
        super().__init__(extra={"errors": [issue]})


def external_user_id(user_id: uuid.UUID) -> str:
    return str(user_id)


def user_id_from_external(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# --- merchants and sessions -----------------------------------------------------------------------


@dataclass(frozen=True)
class MerchantView:
    id: int
    name: str
    category: str
    logo: str | None


@dataclass(frozen=True)
class LinkSession:
    session_id: str
    client_id: str
    environment: KnotEnvironment
    product: str
    merchant_ids: list[int]


async def list_merchants(knot: KnotClient) -> list[MerchantView]:
    return [MerchantView(m.id, m.name, merchant_category(m.id), m.logo) for m in await knot.list_merchants()]


async def _require_merchant(knot: KnotClient, merchant_id: int) -> None:
    if all(m.id != merchant_id for m in await knot.list_merchants()):
        raise UnknownMerchant


async def create_link_session(
    knot: KnotClient, settings: Settings, user: User, merchant_id: int
) -> LinkSession:
    """A Knot session for the SDK to link one merchant account (the SDK takes the merchant separately)."""
    await _require_merchant(knot, merchant_id)
    session = await knot.create_session(external_user_id(user.id))
    return LinkSession(
        session, settings.knot_client_id, settings.knot_environment, TRANSACTION_LINK, [merchant_id]
    )


async def simulate_login(knot: KnotClient, user: User, merchant_id: int) -> None:
    """What the SDK login does, without the SDK: Knot links the account, then sends its webhooks."""
    await _require_merchant(knot, merchant_id)
    await knot.link_development_account(external_user_id(user.id), merchant_id)


# --- linked accounts ------------------------------------------------------------------------------


async def list_linked_accounts(db: AsyncSession, user: User) -> Sequence[LinkedAccount]:
    query = select(LinkedAccount).where(LinkedAccount.user_id == user.id)
    return (await db.scalars(query.order_by(LinkedAccount.created_at, LinkedAccount.id))).all()


async def get_linked_account(db: AsyncSession, user: User, account_id: uuid.UUID) -> LinkedAccount:
    account = await db.scalar(
        select(LinkedAccount).where(LinkedAccount.id == account_id, LinkedAccount.user_id == user.id)
    )
    if account is None:
        raise LinkedAccountNotFound
    return account


async def find_linked_account(db: AsyncSession, user_id: uuid.UUID, merchant_id: int) -> LinkedAccount | None:
    return await db.scalar(
        select(LinkedAccount).where(
            LinkedAccount.user_id == user_id, LinkedAccount.merchant_id == merchant_id
        )
    )


def _status_from_knot(connection_status: str) -> LinkedAccountStatus:
    # Knot reports a merchant session that needs the user again as "disconnected".
    return {
        "connected": LinkedAccountStatus.CONNECTED,
        "disconnected": LinkedAccountStatus.LOGIN_REQUIRED,
    }.get(connection_status, LinkedAccountStatus.DISCONNECTED)


async def connect_account(
    db: AsyncSession, knot: KnotClient, user_id: uuid.UUID, merchant_id: int
) -> LinkedAccount | None:
    """Record the account as Knot reports it (merchant, status, scopes); None when Knot has no such account.

    Knot is asked rather than the webhook believed: a webhook's signature covers its event name, not the
    user or merchant in its body.
    """
    remote = await knot.get_account(external_user_id(user_id), merchant_id)
    if remote is None:
        return None
    return await _store_account(db, user_id, remote)


async def _store_account(db: AsyncSession, user_id: uuid.UUID, remote: KnotMerchantAccount) -> LinkedAccount:
    values = {
        "merchant_name": remote.merchant.name,
        "merchant_logo": remote.merchant.logo,
        "status": _status_from_knot(remote.connection.status),
        "permissions": {
            str(scope.get("type")): True for scope in remote.connection.scopes if scope.get("type")
        },
    }
    statement = (
        insert(LinkedAccount)
        .values(id=uuid.uuid4(), user_id=user_id, merchant_id=remote.merchant.id, **values)
        .on_conflict_do_update(
            index_elements=["user_id", "merchant_id"], set_={**values, "updated_at": func.now()}
        )
        .returning(LinkedAccount.id)
    )
    account_id = (await db.execute(statement)).scalar_one()
    account = await db.get(LinkedAccount, account_id, populate_existing=True)
    assert account is not None
    return account


async def mark_login_required(db: AsyncSession, account: LinkedAccount) -> bool:
    """Flag the account; True only for the call that changed it, so a replayed webhook prompts just once."""
    changed = await db.scalar(
        update(LinkedAccount)
        .where(LinkedAccount.id == account.id, LinkedAccount.status != LinkedAccountStatus.LOGIN_REQUIRED)
        .values(status=LinkedAccountStatus.LOGIN_REQUIRED, updated_at=func.now())
        .returning(LinkedAccount.id)
        .execution_options(synchronize_session=False)
    )
    await db.refresh(account)
    return changed is not None


async def unlink_account(db: AsyncSession, knot: KnotClient, user: User, account_id: uuid.UUID) -> None:
    """Unlink at Knot first, then forget the account and its orders (nothing is deleted if Knot fails)."""
    account = await get_linked_account(db, user, account_id)
    await knot.unlink_account(external_user_id(user.id), account.merchant_id)
    await db.delete(account)
    await db.flush()


# --- syncing orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncCounts:
    new: int = 0
    updated: int = 0

    def __add__(self, other: Self) -> Self:
        return type(self)(self.new + other.new, self.updated + other.updated)


async def sync_account(db: AsyncSession, knot: KnotClient, account: LinkedAccount) -> SyncCounts:
    """Pull every page after the stored cursor, upsert it, and store the new cursor."""
    # Row lock: a webhook-driven sync and a manual one for the same account run one after the other,
    # the second starting from the cursor the first stored.
    await db.execute(
        select(LinkedAccount)
        .where(LinkedAccount.id == account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    cursor = account.sync_cursor
    counts = SyncCounts()
    for _ in range(MAX_SYNC_PAGES):
        page = await knot.sync_transactions(external_user_id(account.user_id), account.merchant_id, cursor)
        counts += await _upsert_transactions(db, account, page.transactions)
        previous, cursor = cursor, page.next_cursor or cursor
        if not page.transactions or page.next_cursor is None or page.next_cursor == previous:
            break
    else:
        raise KnotBadResponse(f"Knot kept paging past {MAX_SYNC_PAGES} pages")
    account.sync_cursor = cursor
    account.last_synced_at = datetime.now(UTC)
    await db.flush()
    return counts


async def sync_user_account(
    db: AsyncSession, knot: KnotClient, user: User, account_id: uuid.UUID
) -> SyncCounts:
    """Sync one of the user's own accounts on request (someone else's is 404, like a missing one)."""
    return await sync_account(db, knot, await get_linked_account(db, user, account_id))


async def refresh_transactions(
    db: AsyncSession, knot: KnotClient, account: LinkedAccount, knot_ids: Sequence[str]
) -> SyncCounts:
    """Re-read orders Knot says changed. Only orders already stored for this account are refreshed: a
    webhook body is not signed, and Knot's answer does not say whose order an id is."""
    stored = (
        await db.scalars(
            select(Transaction.knot_id).where(
                Transaction.linked_account_id == account.id, Transaction.knot_id.in_(set(knot_ids))
            )
        )
    ).all()
    fetched = [await knot.get_transaction(knot_id) for knot_id in sorted(stored)]
    return await _upsert_transactions(db, account, fetched)


_COMPARED_COLUMNS = (
    "external_id",
    "occurred_at",
    "order_status",
    "currency",
    "subtotal_cents",
    "total_cents",
    "adjustments",
    "payment_methods",
    "products",
)


async def _upsert_transactions(
    db: AsyncSession, account: LinkedAccount, transactions: Sequence[KnotTransaction]
) -> SyncCounts:
    # One row per Knot id (the last copy wins): Postgres refuses to upsert the same key twice per statement.
    rows = list({t.id: _row(account, t) for t in transactions}.values())
    if not rows:
        return SyncCounts()
    insertion = insert(Transaction).values(rows)
    excluded = insertion.excluded
    current = tuple_(*(getattr(Transaction, name) for name in _COMPARED_COLUMNS))
    incoming = tuple_(*(getattr(excluded, name) for name in _COMPARED_COLUMNS))
    upsert = insertion.on_conflict_do_update(
        index_elements=["linked_account_id", "knot_id"],
        set_={**{name: getattr(excluded, name) for name in _COMPARED_COLUMNS}, "updated_at": func.now()},
        # Unchanged orders are left alone, so replays and re-syncs write nothing and count as nothing.
        where=current.is_distinct_from(incoming),
    )
    # A row this statement inserted has no locking transaction yet (xmax 0); an updated one carries ours.
    inserted_flag = literal_column("xmax = 0", Boolean).label("inserted")
    written: Sequence[Row[Any]] = (await db.execute(upsert.returning(inserted_flag))).all()
    inserted = sum(1 for row in written if row.inserted)
    return SyncCounts(new=inserted, updated=len(written) - inserted)


def _cents(amount: Any) -> int | None:
    return None if amount is None else decimal_to_cents(amount)


def _row(account: LinkedAccount, transaction: KnotTransaction) -> dict[str, Any]:
    price = transaction.price
    return {
        "id": uuid.uuid4(),
        "linked_account_id": account.id,
        "user_id": account.user_id,
        "knot_id": transaction.id,
        "external_id": transaction.external_id,
        "occurred_at": transaction.occurred_at,
        "order_status": OrderStatus(transaction.order_status.value.lower()),
        "currency": (price.currency or "USD").upper(),
        "subtotal_cents": _cents(price.sub_total),
        "total_cents": decimal_to_cents(price.total),
        "adjustments": [
            {"type": a.type.lower(), "label": a.label, "amount_cents": decimal_to_cents(a.amount)}
            for a in price.adjustments
        ],
        "payment_methods": [
            {
                "type": pm.type.lower(),
                "brand": pm.brand,
                "last_four": pm.last_four,
                "name": pm.name,
                "amount_cents": _cents(pm.transaction_amount),
            }
            for pm in transaction.payment_methods
        ],
        "products": [
            {
                "external_id": product.external_id,
                "name": product.name,
                "quantity": product.quantity,
                "unit_price_cents": _cents(product.price.unit_price) if product.price else None,
                "subtotal_cents": _cents(product.price.sub_total) if product.price else None,
                "total_cents": _cents(product.price.total) if product.price else None,
            }
            for product in transaction.products
        ],
    }


# --- reading orders -------------------------------------------------------------------------------


class TransactionWithMerchant(NamedTuple):
    transaction: Transaction
    merchant_id: int
    merchant_name: str


@dataclass(frozen=True)
class TransactionFilter:
    merchant_id: int | None = None
    since: date | None = None  # inclusive, UTC day
    until: date | None = None  # inclusive, UTC day

    @property
    def scope(self) -> str:
        return f"{self.merchant_id}:{self.since}:{self.until}"


async def list_transactions(
    db: AsyncSession, user: User, filters: TransactionFilter, page: PageRequest
) -> Slice[TransactionWithMerchant]:
    """The user's orders, newest first, one keyset page at a time."""
    if filters.since is not None and filters.until is not None and filters.since > filters.until:
        raise InvalidPeriod
    scope = f"transactions:{user.id}:{filters.scope}"
    query = (
        select(Transaction, LinkedAccount.merchant_id, LinkedAccount.merchant_name)
        .join(LinkedAccount, LinkedAccount.id == Transaction.linked_account_id)
        .where(Transaction.user_id == user.id)
    )
    if filters.merchant_id is not None:
        query = query.where(LinkedAccount.merchant_id == filters.merchant_id)
    if filters.since is not None:
        query = query.where(Transaction.occurred_at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until is not None:
        # The day's last microsecond (PostgreSQL's resolution), not the next midnight: until may be date.max.
        query = query.where(Transaction.occurred_at <= datetime.combine(filters.until, time.max, UTC))
    after = page.after(scope)
    if after is not None:
        query = query.where(tuple_(Transaction.occurred_at, Transaction.id) < tuple_(after.at, after.id))
    newest_first = query.order_by(Transaction.occurred_at.desc(), Transaction.id.desc())
    rows = (await db.execute(newest_first.limit(page.limit + 1))).all()
    return page.slice(
        scope,
        [TransactionWithMerchant(*row) for row in rows],
        lambda row: Keyset(at=row.transaction.occurred_at, id=row.transaction.id),
    )
