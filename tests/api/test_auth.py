import asyncio
import base64
import json
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from passlib.context import CryptContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.security import JWT_ALGORITHM, encode_token
from app.models import AuthSession, User
from tests.conftest import STRONG_PASSWORD, Account, register

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/users/me"


async def login(client: httpx.AsyncClient, email: str, password: str = STRONG_PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, data={"username": email, "password": password})


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    return body


async def test_register_returns_user_and_working_tokens(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "  Dana@Example.COM ", "password": STRONG_PASSWORD, "full_name": "  Dana Scully "},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["user"]["email"] == "dana@example.com"
    assert body["user"]["full_name"] == "Dana Scully"
    assert body["user"]["onboarding_status"] == "incomplete"
    assert body["user"]["preferences"] == {"cards": [], "currency": "USD"}
    assert not {"password", "password_hash"} & body["user"].keys()
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == body["user"]["id"]


async def test_register_same_email_any_case_conflicts(client: httpx.AsyncClient) -> None:
    await register(client, "erin@example.com")
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "ERIN@example.com", "password": STRONG_PASSWORD, "full_name": "Erin"},
    )
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize(
    ("password", "hint"),
    [
        ("password123", "common"),
        ("short", "at least 8"),
        ("x" * 129, "at most 128"),
        ("qwertyuiop", "common"),
        ("zxcvbnmasdf", "common"),
        ("frank@example.com", "email"),
        ("frankfurter1", ""),
    ],
)
async def test_weak_passwords_are_refused_with_advice(
    client: httpx.AsyncClient, password: str, hint: str
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "frank@example.com", "password": password, "full_name": "Frank Furter"},
    )
    body = assert_problem(response, 422, "weak_password")
    assert hint.lower() in str(body["detail"]).lower()


async def test_long_passwords_are_not_truncated(client: httpx.AsyncClient) -> None:
    password = "river lamp " * 11 + "tail"  # 125 characters; differs only after the 72nd (bcrypt's cut)
    response = await client.post(
        "/api/v1/auth/register", json={"email": "gil@example.com", "password": password, "full_name": "Gil"}
    )
    assert response.status_code == 201, response.text
    assert (await login(client, "gil@example.com", password)).status_code == 200
    assert (await login(client, "gil@example.com", password[:-1] + "x")).status_code == 401


async def test_register_rejects_unknown_fields_and_bad_email(client: httpx.AsyncClient) -> None:
    body = {"email": "hal@example.com", "password": STRONG_PASSWORD, "full_name": "Hal", "is_admin": True}
    assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "validation_error")
    body = {"email": "not-an-email", "password": STRONG_PASSWORD, "full_name": "Hal"}
    assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "validation_error")


async def test_login_is_case_insensitive_and_returns_a_pair(client: httpx.AsyncClient) -> None:
    await register(client, "ivy@example.com")
    response = await login(client, "IVY@Example.com")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}


async def test_login_failures_do_not_reveal_which_emails_exist(client: httpx.AsyncClient) -> None:
    await register(client, "jay@example.com")
    wrong_password = await login(client, "jay@example.com", "not the password at all")
    unknown_email = await login(client, "nobody-here@example.com", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["code"] == "invalid_credentials"


class CountingContext:
    """Wraps passlib's CryptContext to record which hashes logins verify against."""

    def __init__(self, inner: CryptContext) -> None:
        self.inner = inner
        self.verified: list[str] = []

    def verify_and_update(self, secret: str, hash: str) -> tuple[bool, str | None]:
        self.verified.append(hash)
        result: tuple[bool, str | None] = self.inner.verify_and_update(secret, hash)
        return result

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def test_logins_no_account_could_match_are_ordinary_failures(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    """Inputs the database or the hash functions refuse are wrong credentials, not 500s."""
    import bcrypt

    legacy = bcrypt.hashpw(STRONG_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    db.add(User(email="nul@example.com", full_name="Nul", password_hash=legacy, preferences={}))
    await db.commit()
    await register(client, "size@example.com")
    for email, password in (
        ("nul\x00@example.com", STRONG_PASSWORD),  # PostgreSQL text cannot hold NUL
        ("size@example.com", "x" * 5000),  # over passlib's size limit
        ("ghost@example.com", "x" * 5000),
        ("nul@example.com", "a\x00b"),  # bcrypt refuses NUL bytes
    ):
        assert_problem(await login(client, email, password), 401, "invalid_credentials")
    assert (await login(client, "nul@example.com")).status_code == 200


async def test_passwords_must_be_valid_unicode(client: httpx.AsyncClient) -> None:
    # A JSON escape can carry a lone surrogate, which no hash function (or database) accepts.
    lone_surrogate = '"violet kayak \\ud800 thunder 42"'
    response = await client.post(
        "/api/v1/auth/register",
        content=f'{{"email": "uni@example.com", "full_name": "Uni", "password": {lone_surrogate}}}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422, "validation_error")
    account = await register(client)
    response = await client.post(
        f"{ME}/password",
        content=f'{{"current_password": "{STRONG_PASSWORD}", "new_password": {lone_surrogate}}}',
        headers={**account.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 422, "validation_error")
    assert (await login(client, account.email)).status_code == 200


async def test_unknown_email_costs_a_full_password_verification(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Both failure paths run one argon2id verification with the real parameters, so timing matches."""
    await register(client, "kim@example.com")
    hasher = app.state.password_hasher
    counting = CountingContext(hasher._context)
    hasher._context = counting
    await login(client, "kim@example.com", "wrong password here")
    await login(client, "ghost@example.com", "wrong password here")
    assert len(counting.verified) == 2
    known, unknown = counting.verified
    parameters = "$argon2id$v=19$m=19456,t=2,p=1$"
    assert known.startswith(parameters)
    assert unknown.startswith(parameters)
    assert unknown != known


async def test_login_throttled_per_account(client: httpx.AsyncClient, settings: Settings) -> None:
    await register(client, "lee@example.com")
    for _ in range(settings.login_failures_per_account):
        assert (await login(client, "lee@example.com", "wrong password here")).status_code == 401
    throttled = await login(client, "lee@example.com")  # even the right password waits
    assert_problem(throttled, 429, "rate_limited")
    assert int(throttled.headers["Retry-After"]) > 0


async def test_login_throttled_per_client(client: httpx.AsyncClient, settings: Settings) -> None:
    for i in range(settings.login_failures_per_client):
        assert (await login(client, f"spray{i}@example.com", "wrong password here")).status_code == 401
    assert_problem(await login(client, "another@example.com", "whatever it is"), 429, "rate_limited")


async def test_successful_login_resets_account_failures(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "max@example.com")
    for _ in range(settings.login_failures_per_account - 1):
        await login(client, "max@example.com", "wrong password here")
    assert (await login(client, "max@example.com")).status_code == 200
    assert (await login(client, "max@example.com", "wrong password here")).status_code == 401
    assert (await login(client, "max@example.com")).status_code == 200


async def test_bcrypt_hash_is_verified_and_upgraded_on_login(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    import bcrypt

    legacy = bcrypt.hashpw(STRONG_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    db.add(User(email="old@example.com", full_name="Old Timer", password_hash=legacy, preferences={}))
    await db.commit()
    assert (await login(client, "old@example.com")).status_code == 200
    stored = await db.scalar(select(User.password_hash).where(User.email == "old@example.com"))
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await login(client, "old@example.com")).status_code == 200


async def test_refresh_rotates_and_old_token_stops_working(client: httpx.AsyncClient) -> None:
    account = await register(client)
    first = await client.post(REFRESH, json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != account.refresh_token
    second = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200


async def test_reused_refresh_token_revokes_the_whole_session(client: httpx.AsyncClient) -> None:
    account = await register(client)
    rotated = (await client.post(REFRESH, json={"refresh_token": account.refresh_token})).json()
    reuse = await client.post(REFRESH, json={"refresh_token": account.refresh_token})
    assert_problem(reuse, 401, "invalid_refresh_token")
    # The thief's copy and the legitimate newer tokens are all dead now.
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]}),
        401,
        "invalid_refresh_token",
    )
    headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_unknown_refresh_token(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.post(REFRESH, json={"refresh_token": "made-up"}), 401, "invalid_refresh_token"
    )


async def test_concurrent_refreshes_with_one_token_exactly_one_succeeds(
    live_client: httpx.AsyncClient,
) -> None:
    account = await register(live_client)
    responses = await asyncio.gather(
        *(live_client.post(REFRESH, json={"refresh_token": account.refresh_token}) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [200, 401]


async def test_logout_revokes_refresh_and_access_tokens(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = await login(client, account.email)  # a second device stays signed in
    response = await client.post("/api/v1/auth/logout", json={"refresh_token": account.refresh_token})
    assert response.status_code == 204
    assert (await client.get(ME, headers=account.headers)).status_code == 401
    assert (await client.post(REFRESH, json={"refresh_token": account.refresh_token})).status_code == 401
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    assert (await client.get(ME, headers=other_headers)).status_code == 200
    # Idempotent: logging out again (or with garbage) is still fine.
    assert (
        await client.post("/api/v1/auth/logout", json={"refresh_token": account.refresh_token})
    ).status_code == 204


# --- forged and broken access tokens -------------------------------------------------------------


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(account: Account, token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.get_unverified_claims(token)
    return claims


async def _assert_rejected(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_alg_none_token_is_rejected(client: httpx.AsyncClient) -> None:
    account = await register(client)
    claims = _claims(account, account.access_token)
    await _assert_rejected(client, f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.")


async def test_token_signed_with_another_key_is_rejected(client: httpx.AsyncClient) -> None:
    account = await register(client)
    claims = _claims(account, account.access_token)
    await _assert_rejected(client, jwt.encode(claims, "another-key-" * 4, algorithm=JWT_ALGORITHM))


async def test_token_for_another_audience_or_issuer_is_rejected(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await register(client)
    for change in ({"aud": "someone-else"}, {"iss": "someone-else"}, {"typ": "refresh"}):
        claims = {**_claims(account, account.access_token), **change}
        await _assert_rejected(client, jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM))


async def test_expired_token_is_rejected(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await register(client)
    claims = _claims(account, account.access_token)
    expired = encode_token(
        settings,
        subject=str(claims["sub"]),
        token_type="access",
        ttl=timedelta(seconds=-5),
        sid=claims["sid"],
    )
    await _assert_rejected(client, expired)


@pytest.mark.parametrize("header", ["crit", "jku", "x5u", "jwk"])
async def test_tokens_with_dangerous_headers_are_rejected(
    client: httpx.AsyncClient, settings: Settings, header: str
) -> None:
    account = await register(client)
    claims = _claims(account, account.access_token)
    value: object = (
        ["exp"] if header == "crit" else ({"kty": "oct"} if header == "jwk" else "https://evil.test/k")
    )
    token = jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM, headers={header: value})
    await _assert_rejected(client, token)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud", "iss", "typ", "jti"])
async def test_tokens_missing_a_required_claim_are_rejected(
    client: httpx.AsyncClient, settings: Settings, missing: str
) -> None:
    account = await register(client)
    claims = {k: v for k, v in _claims(account, account.access_token).items() if k != missing}
    await _assert_rejected(client, jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM))


async def test_valid_signature_for_a_deleted_session_is_rejected(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await register(client)
    claims = {**_claims(account, account.access_token), "sid": str(uuid.uuid4())}
    await _assert_rejected(client, jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM))


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.jwt", "Basic abc", "Bearer " + "a" * 5000])
async def test_missing_or_malformed_authorization(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


async def test_sessions_are_stored_without_token_material(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    account = await register(client)
    count = await db.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == uuid.UUID(account.id))
    )
    assert count == 1
    raw = await db.scalar(select(func.count()).select_from(AuthSession))
    assert raw is not None
