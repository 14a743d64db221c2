"""Create every table straight from the models (no Alembic history). For throwaway databases only:
real environments use `make db-upgrade`, which records the revision.

Usage: python -m scripts.init_db
"""

import asyncio

from app.core.config import get_settings
from app.db import create_engine
from app.models import Base


async def create_tables(database_url: str) -> None:
    engine = create_engine(get_settings().model_copy(update={"database_url": database_url}))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(create_tables(get_settings().database_url))
    print("init_db: tables created")
