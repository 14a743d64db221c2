from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.main import create_app
from tests.api.test_auth import assert_problem
from tests.conftest import register, truncate_all
from tests.support.tcp_proxy import PostgresProxy


@pytest.fixture
async def proxy(settings: Settings, engine: AsyncEngine) -> AsyncIterator[PostgresProxy]:
    proxy = PostgresProxy(make_url(settings.database_url))
    await proxy.start()
    yield proxy
    await proxy.stop()
    await truncate_all(engine)


async def test_database_outage_answers_503_and_recovers_without_restart(
    settings: Settings, proxy: PostgresProxy
) -> None:
    upstream = make_url(settings.database_url)
    via_proxy = upstream.set(host="127.0.0.1", port=proxy.port, query={})
    app = create_app(
        settings.model_copy(update={"database_url": via_proxy.render_as_string(hide_password=False)})
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        account = await register(client)
        assert (await client.get("/readyz")).status_code == 200

        await proxy.stop()
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "unavailable"}
        assert int(ready.headers["Retry-After"]) > 0
        me = await client.get("/api/v1/users/me", headers=account.headers)
        assert_problem(me, 503, "database_unavailable")
        assert int(me.headers["Retry-After"]) > 0
        login = await client.post(
            "/api/v1/auth/login", data={"username": account.email, "password": "x" * 10}
        )
        assert_problem(login, 503, "database_unavailable")

        await proxy.start()  # same port: the app's engine reconnects by itself
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
