"""Passwords (hashing, policy) and tokens (JWT access tokens, opaque refresh tokens).

Every JWT in the app goes through `encode_token`/`decode_token`: HS256 only, all registered claims
required, and headers that could make a verifier fetch or trust outside keys are refused outright.
"""

import hashlib
import os
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from jose import JWTError, jwt
from passlib.context import CryptContext
from zxcvbn import zxcvbn

from app.core.config import Settings

JWT_ALGORITHM = "HS256"
FORBIDDEN_JWT_HEADERS = frozenset({"crit", "jku", "x5u", "jwk"})
REQUIRED_CLAIMS = ("exp", "iat", "sub", "aud", "iss", "typ", "jti")
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a token type, not a secret

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# zxcvbn score (0-4) a password needs: 3 = "safely unguessable", resists offline slow-hash guessing.
PASSWORD_MIN_SCORE = 3


class InvalidToken(Exception):
    """The token is malformed, forged, expired or of the wrong kind; the reason is deliberately vague."""


class WeakPassword(Exception):
    pass


def build_password_context(settings: Settings) -> CryptContext:
    # argon2id for new hashes; bcrypt still verifies (older rows) and is flagged for re-hashing on login.
    return CryptContext(
        schemes=["argon2", "bcrypt"],
        deprecated=["bcrypt"],
        argon2__type="ID",
        argon2__memory_cost=settings.argon2_memory_kib,
        argon2__time_cost=settings.argon2_time_cost,
        argon2__parallelism=settings.argon2_parallelism,
    )


class PasswordHasher:
    """Runs the deliberately slow hash functions in worker threads so the event loop stays free.

    At most (cores - 1) hashes run at once: a burst of logins queues here instead of taking every core
    from the event loop, so other requests keep their latency (measured in `make bench`).
    """

    def __init__(self, settings: Settings) -> None:
        self._context = build_password_context(settings)
        self._dummy_hash: str | None = None
        self._limiter = anyio.CapacityLimiter(max(1, (os.cpu_count() or 2) - 1))

    async def _dummy(self) -> str:
        # Verified against when the email is unknown, so both paths cost one hash with the same parameters.
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def hash(self, password: str) -> str:
        result: str = await anyio.to_thread.run_sync(self._context.hash, password, limiter=self._limiter)
        return result

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(matches, replacement hash when the stored one uses outdated parameters or scheme)."""
        target = password_hash or await self._dummy()
        try:
            ok, new_hash = await anyio.to_thread.run_sync(
                self._context.verify_and_update, password, target, limiter=self._limiter
            )
        except ValueError:
            # A password no hash could have been made from (over passlib's size limit, NUL bytes for
            # bcrypt, text that is not valid Unicode) simply does not match.
            return False, None
        if password_hash is None:
            return False, None
        return bool(ok), new_hash


def _personal_words(email: str, full_name: str | None) -> list[str]:
    words = re.split(r"[^a-z0-9]+", f"{email} {full_name or ''}".lower())
    return [email.lower(), *(w for w in words if len(w) >= 3)]


def _password_problem(password: str, email: str, full_name: str | None) -> str | None:
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters."
    if password.strip().lower() == email.strip().lower():
        return "Your password cannot be your email address."
    result = zxcvbn(password, user_inputs=_personal_words(email, full_name), max_length=PASSWORD_MAX_LENGTH)
    if result["score"] >= PASSWORD_MIN_SCORE:
        return None
    feedback = result["feedback"]
    hints = [feedback.get("warning") or "This password is easy to guess.", *feedback.get("suggestions", [])]
    return " ".join(h.rstrip(".") + "." for h in hints if h)


async def check_password_strength(password: str, email: str, full_name: str | None = None) -> None:
    """Raise WeakPassword with advice a person can act on. The estimator is CPU-bound: off the loop."""
    problem = await anyio.to_thread.run_sync(_password_problem, password, email, full_name)
    if problem:
        raise WeakPassword(problem)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def encode_token(settings: Settings, *, subject: str, token_type: str, ttl: timedelta, **extra: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        **extra,
        "sub": subject,
        "typ": token_type,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token: str = jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM)
    return token


def decode_token(settings: Settings, token: str, *, token_type: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken from exc
    if header.get("alg") != JWT_ALGORITHM or FORBIDDEN_JWT_HEADERS & header.keys():
        raise InvalidToken
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[JWT_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={f"require_{claim}": True for claim in REQUIRED_CLAIMS if claim != "typ"},
        )
    except JWTError as exc:
        raise InvalidToken from exc
    if claims.get("typ") != token_type:
        raise InvalidToken
    return claims


def create_access_token(settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return encode_token(
        settings,
        subject=str(user_id),
        token_type=ACCESS_TOKEN_TYPE,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        sid=str(session_id),
    )


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    claims = decode_token(settings, token, token_type=ACCESS_TOKEN_TYPE)
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> bytes:
    # Refresh tokens are 256-bit random values, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(token.encode()).digest()
