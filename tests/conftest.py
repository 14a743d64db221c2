"""Test harness: a real PostgreSQL database per xdist worker, built by running the Alembic migrations.

Most tests run inside one outer transaction that is rolled back afterwards (each request of the test gets
its own session in a savepoint). Concurrency tests use `live_client`: real sessions and commits, with
the tables truncated afterwards.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from alembic import command
from app.core.config import Environment, Settings
from app.db import create_engine
from app.main import create_app
from app.models import Base
from scripts.databases import alembic_config, recreate_database

STRONG_PASSWORD = "violet kayak thunder 42"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _test_database_url() -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    base = explicit or os.environ.get("DATABASE_URL")
    if not base:
        raise pytest.UsageError("Set DATABASE_URL or TEST_DATABASE_URL (or run `make test`)")
    url = make_url(base)
    # Never the dev database: derive a dedicated one, and one per xdist worker.
    name = url.database if explicit else f"{url.database}_test"
    # TEST_DB_SUFFIX keeps simultaneous runs from one checkout apart; xdist workers get one database each.
    for suffix in (os.environ.get("TEST_DB_SUFFIX"), os.environ.get("PYTEST_XDIST_WORKER")):
        if suffix:
            name = f"{name}_{suffix}"
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> str:
    url = _test_database_url()
    asyncio.run(recreate_database(url))
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(environment=Environment.TEST, secret_key=TEST_SECRET, database_url=database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
async def db(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session inside the test's rolled-back transaction, for arranging and inspecting data."""
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


@pytest.fixture
async def app(settings: Settings, connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        # Each request gets its own session, in a savepoint of the test's transaction.
        application.state.sessionmaker = async_sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table: the clean-up of tests that commit for real."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
async def live_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The app with real, committing sessions from its own pool (for concurrency tests)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    await truncate_all(engine)


@pytest.fixture
async def live_client(live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://test") as c:
        yield c


@dataclass
class Account:
    """A registered user and their tokens, as a test sees them."""

    id: str
    email: str
    full_name: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(
    client: httpx.AsyncClient, email: str | None = None, full_name: str = "Test Person", **extra: Any
) -> Account:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": STRONG_PASSWORD, "full_name": full_name, **extra},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        body["user"]["id"], body["user"]["email"], full_name, body["access_token"], body["refresh_token"]
    )


@dataclass
class QueryLog:
    """SQL statements the app sent, to prove a request's query count does not grow with the data."""

    statements: list[str]

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def query_log(connection: AsyncConnection) -> Iterator[QueryLog]:
    """Records every statement on the test's connection (which all `client` requests share)."""
    log = QueryLog([])

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        log.statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    yield log
    event.remove(connection.sync_connection, "before_cursor_execute", record)
