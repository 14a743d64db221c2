import httpx
import pytest

from app.core.config import Settings
from tests.api.test_auth import assert_problem, login
from tests.conftest import STRONG_PASSWORD, register

ME = "/api/v1/users/me"


async def test_patch_me_updates_only_given_fields(client: httpx.AsyncClient) -> None:
    account = await register(client, full_name="Nora North")
    response = await client.patch(
        ME,
        headers=account.headers,
        json={
            "onboarding_status": "complete",
            "preferences": {"cards": ["amex-gold", "amex-gold", "citi-double-cash"]},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["full_name"] == "Nora North"
    assert body["onboarding_status"] == "complete"
    assert body["preferences"] == {"cards": ["amex-gold", "citi-double-cash"], "currency": "USD"}
    again = (await client.get(ME, headers=account.headers)).json()
    assert again == body


async def test_patch_preferences_keeps_the_keys_not_sent(client: httpx.AsyncClient) -> None:
    account = await register(client)
    wallet = {"cards": ["amex-gold"], "currency": "EUR"}
    await client.patch(ME, headers=account.headers, json={"preferences": wallet})

    response = await client.patch(ME, headers=account.headers, json={"preferences": {"currency": "GBP"}})
    assert response.status_code == 200, response.text
    assert response.json()["preferences"] == {"cards": ["amex-gold"], "currency": "GBP"}
    response = await client.patch(ME, headers=account.headers, json={"preferences": {"cards": []}})
    assert response.json()["preferences"] == {"cards": [], "currency": "GBP"}
    assert (await client.get(ME, headers=account.headers)).json()["preferences"] == {
        "cards": [],
        "currency": "GBP",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"is_admin": True},
        {"email": "new@example.com"},
        {"preferences": {"cards": ["no-such-card"]}},
        {"preferences": {"theme": "dark"}},
        {"preferences": {"currency": "dollars"}},
        {"onboarding_status": "finished"},
        {"full_name": "   "},
        {"full_name": "a\x00b"},
        {"full_name": "x" * 101},
    ],
)
async def test_patch_me_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    account = await register(client, full_name="Olive Oak")
    before = (await client.get(ME, headers=account.headers)).json()
    assert_problem(await client.patch(ME, headers=account.headers, json=body), 422, "validation_error")
    assert (await client.get(ME, headers=account.headers)).json() == before


async def test_cards_catalog_lists_known_cards(client: httpx.AsyncClient) -> None:
    account = await register(client)
    cards = (await client.get("/api/v1/cards", headers=account.headers)).json()
    ids = {card["id"] for card in cards}
    assert {"amex-gold", "citi-double-cash", "chase-sapphire-preferred"} <= ids
    gold = next(card for card in cards if card["id"] == "amex-gold")
    assert gold["annual_fee_cents"] == 32500
    assert {"category": "dining", "multiplier": 4.0, "unit": "points"}.items() <= gold["rewards"][0].items()
    assert (await client.get("/api/v1/cards")).status_code == 401


async def test_password_change_keeps_this_session_and_revokes_others(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = (await login(client, account.email)).json()
    new_password = "granite orchard lullaby 7"
    response = await client.post(
        f"{ME}/password",
        headers=account.headers,
        json={"current_password": STRONG_PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 204, response.text
    assert (await client.get(ME, headers=account.headers)).status_code == 200
    assert (
        await client.get(ME, headers={"Authorization": f"Bearer {other['access_token']}"})
    ).status_code == 401
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    ).status_code == 401
    assert (await login(client, account.email)).status_code == 401
    assert (await login(client, account.email, new_password)).status_code == 200


async def test_password_change_with_wrong_current_password(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        f"{ME}/password",
        headers=account.headers,
        json={"current_password": "not my password", "new_password": "granite orchard lullaby 7"},
    )
    assert_problem(response, 401, "invalid_credentials")
    assert (await login(client, account.email)).status_code == 200


async def test_password_change_refuses_weak_new_password(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        f"{ME}/password",
        headers=account.headers,
        json={"current_password": STRONG_PASSWORD, "new_password": "password1"},
    )
    assert_problem(response, 422, "weak_password")
    assert (await login(client, account.email)).status_code == 200


async def test_wrong_current_passwords_are_throttled(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await register(client)
    wrong = {"current_password": "not my password", "new_password": "granite orchard lullaby 7"}
    for _ in range(settings.login_failures_per_account):
        response = await client.post(f"{ME}/password", headers=account.headers, json=wrong)
        assert_problem(response, 401, "invalid_credentials")
    right = {**wrong, "current_password": STRONG_PASSWORD}
    throttled = await client.post(f"{ME}/password", headers=account.headers, json=right)
    assert_problem(throttled, 429, "rate_limited")
    assert int(throttled.headers["Retry-After"]) > 0
    assert (await login(client, account.email)).status_code == 429  # the same account budget as logins
