"""Migration cycle on a scratch database: upgrade head, downgrade base, upgrade head, `alembic check`.

Runs against a `<database>_migrations` database on the DATABASE_URL server, so dev data is untouched.
"""

import asyncio
import sys

from sqlalchemy.engine import make_url

from alembic import command
from app.core.config import get_settings
from scripts.databases import alembic_config, recreate_database, with_database


def main() -> int:
    url = get_settings().database_url
    scratch = with_database(url, f"{make_url(url).database}_migrations")
    asyncio.run(recreate_database(scratch))
    config = alembic_config(scratch)
    config.attributes["configure_logging"] = True
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
