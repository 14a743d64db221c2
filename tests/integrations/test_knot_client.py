"""The Knot client at the transport level: the requests it sends, and how it takes Knot's answers."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.core.config import KnotEnvironment, Settings
from app.core.errors import BadGateway, GatewayTimeout
from app.integrations.knot.client import KnotBadResponse, KnotClient, KnotTimeout, KnotUnavailable
from app.integrations.knot.signature import compute_signature, is_valid_signature

CLIENT_ID, SECRET = "client-id-123", "secret-456"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()

TRANSACTION: dict[str, Any] = {
    "id": "13da3c28-a068-4642-9ce2-b730cfda5f5f",
    "external_id": "a9x7bq2lmw5p",
    "datetime": "2024-11-10T00:00:00+00:00",
    "url": "https://www.example.com/orders/123123123",
    "order_status": "COMPLETED",
    "payment_methods": [
        {
            "external_id": "x7",
            "type": "CARD",
            "brand": "VISA",
            "last_four": "5690",
            "name": "Ada",
            "transaction_amount": "23.20",
        },
        {
            "external_id": None,
            "type": "GIFT_CARD",
            "brand": "VISA",
            "last_four": "1802",
            "name": "",
            "transaction_amount": "20.00",
        },
    ],
    "price": {
        "sub_total": "43.69",
        "adjustments": [
            {"type": "TAX", "label": "NYC local sales tax", "amount": "3.88"},
            {"type": "DISCOUNT", "label": "Summer promo", "amount": "-4.37"},
        ],
        "total": "43.20",
        "currency": "USD",
    },
    "products": [
        {
            "external_id": "10315643",
            "name": "Band-Aid Adhesive Bandages Variety Pack",
            "quantity": 1,
            "price": {"sub_total": "12.56", "total": "12.56", "unit_price": "12.56"},
            "eligibility": ["FSA/HSA"],
        }
    ],
    "shipping": {"location": {"address": {"city": "Los Angeles"}}},
}


class Recorder:
    """A Knot stand-in at the transport level: records every request, answers from a script."""

    def __init__(
        self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def client_for(
    recorder: Recorder, environment: KnotEnvironment = KnotEnvironment.DEVELOPMENT, **overrides: Any
) -> KnotClient:
    settings = Settings(
        knot_environment=environment,
        knot_client_id=CLIENT_ID,
        knot_secret=SECRET,
        knot_retry_backoff_seconds=0,
        **overrides,
    )
    return KnotClient.from_settings(settings, transport=httpx.MockTransport(recorder))


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


@pytest.mark.parametrize(
    ("environment", "host"),
    [
        (KnotEnvironment.DEVELOPMENT, "development.knotapi.com"),
        (KnotEnvironment.PRODUCTION, "production.knotapi.com"),
    ],
)
async def test_create_session_request(environment: KnotEnvironment, host: str) -> None:
    knot = Recorder(ok({"session": "915efe72-5136-4652-z91q-d9d48003c102"}))

    session = await client_for(knot, environment).create_session("user-1")

    assert session == "915efe72-5136-4652-z91q-d9d48003c102"
    request = knot.requests[0]
    assert (request.method, request.url.scheme, request.url.host, request.url.path) == (
        "POST",
        "https",
        host,
        "/session/create",
    )
    assert request.headers["Authorization"] == BASIC
    assert request.headers["Content-Type"] == "application/json"
    assert knot.json() == {"type": "transaction_link", "external_user_id": "user-1"}


async def test_merchant_list_request_and_cache() -> None:
    knot = Recorder(
        ok([{"id": 45, "name": "Walmart", "category": "Online shopping", "logo": "https://x/w.png"}])
    )
    client = client_for(knot)

    first = await client.list_merchants()
    second = await client.list_merchants()

    assert [m.name for m in first] == [m.name for m in second] == ["Walmart"]
    assert len(knot.requests) == 1
    assert (knot.requests[0].method, knot.requests[0].url.path) == ("POST", "/merchant/list")
    assert knot.json() == {"type": "transaction_link"}
    client.forget_merchants()
    await client.list_merchants()
    assert len(knot.requests) == 2


async def test_merchant_cache_expires() -> None:
    knot = Recorder(ok([]))
    client = client_for(knot, knot_merchant_cache_seconds=0)
    await client.list_merchants()
    await client.list_merchants()
    assert len(knot.requests) == 2


async def test_get_account_request_and_absent_account() -> None:
    account = {
        "merchant": {"id": 19, "name": "DoorDash", "logo": "https://x/d.png"},
        "connection": {"status": "connected", "scopes": [{"type": "transaction_link"}]},
        "lifecycle": {"status": None},
    }
    knot = Recorder(ok(account), httpx.Response(404, json={"error_code": "NOT_FOUND"}))
    client = client_for(knot)

    found = await client.get_account("user-1", 19)
    missing = await client.get_account("user-1", 19)

    assert found is not None
    assert found.connection.status == "connected"
    assert missing is None
    request = knot.requests[0]
    assert (request.method, request.url.path) == ("GET", "/accounts/get")
    assert dict(request.url.params) == {
        "external_user_id": "user-1",
        "merchant_id": "19",
        "type": "transaction_link",
    }
    assert request.headers["Authorization"] == BASIC


async def test_unlink_request_and_already_unlinked() -> None:
    knot = Recorder(ok({"message": "Success"}), httpx.Response(404, json={"error_code": "NOT_FOUND"}))
    client = client_for(knot)
    await client.unlink_account("user-1", 12)
    await client.unlink_account("user-1", 12)
    assert [(r.method, r.url.path) for r in knot.requests] == [("POST", "/accounts/unlink")] * 2
    assert knot.json(0) == {"external_user_id": "user-1", "merchant_id": 12}


async def test_sync_request_and_page() -> None:
    page = {
        "merchant": {"id": 45, "name": "Walmart"},
        "transactions": [TRANSACTION],
        "next_cursor": "c2",
        "limit": 100,
    }
    knot = Recorder(ok(page))

    result = await client_for(knot).sync_transactions("user-1", 45, "c1")

    assert (knot.requests[0].method, knot.requests[0].url.path) == ("POST", "/transactions/sync")
    assert knot.json() == {"merchant_id": 45, "external_user_id": "user-1", "cursor": "c1", "limit": 100}
    assert result.next_cursor == "c2"
    transaction = result.transactions[0]
    assert str(transaction.price.total) == "43.20"
    assert [str(a.amount) for a in transaction.price.adjustments] == ["3.88", "-4.37"]
    assert [pm.type for pm in transaction.payment_methods] == ["CARD", "GIFT_CARD"]
    assert transaction.occurred_at.isoformat() == "2024-11-10T00:00:00+00:00"


async def test_first_sync_sends_a_null_cursor() -> None:
    knot = Recorder(ok({"merchant": {"id": 45, "name": "Walmart"}, "transactions": [], "next_cursor": None}))
    await client_for(knot).sync_transactions("user-1", 45, None)
    assert knot.json()["cursor"] is None


async def test_get_transaction_request() -> None:
    knot = Recorder(ok(TRANSACTION))
    transaction = await client_for(knot).get_transaction("13da3c28-a068-4642-9ce2-b730cfda5f5f")
    assert transaction.external_id == "a9x7bq2lmw5p"
    assert (knot.requests[0].method, knot.requests[0].url.path) == (
        "GET",
        "/transactions/13da3c28-a068-4642-9ce2-b730cfda5f5f",
    )


async def test_transaction_ids_cannot_escape_the_path() -> None:
    knot = Recorder(ok(TRANSACTION))
    await client_for(knot).get_transaction("../accounts/get")
    assert knot.requests[0].url.raw_path == b"/transactions/..%2Faccounts%2Fget"


async def test_development_link_request() -> None:
    knot = Recorder(ok({"message": "Success"}))
    await client_for(knot).link_development_account("user-1", 19)
    assert (knot.requests[0].method, knot.requests[0].url.path) == ("POST", "/development/accounts/link")
    assert knot.json() == {"external_user_id": "user-1", "merchant_id": 19, "transactions": {"new": True}}


async def test_unknown_order_statuses_and_missing_optionals_are_tolerated() -> None:
    sparse = {
        "id": "t-1",
        "datetime": "2024-11-10T08:00:00",
        "order_status": "LOST_IN_TRANSIT",
        "price": {"total": "5.00", "adjustments": None},
        "payment_methods": None,
        "products": None,
    }
    transaction = await client_for(Recorder(ok(sparse))).get_transaction("t-1")
    assert transaction.order_status == "UNRECOGNIZED"
    assert transaction.payment_methods == [] == transaction.products
    assert transaction.occurred_at.isoformat() == "2024-11-10T08:00:00+00:00"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_retries_then_succeeds(status: int) -> None:
    knot = Recorder(httpx.Response(status), httpx.Response(status), ok({"session": "s"}))
    assert await client_for(knot).create_session("user-1") == "s"
    assert len(knot.requests) == 3


async def test_retries_are_bounded_and_map_to_bad_gateway() -> None:
    knot = Recorder(httpx.Response(503, json={"error_code": "DOWN"}))
    with pytest.raises(KnotUnavailable) as raised:
        await client_for(knot, knot_max_retries=2).create_session("user-1")
    assert len(knot.requests) == 3
    assert isinstance(raised.value, BadGateway)
    assert raised.value.status_code == 502


async def test_timeouts_are_retried_then_map_to_gateway_timeout() -> None:
    knot = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(KnotTimeout) as raised:
        await client_for(knot, knot_max_retries=1).list_merchants()
    assert len(knot.requests) == 2
    assert isinstance(raised.value, GatewayTimeout)
    assert raised.value.status_code == 504


async def test_a_timeout_then_an_answer_succeeds() -> None:
    knot = Recorder(httpx.ConnectTimeout("slow"), ok({"session": "s"}))
    assert await client_for(knot).create_session("user-1") == "s"


async def test_unreachable_knot_is_a_bad_gateway() -> None:
    knot = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(KnotUnavailable):
        await client_for(knot, knot_max_retries=1).create_session("user-1")
    assert len(knot.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(status: int) -> None:
    knot = Recorder(httpx.Response(status, json={"error_code": "INVALID_API_KEYS"}))
    with pytest.raises(KnotUnavailable):
        await client_for(knot).create_session("user-1")
    assert len(knot.requests) == 1


def _page(**transaction_changes: Any) -> dict[str, Any]:
    return {
        "merchant": {"id": 45, "name": "Walmart"},
        "transactions": [{**TRANSACTION, **transaction_changes}],
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html>502 Bad Gateway</html>", id="not-json"),
        pytest.param(b'{"merchant": {"id": 45, "name": "Walmart"}}', id="no-transactions"),
        pytest.param(
            json.dumps(_page(price={**TRANSACTION["price"], "total": "abc"})).encode(),
            id="amount-not-decimal",
        ),
        pytest.param(
            json.dumps(_page(price={**TRANSACTION["price"], "total": "NaN"})).encode(), id="amount-nan"
        ),
        pytest.param(
            json.dumps(_page(price={**TRANSACTION["price"], "total": "1e400"})).encode(), id="amount-huge"
        ),
        pytest.param(json.dumps(_page(datetime="last tuesday")).encode(), id="bad-datetime"),
        pytest.param(json.dumps(_page(id="")).encode(), id="empty-id"),
        pytest.param(
            json.dumps({**_page(), "merchant": {"id": 19, "name": "DoorDash"}}).encode(), id="other-merchant"
        ),
    ],
)
async def test_malformed_answers_are_bad_responses(body: bytes) -> None:
    knot = Recorder(httpx.Response(200, content=body))
    with pytest.raises(KnotBadResponse) as raised:
        await client_for(knot).sync_transactions("user-1", 45, None)
    assert raised.value.status_code == 502
    assert len(knot.requests) == 1


def test_signature_matches_knots_documented_string() -> None:
    """Knot's docs: the signed string is `Content-Length|178|Content-Type|application/json|Encryption-Type|
    HMAC-SHA256|event|CARD_UPDATED|session_id|fb5aa994-...`, HMAC-SHA256 with the secret, base64."""
    documented = (
        "Content-Length|178|Content-Type|application/json|Encryption-Type|HMAC-SHA256|"
        "event|CARD_UPDATED|session_id|fb5aa994-ed1c-4c3e-b29a-b2a53222e584"
    )
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), documented.encode(), hashlib.sha256).digest()
    ).decode()
    headers = httpx.Headers(
        {"content-length": "178", "content-type": "application/json", "encryption-type": "HMAC-SHA256"}
    )
    payload = {"event": "CARD_UPDATED", "session_id": "fb5aa994-ed1c-4c3e-b29a-b2a53222e584", "task_id": 1}

    assert compute_signature(SECRET, headers, payload) == expected
    assert is_valid_signature(SECRET, expected, headers, payload)
    assert not is_valid_signature("other-secret", expected, headers, payload)
    assert not is_valid_signature(SECRET, expected, headers, {**payload, "event": "AUTHENTICATED"})
    assert not is_valid_signature(SECRET, None, headers, payload)


def test_signature_without_session_id_leaves_it_out() -> None:
    documented = "Content-Length|90|Content-Type|application/json|Encryption-Type|HMAC-SHA256|" + (
        "event|MERCHANT_STATUS_UPDATE"
    )
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), documented.encode(), hashlib.sha256).digest()
    ).decode()
    headers = httpx.Headers(
        {"content-length": "90", "content-type": "application/json", "encryption-type": "HMAC-SHA256"}
    )
    assert (
        compute_signature(SECRET, headers, {"event": "MERCHANT_STATUS_UPDATE", "merchant": {"id": 1}})
        == expected
    )
