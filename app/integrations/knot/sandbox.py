"""An in-process stand-in for Knot's development environment, served as an ASGI app.

The real `KnotClient` talks to it through `httpx.ASGITransport`, so every request goes through the same
client code (auth header, JSON bodies, parsing, errors) as against Knot. It speaks Knot's shapes for
sessions, the merchant list, merchant accounts, unlinking, cursor-paged transaction sync, transactions by
id, and Knot's development endpoint that links an account without the SDK. Like Knot, it sends signed
webhooks to the configured webhook URL: AUTHENTICATED and NEW_TRANSACTIONS_AVAILABLE after a link, and
UPDATED_TRANSACTIONS_AVAILABLE or ACCOUNT_LOGIN_REQUIRED when `update_order` or `disconnect` play a
merchant-side change.

Orders are deterministic for a (user, merchant) pair: the same ids, items and amounts every time, dated
relative to when the account was first used in this process. State lives in memory: an account comes
into being the first time it is linked or synced (so a restarted dev server still serves accounts seeded
earlier) and stays gone once unlinked.
"""

import base64
import binascii
import hmac
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.core.money import cents_to_decimal
from app.integrations.knot.models import TRANSACTION_LINK
from app.integrations.knot.signature import ENCRYPTION_TYPE, SIGNATURE_HEADER, compute_signature

logger = logging.getLogger(__name__)

_ID_NAMESPACE = uuid.UUID("6f1d2b0e-4c8a-4f43-9a57-2f0c3e1d9b77")
_HISTORY_DAYS = 75
_LOGO = "https://knot.imgix.net/merchants/{slug}.png"


@dataclass(frozen=True)
class _Item:
    sku: str
    name: str
    price_cents: int


@dataclass(frozen=True)
class _MerchantProfile:
    id: int
    name: str
    category: str
    slug: str
    delivery: bool  # food and grocery delivery: fees and a tip on top
    items: tuple[_Item, ...]
    order_id: Callable[[random.Random], str]
    order_url: str


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


MERCHANTS: dict[int, _MerchantProfile] = {
    profile.id: profile
    for profile in (
        _MerchantProfile(
            44,
            "Amazon",
            "Online shopping",
            "amazon",
            delivery=False,
            items=(
                _Item("B08N5WRWNW", "Echo Dot (5th Gen) Smart Speaker", 4999),
                _Item("B07FZ8S74R", "Anker USB-C Charger 40W, 2-Port", 2599),
                _Item("B0BSHF7WHW", "Kindle Paperwhite 16 GB", 14999),
                _Item("B00FLYWNYQ", "Instant Pot Duo 7-in-1, 6 Quart", 8995),
                _Item("B07PGL2ZSL", "AmazonBasics AA Batteries, 20-Pack", 1449),
                _Item("B0C1SLD1PK", "Stanley Quencher H2.0 Tumbler, 40 oz", 4500),
                _Item("B09JQMJHXY", "Apple AirTag 4 Pack", 7999),
                _Item("B00006IFHD", "Crayola Crayons, 64 Count", 549),
                _Item("B0B7RSV894", "Paper Towels, 12 Double Rolls", 2899),
            ),
            order_id=lambda rng: f"11{rng.randint(1, 4)}-{_digits(rng, 7)}-{_digits(rng, 7)}",
            order_url="https://www.amazon.com/gp/your-account/order-details?orderID={id}",
        ),
        _MerchantProfile(
            19,
            "DoorDash",
            "Food delivery",
            "doordash",
            delivery=True,
            items=(
                _Item("dd-1021", "Chicken Burrito Bowl", 1245),
                _Item("dd-1022", "Chips & Guacamole", 595),
                _Item("dd-2210", "Pad Thai with Shrimp", 1695),
                _Item("dd-2211", "Vegetable Spring Rolls (4)", 795),
                _Item("dd-3302", "Large Pepperoni Pizza", 2199),
                _Item("dd-3307", "Garlic Knots (6)", 699),
                _Item("dd-4410", "Spicy Tuna Roll", 899),
                _Item("dd-4415", "Miso Soup", 350),
                _Item("dd-5501", "Iced Oat Milk Latte", 625),
            ),
            order_id=lambda rng: _hex(rng, 12),
            order_url="https://www.doordash.com/orders/{id}",
        ),
        _MerchantProfile(
            36,
            "Uber Eats",
            "Food delivery",
            "uber-eats",
            delivery=True,
            items=(
                _Item("ue-0101", "Double Cheeseburger", 1099),
                _Item("ue-0102", "Large Fries", 449),
                _Item("ue-0203", "Chicken Tikka Masala", 1795),
                _Item("ue-0204", "Garlic Naan", 399),
                _Item("ue-0305", "Poke Bowl, Salmon", 1650),
                _Item("ue-0406", "Caesar Salad", 1125),
                _Item("ue-0507", "Falafel Wrap", 1050),
                _Item("ue-0608", "Mango Lassi", 495),
            ),
            order_id=lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            order_url="https://www.ubereats.com/orders/{id}",
        ),
        _MerchantProfile(
            45,
            "Walmart",
            "Department store",
            "walmart",
            delivery=False,
            items=(
                _Item("10315643", "Great Value Whole Milk, 1 Gallon", 362),
                _Item("10450115", "Bananas, each", 27),
                _Item("10535103", "Great Value Large White Eggs, 18 Count", 455),
                _Item("44390948", "Tide Pods Laundry Detergent, 42 Count", 1397),
                _Item("10295623", "Bounty Paper Towels, 6 Double Rolls", 1497),
                _Item("55210001", "Mainstays 10-Piece Cookware Set", 3488),
                _Item("10403039", "Great Value Sliced Bread, 20 oz", 178),
                _Item("35763000", "Hanes Men's Crew T-Shirts, 6 Pack", 1998),
            ),
            order_id=lambda rng: _digits(rng, 15),
            order_url="https://www.walmart.com/orders/{id}",
        ),
        _MerchantProfile(
            12,
            "Target",
            "Department store",
            "target",
            delivery=False,
            items=(
                _Item("83110124", "Threshold Throw Pillow", 2500),
                _Item("14755261", "up&up Facial Tissues, 6 Pack", 849),
                _Item("53441128", "Good & Gather Organic Baby Spinach, 5 oz", 399),
                _Item("81839441", "Cat & Jack Kids' Hoodie", 1800),
                _Item("54557226", "Room Essentials 4-Cube Organizer", 3000),
                _Item("13317211", "Cetaphil Daily Facial Cleanser, 16 fl oz", 1479),
                _Item("78025470", "LEGO Classic Creative Bricks", 3499),
            ),
            order_id=lambda rng: f"10{_digits(rng, 11)}",
            order_url="https://www.target.com/orders/{id}",
        ),
        _MerchantProfile(
            40,
            "Instacart",
            "Groceries",
            "instacart",
            delivery=True,
            items=(
                _Item("ic-20011", "Organic Hass Avocados, 4 ct", 599),
                _Item("ic-20012", "Strawberries, 1 lb", 449),
                _Item("ic-30021", "Chobani Greek Yogurt, Plain, 32 oz", 629),
                _Item("ic-30022", "Kerrygold Pure Irish Butter, 8 oz", 499),
                _Item("ic-40031", "Boneless Skinless Chicken Breast, 1.5 lb", 1049),
                _Item("ic-40032", "Atlantic Salmon Fillet, 1 lb", 1399),
                _Item("ic-50041", "Barilla Spaghetti, 16 oz", 229),
                _Item("ic-50042", "Rao's Marinara Sauce, 24 oz", 899),
                _Item("ic-60051", "La Croix Sparkling Water, 12 pack", 649),
            ),
            order_id=lambda rng: _digits(rng, 10),
            order_url="https://www.instacart.com/store/orders/{id}",
        ),
    )
}


class KnotSandboxError(Exception):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def _error(status: int, error_code: str, message: str) -> JSONResponse:
    error_type = "INVALID_INPUT" if status < 500 else "API_ERROR"
    body = {"error_type": error_type, "error_code": error_code, "error_message": message}
    return JSONResponse(body, status_code=status)


# Request bodies, as Knot documents them (unknown fields are accepted and ignored, as Knot does).


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


B = TypeVar("B", bound=_Body)


class _SessionBody(_Body):
    type: Literal["card_switcher", "transaction_link", "link", "vault"]
    external_user_id: str = Field(min_length=1)


class _MerchantListBody(_Body):
    type: Literal["card_switcher", "transaction_link", "shopping", "vault"]


class _AccountBody(_Body):
    external_user_id: str = Field(min_length=1)
    merchant_id: int


class _SyncBody(_AccountBody):
    cursor: str | None = None
    limit: int = Field(default=5, ge=1, le=100)


class _TransactionsFlags(_Body):
    new: bool = False


class _DevLinkBody(_AccountBody):
    transactions: _TransactionsFlags = _TransactionsFlags()


@dataclass
class _Account:
    external_user_id: str
    merchant: _MerchantProfile
    anchor: datetime  # "now" when the account came into being; its history is dated back from it
    status: str = "connected"
    orders: list[dict[str, Any]] = field(default_factory=list)


class KnotSandbox:
    """Knot's development environment in memory. `app` is the ASGI app to use as the client's transport."""

    def __init__(
        self,
        *,
        client_id: str,
        secret: str,
        webhook_client: httpx.AsyncClient | None = None,
        webhook_url: str = "/api/v1/webhooks/knot",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client_id = client_id
        self._secret = secret
        self._webhook_client = webhook_client
        self._webhook_url = webhook_url
        self._clock = clock
        self._accounts: dict[tuple[str, int], _Account] = {}
        self._unlinked: set[tuple[str, int]] = set()
        self._orders_by_id: dict[str, dict[str, Any]] = {}
        self.app = Starlette(
            routes=[
                Route("/session/create", self._endpoint(self._create_session), methods=["POST"]),
                Route("/merchant/list", self._endpoint(self._list_merchants), methods=["POST"]),
                Route("/accounts/get", self._endpoint(self._get_accounts), methods=["GET"]),
                Route("/accounts/unlink", self._endpoint(self._unlink), methods=["POST"]),
                Route("/transactions/sync", self._endpoint(self._sync), methods=["POST"]),
                Route(
                    "/transactions/{transaction_id}", self._endpoint(self._get_transaction), methods=["GET"]
                ),
                Route("/development/accounts/link", self._endpoint(self._dev_link), methods=["POST"]),
            ]
        )

    # --- control (Knot's development endpoints call these; tests and the demo seed may too) ---------

    def link(self, external_user_id: str, merchant_id: int, *, new: bool = True) -> None:
        """Link (or re-link) an account. Re-linking with `new` places two more orders, dated now."""
        key = (external_user_id, merchant_id)
        existed = key in self._accounts and key not in self._unlinked
        self._unlinked.discard(key)
        account = self._account(external_user_id, merchant_id)
        account.status = "connected"
        if existed and new:
            for _ in range(2):
                self._add_order(account, len(account.orders), around=self._clock().replace(microsecond=0))

    def is_linked(self, external_user_id: str, merchant_id: int) -> bool:
        key = (external_user_id, merchant_id)
        return key in self._accounts and key not in self._unlinked

    def orders(self, external_user_id: str, merchant_id: int) -> list[dict[str, Any]]:
        """The account's orders as Knot would serialise them (oldest first)."""
        return list(self._account(external_user_id, merchant_id).orders)

    async def update_order(
        self, external_user_id: str, merchant_id: int, transaction_id: str, status: str
    ) -> None:
        """Change an order's status (e.g. to REFUNDED) and announce it with UPDATED_TRANSACTIONS_AVAILABLE."""
        account = self._account(external_user_id, merchant_id)
        order = next((o for o in account.orders if o["id"] == transaction_id), None)
        if order is None:
            raise KeyError(transaction_id)
        order["order_status"] = status
        await self.send_webhook(
            self._event("UPDATED_TRANSACTIONS_AVAILABLE", account, updated=[{"id": transaction_id}])
        )

    async def disconnect(self, external_user_id: str, merchant_id: int) -> None:
        """The merchant logged the user out: Knot marks the account disconnected and asks for a new login."""
        account = self._account(external_user_id, merchant_id)
        account.status = "disconnected"
        await self.send_webhook(self._event("ACCOUNT_LOGIN_REQUIRED", account))

    def signed_webhook(self, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a webhook, signed the way Knot signs them."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Length": str(len(body)),
            "Content-Type": "application/json",
            "Encryption-Type": ENCRYPTION_TYPE,
        }
        headers[SIGNATURE_HEADER] = compute_signature(self._secret, headers, payload)
        return body, headers

    async def send_webhook(self, payload: dict[str, Any]) -> None:
        if self._webhook_client is None:
            return
        body, headers = self.signed_webhook(payload)
        response = await self._webhook_client.post(self._webhook_url, content=body, headers=headers)
        if not response.is_success:
            logger.warning("sandbox webhook %s answered %d", payload["event"], response.status_code)

    # --- the HTTP API --------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(client_id, self._client_id) and hmac.compare_digest(secret, self._secret)

    def _endpoint(
        self, handler: Callable[[Request], Awaitable[Any]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Knot's conventions around a handler: Basic auth, JSON answers, errors as Knot's error bodies."""

        async def endpoint(request: Request) -> Response:
            if not self._authorized(request):
                return _error(401, "INVALID_API_KEYS", "Invalid client_id or secret")
            try:
                result = await handler(request)
            except KnotSandboxError as exc:
                return _error(exc.status, exc.error_code, exc.message)
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    async def _create_session(self, request: Request) -> dict[str, Any]:
        await _read(request, _SessionBody)
        return {"session": str(uuid.uuid4())}

    async def _list_merchants(self, request: Request) -> list[dict[str, Any]]:
        await _read(request, _MerchantListBody)
        return [_merchant_json(m, with_category=True) for m in MERCHANTS.values()]

    async def _get_accounts(self, request: Request) -> Any:
        external_user_id = request.query_params.get("external_user_id")
        if not external_user_id:
            raise KnotSandboxError(400, "INVALID_FIELDS", "external_user_id is required")
        merchant_param = request.query_params.get("merchant_id")
        if merchant_param is None:
            return [
                _account_json(account)
                for (user, merchant_id), account in self._accounts.items()
                if user == external_user_id and self.is_linked(user, merchant_id)
            ]
        # Knot answers a single object, not a list, when asked about one merchant.
        return _account_json(self._linked_account(external_user_id, _merchant_id(merchant_param)))

    async def _unlink(self, request: Request) -> dict[str, Any]:
        body = await _read(request, _AccountBody)
        if not self.is_linked(body.external_user_id, body.merchant_id):
            raise KnotSandboxError(404, "ACCOUNT_NOT_FOUND", "No linked account for this merchant")
        self._unlinked.add((body.external_user_id, body.merchant_id))
        return {"message": "Success"}

    async def _sync(self, request: Request) -> dict[str, Any]:
        body = await _read(request, _SyncBody)
        account = self._linked_account(body.external_user_id, body.merchant_id)
        offset = _read_cursor(body.cursor)
        page = account.orders[offset : offset + body.limit]
        return {
            "merchant": {"id": account.merchant.id, "name": account.merchant.name},
            "transactions": page,
            "next_cursor": _write_cursor(offset + len(page)),
            "limit": body.limit,
        }

    async def _get_transaction(self, request: Request) -> dict[str, Any]:
        order = self._orders_by_id.get(request.path_params["transaction_id"])
        if order is None:
            raise KnotSandboxError(404, "TRANSACTION_NOT_FOUND", "No such transaction")
        return order

    async def _dev_link(self, request: Request) -> Response:
        body = await _read(request, _DevLinkBody)
        self.link(body.external_user_id, body.merchant_id, new=body.transactions.new)
        account = self._account(body.external_user_id, body.merchant_id)
        events = [self._event("AUTHENTICATED", account, session_id=str(uuid.uuid4()))]
        if body.transactions.new:
            events.append(self._event("NEW_TRANSACTIONS_AVAILABLE", account))
        # Like Knot: answer first, then deliver the webhooks.
        return JSONResponse({"message": "Success"}, background=BackgroundTask(self._send_all, events))

    async def _send_all(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            await self.send_webhook(event)

    # --- state ----------------------------------------------------------------------------------------

    def _account(self, external_user_id: str, merchant_id: int) -> _Account:
        key = (external_user_id, merchant_id)
        account = self._accounts.get(key)
        if account is None:
            merchant = MERCHANTS.get(merchant_id)
            if merchant is None:
                raise KnotSandboxError(400, "INVALID_MERCHANT", f"Merchant {merchant_id} is not available")
            account = _Account(external_user_id, merchant, anchor=self._clock().replace(microsecond=0))
            rng = _rng(external_user_id, merchant_id, "history")
            count = rng.randint(12, 18)
            for index in range(count):
                # Oldest first over the history window, denser towards today (as recent orders are, and so
                # that "this month" has orders to show even early in a month); the newest is from today.
                days_ago = round(_HISTORY_DAYS * ((count - 1 - index) / (count - 1)) ** 1.6)
                self._add_order(account, index, around=account.anchor - timedelta(days=days_ago))
            self._accounts[key] = account
        return account

    def _linked_account(self, external_user_id: str, merchant_id: int) -> _Account:
        if (external_user_id, merchant_id) in self._unlinked:
            raise KnotSandboxError(404, "ACCOUNT_NOT_FOUND", "No linked account for this merchant")
        return self._account(external_user_id, merchant_id)

    def _add_order(self, account: _Account, index: int, *, around: datetime) -> None:
        order = _order(account, index, around, shipped_only=self._clock() - around < timedelta(days=2))
        account.orders.append(order)
        self._orders_by_id[order["id"]] = order

    def _event(self, name: str, account: _Account, **extra: Any) -> dict[str, Any]:
        merchant = {"id": account.merchant.id, "name": account.merchant.name}
        if name == "ACCOUNT_LOGIN_REQUIRED":
            merchant["logo"] = _LOGO.format(slug=account.merchant.slug)
        return {
            "event": name,
            "external_user_id": account.external_user_id,
            "merchant": merchant,
            **extra,
            "timestamp": int(self._clock().timestamp() * 1000),
        }


def _merchant_json(merchant: _MerchantProfile, *, with_category: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": merchant.id, "name": merchant.name}
    if with_category:
        body["category"] = merchant.category
    body["logo"] = _LOGO.format(slug=merchant.slug)
    return body


def _account_json(account: _Account) -> dict[str, Any]:
    return {
        "merchant": _merchant_json(account.merchant),
        "connection": {
            "status": account.status,
            "scopes": [{"type": TRANSACTION_LINK}] if account.status == "connected" else [],
        },
        "lifecycle": {"status": None},
        "last_user_action": {"attempted_at": None, "status": None},
    }


async def _read(request: Request, model: type[B]) -> B:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise KnotSandboxError(400, "INVALID_FIELDS", f"{exc.error_count()} invalid field(s)") from exc


def _merchant_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise KnotSandboxError(400, "INVALID_FIELDS", "merchant_id must be an integer") from None


def _write_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _read_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise KnotSandboxError(400, "INVALID_CURSOR", "The cursor is not valid") from None
    if not isinstance(offset, int) or offset < 0:
        raise KnotSandboxError(400, "INVALID_CURSOR", "The cursor is not valid")
    return offset


def _rng(*parts: object) -> random.Random:
    # Seeded, not secret: the same account must produce the same orders every time.
    return random.Random("|".join(map(str, parts)))  # noqa: S311


def _money(cents: int) -> str:
    return str(cents_to_decimal(cents))


def _percent_of(cents: int, percent: str) -> int:
    return int((Decimal(cents) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_CARD_BRANDS = ("VISA", "MASTERCARD", "AMEX")
# Index-based so that every account shows each case: statuses that are not spend, and a split payment.
_REFUNDED_INDEX, _CANCELLED_INDEX, _GIFT_CARD_INDEX = 3, 7, 5


def _order(account: _Account, index: int, around: datetime, *, shipped_only: bool) -> dict[str, Any]:
    """Order number `index` of the account, placed a few hours before `around`."""
    merchant = account.merchant
    rng = _rng(account.external_user_id, merchant.id, index)
    occurred_at = around - timedelta(hours=rng.randint(0, 9), minutes=rng.randint(0, 59))

    lines = []
    subtotal = 0
    for item in rng.sample(merchant.items, k=rng.randint(1, min(4, len(merchant.items)))):
        # Nobody orders three Kindles: only cheap items come in multiples.
        quantity = 1 if item.price_cents >= 4000 else rng.randint(1, 2 if merchant.delivery else 3)
        total = item.price_cents * quantity
        subtotal += total
        lines.append(
            {
                "external_id": item.sku,
                "name": item.name,
                "url": f"https://www.example.com/{merchant.slug}/p/{item.sku}",
                "quantity": quantity,
                "price": {
                    "sub_total": _money(total),
                    "total": _money(total),
                    "unit_price": _money(item.price_cents),
                },
                "eligibility": [],
            }
        )

    adjustments: list[tuple[str, str, int]] = [("TAX", "Sales tax", _percent_of(subtotal, "8.875"))]
    if merchant.delivery:
        adjustments.append(("FEE", "Delivery fee", rng.choice((0, 199, 299, 399))))
        adjustments.append(("FEE", "Service fee", min(_percent_of(subtotal, "15"), 1500)))
        adjustments.append(
            (
                "TIP",
                "Dasher tip" if merchant.id == 19 else "Tip",
                _percent_of(subtotal, rng.choice(("15", "18", "20"))),
            )
        )
    if rng.random() < 0.25:
        adjustments.append(("DISCOUNT", "Promo code SAVE10", -_percent_of(subtotal, "10")))
    total = subtotal + sum(amount for _, _, amount in adjustments)

    if index == _REFUNDED_INDEX:
        status = "REFUNDED"
    elif index == _CANCELLED_INDEX:
        status = "CANCELLED"
    elif merchant.delivery:
        status = "COMPLETED"
    else:
        status = "SHIPPED" if shipped_only else "DELIVERED"

    order_id = merchant.order_id(rng)
    return {
        "id": str(uuid.uuid5(_ID_NAMESPACE, f"{account.external_user_id}:{merchant.id}:{index}")),
        "external_id": order_id,
        "datetime": occurred_at.isoformat(),
        "url": merchant.order_url.format(id=order_id),
        "order_status": status,
        "payment_methods": _payments(account, rng, index, total),
        "price": {
            "sub_total": _money(subtotal),
            "adjustments": [
                {"type": kind, "label": label, "amount": _money(amount)}
                for kind, label, amount in adjustments
                if amount
            ],
            "total": _money(total),
            "currency": "USD",
        },
        "products": lines,
    }


def _payments(account: _Account, rng: random.Random, index: int, total: int) -> list[dict[str, Any]]:
    # One card per user, stable across their merchants; some orders go through a wallet or PayPal.
    wallet = _rng(account.external_user_id, "wallet")
    brand = wallet.choice(_CARD_BRANDS)
    last_four = _digits(wallet, 4)
    card = {
        "external_id": f"pm_{_hex(wallet, 10)}",
        "type": "CARD",
        "brand": brand,
        "last_four": last_four,
        "name": f"{brand.title()} ending {last_four}",
    }
    roll = rng.random()
    if index == _GIFT_CARD_INDEX and total > 2000:
        gift = min(total - 500, rng.choice((1000, 2000, 2500)))
        return [
            {
                "external_id": None,
                "type": "GIFT_CARD",
                "brand": account.merchant.name,
                "last_four": _digits(rng, 4),
                "name": f"{account.merchant.name} gift card",
                "transaction_amount": _money(gift),
            },
            {**card, "transaction_amount": _money(total - gift)},
        ]
    if roll < 0.15:
        return [
            {
                "external_id": None,
                "type": "PAYPAL",
                "brand": None,
                "last_four": None,
                "name": "PayPal",
                "transaction_amount": _money(total),
            }
        ]
    if roll < 0.35:
        return [{**card, "type": "APPLE_PAY", "name": "Apple Pay", "transaction_amount": _money(total)}]
    return [{**card, "transaction_amount": _money(total)}]
