from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import ClientAddress, Hasher, SettingsDep, Throttle
from app.db import DbSession
from app.schemas.auth import AuthResult, RefreshRequest, RegisterRequest, TokenPair
from app.schemas.common import problem_responses
from app.schemas.user import UserRead
from app.services import auth as auth_service

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(tokens: auth_service.Tokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and sign in",
    responses=problem_responses(409, 422),
)
async def register(
    body: RegisterRequest, request: Request, db: DbSession, settings: SettingsDep, hasher: Hasher
) -> AuthResult:
    user, tokens = await auth_service.register(
        db,
        settings,
        hasher,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        user_agent=request.headers.get("user-agent"),
    )
    return AuthResult(**_pair(tokens).model_dump(), user=UserRead.model_validate(user))


@router.post(
    "/login",
    summary="Sign in (OAuth2 password flow: form fields `username` = email, `password`)",
    responses=problem_responses(401, 422, 429),
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    client: ClientAddress,
    db: DbSession,
    settings: SettingsDep,
    hasher: Hasher,
    throttle: Throttle,
) -> TokenPair:
    tokens = await auth_service.login(
        db,
        settings,
        hasher,
        throttle,
        email=form.username,
        password=form.password,
        client=client,
        user_agent=request.headers.get("user-agent"),
    )
    return _pair(tokens)


@router.post(
    "/refresh",
    summary="Exchange a refresh token for a new pair (the old one stops working)",
    responses=problem_responses(401, 422),
)
async def refresh(body: RefreshRequest, request: Request, db: DbSession, settings: SettingsDep) -> TokenPair:
    tokens = await auth_service.refresh(db, settings, body.refresh_token, request.headers.get("user-agent"))
    return _pair(tokens)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session of this refresh token (its access tokens stop working too)",
    responses=problem_responses(422),
)
async def logout(body: RefreshRequest, db: DbSession) -> None:
    await auth_service.logout(db, body.refresh_token)
