"""Migration cycle on a scratch database: upgrade head, downgrade base, upgrade head, `alembic check`.

Runs against a `<database>_migrations` database on the DATABASE_URL server, so dev data is untouched.
"""

import asyncio
import sys

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from app.core.config import get_settings


async def recreate_database(server_url: str, name: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


def main() -> int:
    url = make_url(get_settings().database_url)
    scratch = f"{url.database}_migrations"
    asyncio.run(recreate_database(url.set(database="postgres").render_as_string(False), scratch))
    config = Config("alembic.ini")
    config.attributes["database_url"] = url.set(database=scratch).render_as_string(hide_password=False)
    print("check_migrations: upgrade head")
    command.upgrade(config, "head")
    print("check_migrations: downgrade base")
    command.downgrade(config, "base")
    print("check_migrations: upgrade head")
    command.upgrade(config, "head")
    print("check_migrations: check for drift between models and migrations")
    command.check(config)
    print("check_migrations: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
