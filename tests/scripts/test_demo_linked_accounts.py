import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import KnotEnvironment, Settings
from app.models import LinkedAccount, LinkedAccountStatus, Transaction, User
from scripts.demo_linked_accounts import seed_linked_accounts
from scripts.seed_data import DEMO_PASSWORD, seed


async def _linked(db: AsyncSession) -> dict[str, list[tuple[str, LinkedAccountStatus, int]]]:
    rows = await db.execute(
        select(User.email, LinkedAccount.merchant_name, LinkedAccount.status, func.count(Transaction.id))
        .join(LinkedAccount, LinkedAccount.user_id == User.id)
        .outerjoin(Transaction, Transaction.linked_account_id == LinkedAccount.id)
        .group_by(User.email, LinkedAccount.merchant_name, LinkedAccount.status)
        .order_by(User.email, LinkedAccount.merchant_name)
    )
    linked: dict[str, list[tuple[str, LinkedAccountStatus, int]]] = {}
    for email, merchant, status, count in rows:
        linked.setdefault(email, []).append((merchant, status, count))
    return linked


async def test_demo_accounts_are_linked_synced_and_seeded_once(
    db: AsyncSession, settings: Settings, client: httpx.AsyncClient
) -> None:
    await seed(db, settings)
    await db.commit()
    first = await _linked(db)
    await seed(db, settings)
    await db.commit()

    assert await _linked(db) == first
    assert [(m, s) for m, s, _ in first["alice@demo.com"]] == [
        ("Amazon", "connected"),
        ("DoorDash", "connected"),
    ]
    assert [(m, s) for m, s, _ in first["bob@test.com"]] == [("Uber Eats", "connected")]
    assert "charlie@sample.com" not in first
    assert all(count >= 12 for accounts in first.values() for _, _, count in accounts)

    login = await client.post(
        "/api/v1/auth/login", data={"username": "alice@demo.com", "password": DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    orders = (await client.get("/api/v1/transactions", headers=headers, params={"limit": 100})).json()[
        "items"
    ]
    assert {o["merchant"]["name"] for o in orders} == {"Amazon", "DoorDash"}
    accounts = (await client.get("/api/v1/linked-accounts", headers=headers)).json()
    assert all(a["last_synced_at"] for a in accounts)


async def test_no_demo_accounts_against_real_knot(db: AsyncSession, settings: Settings) -> None:
    real = settings.model_copy(update={"knot_environment": KnotEnvironment.DEVELOPMENT})
    await seed_linked_accounts(db, real, {})
    assert await db.scalar(select(func.count()).select_from(LinkedAccount)) == 0
