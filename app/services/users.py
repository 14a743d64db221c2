"""Profile changes of the signed-in user."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User
from app.schemas.user import UserUpdate


async def update_profile(db: AsyncSession, user: User, changes: UserUpdate) -> User:
    # Explicit nulls mean "leave as is": none of these fields can be cleared.
    for field, value in changes.model_dump(exclude_unset=True, exclude_none=True).items():
        if field == "preferences":
            # Merged, not replaced: `{"currency": "EUR"}` must not empty the wallet.
            value = {**user.preferences, **value}
        setattr(user, field, value)
    await db.flush()
    await db.refresh(user)
    return user
