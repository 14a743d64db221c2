"""What every benchmark needs: a migrated scratch database, settings, a served app, timing helpers."""

import asyncio
import os
import socket
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from alembic import command
from app.core.config import Environment, Settings
from scripts.databases import alembic_config, recreate_database, with_database


async def bench_settings() -> Settings:
    """Settings on a fresh `<database>_bench` database of the DATABASE_URL server, migrated to head."""
    base = os.environ["DATABASE_URL"]
    url = with_database(base, f"{make_url(base).database}_bench")
    await recreate_database(url)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    return Settings(
        environment=Environment.TEST,
        secret_key="bench-secret-" + "x" * 32,
        database_url=url,
        # Every login of a burst must reach the password hash, so the throttle is out of the way.
        login_failures_per_account=10_000,
        login_failures_per_client=10_000,
    )


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on its own thread and loop, so requests are timed from outside it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


async def timings(call: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
