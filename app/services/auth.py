"""Registration, login, refresh-token rotation, logout and access-token authentication."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import Conflict, TooManyRequests, Unauthorized, Unprocessable
from app.core.security import (
    InvalidToken,
    PasswordHasher,
    WeakPassword,
    check_password_strength,
    create_access_token,
    decode_access_token,
    hash_refresh_token,
    new_refresh_token,
)
from app.models import AuthSession, RefreshToken, User
from app.services.login_throttle import LoginThrottle


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    detail = "Incorrect email or password"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    detail = "The refresh token is invalid, expired or revoked; sign in again"


class RefreshTokenReused(InvalidRefreshToken):
    # The session is revoked by this very request; that must persist even though it answers 401.
    commit_changes = True


class EmailTaken(Conflict):
    code = "email_taken"
    detail = "An account with this email already exists"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def ensure_strong_password(password: str, email: str, full_name: str | None) -> None:
    try:
        await check_password_strength(password, email, full_name)
    except WeakPassword as exc:
        raise Unprocessable(str(exc), code="weak_password") from exc


async def _issue_tokens(
    db: AsyncSession,
    settings: Settings,
    user: User,
    user_agent: str | None,
    auth_session: AuthSession | None = None,
) -> Tokens:
    now = datetime.now(UTC)
    if auth_session is None:
        auth_session = AuthSession(
            user_id=user.id,
            expires_at=now + timedelta(days=settings.refresh_token_ttl_days),
            user_agent=(user_agent or "")[:300] or None,
        )
        db.add(auth_session)
        await db.flush()
    refresh_token = new_refresh_token()
    db.add(RefreshToken(session_id=auth_session.id, token_hash=hash_refresh_token(refresh_token)))
    await db.flush()
    return Tokens(
        access_token=create_access_token(settings, user.id, auth_session.id),
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
    )


async def register(
    db: AsyncSession,
    settings: Settings,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    full_name: str,
    user_agent: str | None,
) -> tuple[User, Tokens]:
    email = normalize_email(email)
    await ensure_strong_password(password, email, full_name)
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken
    user = User(email=email, full_name=full_name, password_hash=await hasher.hash(password), preferences={})
    db.add(user)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as exc:  # a concurrent registration won the race for this email
        raise EmailTaken from exc
    await db.refresh(user)
    return user, await _issue_tokens(db, settings, user, user_agent)


async def login(
    db: AsyncSession,
    settings: Settings,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    client: str,
    user_agent: str | None,
) -> Tokens:
    email = normalize_email(email)
    _check_throttle(throttle, email, client)
    # PostgreSQL text cannot hold NUL, so no account has such an email (and the query would fail).
    user = None if "\x00" in email else await db.scalar(select(User).where(User.email == email))
    # Unknown emails still pay for one hash verification, so timing does not reveal which emails exist.
    ok, upgraded_hash = await hasher.verify(password, user.password_hash if user else None)
    if user is None or not ok:
        throttle.record_failure(email, client)
        raise InvalidCredentials
    throttle.record_success(email)
    if upgraded_hash:
        user.password_hash = upgraded_hash
    return await _issue_tokens(db, settings, user, user_agent)


def _check_throttle(throttle: LoginThrottle, email: str, client: str) -> None:
    wait = throttle.retry_after(email, client)
    if wait is not None:
        raise TooManyRequests(wait, "Too many failed password attempts; try again later")


async def refresh(db: AsyncSession, settings: Settings, token: str, user_agent: str | None) -> Tokens:
    now = datetime.now(UTC)
    # Row lock: two refreshes racing with one token are serialised, so only the first can rotate it.
    row = (
        await db.execute(
            select(RefreshToken, AuthSession, User)
            .join(AuthSession, RefreshToken.session_id == AuthSession.id)
            .join(User, AuthSession.user_id == User.id)
            .where(RefreshToken.token_hash == hash_refresh_token(token))
            .with_for_update(of=RefreshToken)
        )
    ).one_or_none()
    if row is None:
        raise InvalidRefreshToken
    stored, auth_session, user = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        raise InvalidRefreshToken
    if stored.used_at is not None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = "refresh_token_reuse"
        raise RefreshTokenReused
    stored.used_at = now
    return await _issue_tokens(db, settings, user, user_agent, auth_session)


async def logout(db: AsyncSession, token: str) -> None:
    """Revoke the session the refresh token belongs to; unknown tokens are ignored (logout is idempotent)."""
    session_id = select(RefreshToken.session_id).where(RefreshToken.token_hash == hash_refresh_token(token))
    await db.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id.scalar_subquery(), AuthSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC), revoked_reason="logout")
    )


async def authenticate(db: AsyncSession, settings: Settings, token: str) -> tuple[User, AuthSession]:
    """The user and session behind an access token; revoked sessions sign their access tokens out too."""
    try:
        claims = decode_access_token(settings, token)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired", code="invalid_token") from exc
    row = (
        await db.execute(
            select(User, AuthSession)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                AuthSession.id == claims.session_id,
                User.id == claims.user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > datetime.now(UTC),
            )
        )
    ).one_or_none()
    if row is None:
        raise Unauthorized("The session has ended; sign in again", code="invalid_token")
    user, auth_session = row
    return user, auth_session


async def change_password(
    db: AsyncSession,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    user: User,
    current_session_id: uuid.UUID,
    *,
    current_password: str,
    new_password: str,
    client: str,
) -> None:
    # Throttled like logins: a stolen access token must not become an oracle for the current password.
    _check_throttle(throttle, user.email, client)
    ok, _ = await hasher.verify(current_password, user.password_hash)
    if not ok:
        throttle.record_failure(user.email, client)
        raise InvalidCredentials("The current password is incorrect")
    await ensure_strong_password(new_password, user.email, user.full_name)
    user.password_hash = await hasher.hash(new_password)
    await db.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            AuthSession.id != current_session_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC), revoked_reason="password_change")
    )
