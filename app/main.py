"""The application factory: settings, lifespan-managed resources, middleware, routers, error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.routers import auth, chats, health, linked_accounts, messages, spending, users, webhooks
from app.assistant.basic import BasicAssistant
from app.core.body_limit import BodyLimitMiddleware
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.security import PasswordHasher
from app.db import create_engine, create_sessionmaker
from app.integrations.knot.connection import open_knot
from app.schemas.common import problem_responses
from app.services.login_throttle import LoginThrottle, ThrottleLimits

MAX_BODY_BYTES = 1024 * 1024

DESCRIPTION = """
Tally is the backend of a money-chat app: an AI assistant in solo and group chats that picks the card to
pay with, splits bills and keeps group balances, and tracks spending from merchant accounts linked
through Knot.

**Try it:** press *Authorize* and sign in as `alice@demo.com` / `password123` (demo data of `make dev`).

Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            async with open_knot(settings, webhook_target=app) as knot:
                app.state.knot, app.state.knot_sandbox = knot.client, knot.sandbox
                yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Tally API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.settings = settings
    app.state.password_hasher = PasswordHasher(settings)
    app.state.login_throttle = LoginThrottle(ThrottleLimits.from_settings(settings))
    app.state.assistant = BasicAssistant()

    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    # Any API route can meet a database outage or an oversized body; /docs says so once for all of them.
    api = APIRouter(prefix="/api/v1", responses=problem_responses(413, 503))
    api.include_router(auth.router)
    api.include_router(users.router)
    api.include_router(chats.router)
    api.include_router(messages.router)
    api.include_router(linked_accounts.router)
    if settings.knot_simulated_login_enabled:
        api.include_router(linked_accounts.sandbox_router)
    api.include_router(spending.router)
    api.include_router(webhooks.router)
    app.include_router(health.router)
    app.include_router(api)
    return app
