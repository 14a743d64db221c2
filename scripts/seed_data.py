"""Load the demo data (users, chats, linked accounts). Idempotent; refuses to run in production.

Usage: python -m scripts.seed_data
"""

import asyncio
import sys
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.security import PasswordHasher
from app.db import create_engine, create_sessionmaker
from app.models import OnboardingStatus, User
from scripts.demo_chats import seed_chats
from scripts.demo_linked_accounts import seed_linked_accounts

DEMO_PASSWORD = "password123"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    onboarding_status: OnboardingStatus
    cards: tuple[str, ...]


DEMO_USERS = (
    DemoUser(
        "alice@demo.com", "Alice Anderson", OnboardingStatus.COMPLETE, ("amex-gold", "citi-double-cash")
    ),
    DemoUser("bob@test.com", "Bob Brown", OnboardingStatus.COMPLETE, ("chase-sapphire-preferred",)),
    DemoUser("charlie@sample.com", "Charlie Chen", OnboardingStatus.INCOMPLETE, ()),
)


class RefusedInProduction(RuntimeError):
    pass


async def seed_users(db: AsyncSession, hasher: PasswordHasher) -> dict[str, User]:
    users: dict[str, User] = {}
    for demo in DEMO_USERS:
        user = await db.scalar(select(User).where(User.email == demo.email))
        if user is None:
            user = User(
                email=demo.email,
                full_name=demo.full_name,
                password_hash=await hasher.hash(DEMO_PASSWORD),
                onboarding_status=demo.onboarding_status,
                preferences={"cards": list(demo.cards), "currency": "USD"},
            )
            db.add(user)
        users[demo.email] = user
    await db.flush()
    return users


async def seed(db: AsyncSession, settings: Settings) -> dict[str, User]:
    if settings.is_production:
        raise RefusedInProduction("The demo data must never be loaded into production")
    users = await seed_users(db, PasswordHasher(settings))
    await seed_chats(db, users)
    await seed_linked_accounts(db, settings, users)
    return users


async def main() -> int:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            users = await seed(db, settings)
    except RefusedInProduction as exc:
        print(f"seed_data: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"seed_data: demo data ready ({', '.join(users)}; password {DEMO_PASSWORD})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
