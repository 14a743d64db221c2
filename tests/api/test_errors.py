from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.test_auth import assert_problem


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"]
    assert body["errors"][0]["type"] == "json_invalid"


async def test_two_mebibyte_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_oversized_chunked_body_without_length_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"y" * 64 * 1024

    response = await client.post(
        "/api/v1/auth/refresh", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_unexpected_error_is_a_bare_500(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def explode() -> None:
        raise RuntimeError("secret detail: password=hunter2 SELECT * FROM users")

    app.add_api_route("/boom", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as raw:
        response = await raw.get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert set(body) == {"type", "title", "status", "detail", "code"}


@pytest.mark.parametrize("path", ["/api/v1/users/me", "/api/v1/cards"])
async def test_cors_allows_configured_origins_only(path: str, settings: object) -> None:
    from app.core.config import Settings
    from app.main import create_app

    assert isinstance(settings, Settings)
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.tally.test"]}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        allowed = await c.options(
            path, headers={"Origin": "https://app.tally.test", "Access-Control-Request-Method": "GET"}
        )
        denied = await c.options(
            path, headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.tally.test"
    assert "access-control-allow-origin" not in denied.headers
