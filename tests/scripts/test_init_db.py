from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.models import Base
from scripts.databases import recreate_database, with_database
from scripts.init_db import create_tables


async def test_init_db_creates_every_table(settings: Settings) -> None:
    url = with_database(settings.database_url, f"{make_url(settings.database_url).database}_init")
    await recreate_database(url)
    await create_tables(url)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = set(
            (
                await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            ).scalars()
        )
    await engine.dispose()
    assert names == set(Base.metadata.tables)
