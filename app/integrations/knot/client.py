"""The Knot API client: one shared `httpx.AsyncClient`, Basic auth, timeouts, bounded retries, typed answers.

Every failure leaves here as one of three errors the API renders directly: `KnotTimeout` (504) when Knot
did not answer in time, `KnotUnavailable` (502) when it answered with an error or could not be reached,
and `KnotBadResponse` (502) when it answered something that is not the documented shape.
"""

import asyncio
import logging
import time
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from app.core.config import KnotEnvironment, Settings
from app.core.errors import BadGateway, GatewayTimeout
from app.integrations.knot.models import (
    TRANSACTION_LINK,
    KnotAcknowledgement,
    KnotMerchant,
    KnotMerchantAccount,
    KnotSession,
    KnotSyncPage,
    KnotTransaction,
)

logger = logging.getLogger(__name__)

BASE_URLS = {
    KnotEnvironment.DEVELOPMENT: "https://development.knotapi.com",
    KnotEnvironment.PRODUCTION: "https://production.knotapi.com",
    # Never resolved: the sandbox is plugged in as the transport, so requests stay in-process.
    KnotEnvironment.SANDBOX: "https://sandbox.knot.invalid",
}
SYNC_PAGE_SIZE = 100  # Knot's maximum
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


class KnotUnavailable(BadGateway):
    code = "knot_unavailable"
    detail = "Knot, our merchant-data provider, answered with an error; try again shortly"


class KnotBadResponse(BadGateway):
    code = "knot_bad_response"
    detail = "Knot, our merchant-data provider, answered with data we could not read"


class KnotTimeout(GatewayTimeout):
    code = "knot_timeout"
    detail = "Knot, our merchant-data provider, did not answer in time; try again shortly"


class KnotClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        max_retries: int = 2,
        retry_backoff_seconds: float = 0.2,
        merchant_cache_seconds: float = 3600,
    ) -> None:
        self._http = http
        self._max_retries = max_retries
        self._backoff = retry_backoff_seconds
        self._merchant_cache_seconds = merchant_cache_seconds
        self._merchants: tuple[float, list[KnotMerchant]] | None = None
        self._merchants_lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> "KnotClient":
        http = httpx.AsyncClient(
            base_url=BASE_URLS[settings.knot_environment],
            auth=httpx.BasicAuth(settings.knot_client_id, settings.knot_secret),
            timeout=httpx.Timeout(settings.knot_timeout_seconds),
            headers={"Accept": "application/json"},
            transport=transport,
        )
        return cls(
            http,
            max_retries=settings.knot_max_retries,
            retry_backoff_seconds=settings.knot_retry_backoff_seconds,
            merchant_cache_seconds=settings.knot_merchant_cache_seconds,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_session(self, external_user_id: str) -> str:
        body = {"type": TRANSACTION_LINK, "external_user_id": external_user_id}
        response = await self._request("POST", "/session/create", json=body)
        return _parse(_SESSION, response).session

    async def list_merchants(self) -> list[KnotMerchant]:
        """Merchants available for TransactionLink; cached, since the list changes rarely."""
        async with self._merchants_lock:
            if self._merchants and time.monotonic() - self._merchants[0] < self._merchant_cache_seconds:
                return self._merchants[1]
            response = await self._request("POST", "/merchant/list", json={"type": TRANSACTION_LINK})
            merchants = _parse(_MERCHANTS, response)
            self._merchants = (time.monotonic(), merchants)
            return merchants

    def forget_merchants(self) -> None:
        """Drop the cached merchant list (Knot announced a change with MERCHANT_STATUS_UPDATE)."""
        self._merchants = None

    async def get_account(self, external_user_id: str, merchant_id: int) -> KnotMerchantAccount | None:
        """The user's account at one merchant, or None when Knot has no such linked account."""
        params = {"external_user_id": external_user_id, "merchant_id": merchant_id, "type": TRANSACTION_LINK}
        response = await self._request("GET", "/accounts/get", params=params, absent_ok=True)
        if response.status_code == 404:
            return None
        account = _parse(_ACCOUNT, response)
        if account.merchant.id != merchant_id:
            raise KnotBadResponse(
                f"Knot answered for merchant {merchant_id} with merchant {account.merchant.id}"
            )
        return account

    async def unlink_account(self, external_user_id: str, merchant_id: int) -> None:
        """Unlink at Knot; an account Knot no longer knows counts as unlinked."""
        body = {"external_user_id": external_user_id, "merchant_id": merchant_id}
        response = await self._request("POST", "/accounts/unlink", json=body, absent_ok=True)
        if response.status_code != 404:
            _parse(_ACKNOWLEDGEMENT, response)

    async def sync_transactions(
        self, external_user_id: str, merchant_id: int, cursor: str | None
    ) -> KnotSyncPage:
        """One page of transactions after `cursor` (all of them, from the start, when it is None)."""
        body = {
            "merchant_id": merchant_id,
            "external_user_id": external_user_id,
            "cursor": cursor,
            "limit": SYNC_PAGE_SIZE,
        }
        page = _parse(_SYNC_PAGE, await self._request("POST", "/transactions/sync", json=body))
        if page.merchant.id != merchant_id:
            raise KnotBadResponse(
                f"Knot answered a sync for merchant {merchant_id} with merchant {page.merchant.id}"
            )
        return page

    async def get_transaction(self, transaction_id: str) -> KnotTransaction:
        response = await self._request("GET", f"/transactions/{quote(transaction_id, safe='')}")
        return _parse(_TRANSACTION, response)

    async def link_development_account(self, external_user_id: str, merchant_id: int) -> None:
        """Knot's development-only stand-in for an SDK login: link the account and generate transactions.

        Knot then sends AUTHENTICATED and NEW_TRANSACTIONS_AVAILABLE to the webhook URL.
        """
        body = {
            "external_user_id": external_user_id,
            "merchant_id": merchant_id,
            "transactions": {"new": True},
        }
        _parse(_ACKNOWLEDGEMENT, await self._request("POST", "/development/accounts/link", json=body))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        absent_ok: bool = False,
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, json=json, params=params)
            except httpx.TimeoutException as exc:
                if attempt >= self._max_retries:
                    logger.warning("knot %s %s timed out after %d attempts", method, path, attempt + 1)
                    raise KnotTimeout from exc
            except httpx.TransportError as exc:
                if attempt >= self._max_retries:
                    logger.warning("knot %s %s unreachable: %s", method, path, type(exc).__name__)
                    raise KnotUnavailable from exc
            else:
                if response.is_success or (absent_ok and response.status_code == 404):
                    return response
                if response.status_code not in _RETRIED_STATUSES or attempt >= self._max_retries:
                    # Knot's error body may echo request data; only the status and Knot's code are logged.
                    logger.warning(
                        "knot %s %s answered %d (%s)",
                        method,
                        path,
                        response.status_code,
                        _error_code(response),
                    )
                    raise KnotUnavailable
            await asyncio.sleep(self._backoff * 2**attempt)
            attempt += 1


_ACKNOWLEDGEMENT = TypeAdapter(KnotAcknowledgement)
_SESSION = TypeAdapter(KnotSession)
_MERCHANTS = TypeAdapter(list[KnotMerchant])
_ACCOUNT = TypeAdapter(KnotMerchantAccount)
_SYNC_PAGE = TypeAdapter(KnotSyncPage)
_TRANSACTION = TypeAdapter(KnotTransaction)


def _parse(adapter: TypeAdapter[T], response: httpx.Response) -> T:
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        logger.warning(
            "knot %s %s: unexpected response shape (%d errors, first at %s)",
            response.request.method,
            response.request.url.path,
            exc.error_count(),
            exc.errors()[0]["loc"] if exc.errors() else "?",
        )
        raise KnotBadResponse from exc


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no JSON body"
    return str(body.get("error_code", "?")) if isinstance(body, dict) else "?"
