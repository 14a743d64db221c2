"""Dependencies routers declare: the DB session, settings, the signed-in user, shared services."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from app.assistant.base import Assistant
from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.pagination import CursorCodec, PageRequest
from app.core.security import PasswordHasher
from app.db import DbSession
from app.integrations.knot.client import KnotClient
from app.models import AuthSession, User
from app.services import auth as auth_service
from app.services.login_throttle import LoginThrottle

# auto_error=False: a missing token must answer with our problem document, not FastAPI's default body.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def get_assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def get_knot(request: Request) -> KnotClient:
    knot: KnotClient = request.app.state.knot
    return knot


def get_client_address(request: Request) -> str:
    """The caller's address, as uvicorn resolved it (behind a proxy: with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
Hasher = Annotated[PasswordHasher, Depends(get_password_hasher)]
Throttle = Annotated[LoginThrottle, Depends(get_login_throttle)]
ClientAddress = Annotated[str, Depends(get_client_address)]
Knot = Annotated[KnotClient, Depends(get_knot)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def get_page_request(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor, codec=CursorCodec(settings.secret_key))


PageParams = Annotated[PageRequest, Depends(get_page_request)]


@dataclass(frozen=True)
class Principal:
    user: User
    session: AuthSession


async def get_principal(
    db: DbSession, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise Unauthorized
    user, auth_session = await auth_service.authenticate(db, settings, token)
    return Principal(user, auth_session)


async def get_current_user(principal: Annotated[Principal, Depends(get_principal)]) -> User:
    return principal.user


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[User, Depends(get_current_user)]
