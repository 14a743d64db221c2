import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Environment, Settings
from app.models import User
from scripts.seed_data import DEMO_PASSWORD, RefusedInProduction, seed


async def test_seed_is_idempotent_and_demo_login_works(
    db: AsyncSession, settings: Settings, client: httpx.AsyncClient
) -> None:
    await seed(db, settings)
    await db.commit()
    first = await db.scalar(select(func.count()).select_from(User))
    await seed(db, settings)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(User)) == first

    login = await client.post(
        "/api/v1/auth/login", data={"username": "alice@demo.com", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200, login.text
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["full_name"] == "Alice Anderson"
    assert me.json()["onboarding_status"] == "complete"
    charlie = await db.scalar(select(User).where(User.email == "charlie@sample.com"))
    assert charlie is not None
    assert charlie.onboarding_status == "incomplete"


async def test_seed_refuses_production(db: AsyncSession, settings: Settings) -> None:
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    with pytest.raises(RefusedInProduction):
        await seed(db, production)
    assert await db.scalar(select(func.count()).select_from(User)) == 0
