"""Benchmarks, reported as ratios against a baseline measured in the same run (machines are noisy).

1. argon2id: the cost of one hash with the configured parameters (absolute, for the README note).
2. Login burst: p95 latency of /healthz while 20 logins run at once, compared with /healthz alone.
   Run twice: with hashing in worker threads (Tally) and with hashing inline on the event loop
   (the bare baseline of what we avoid). A ratio near 1 means logins do not stall other requests.

Usage: make bench   (needs DATABASE_URL; `make bench` provides the embedded server)
"""

import asyncio
import os
import socket
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from app.core.config import Environment, Settings
from app.core.security import PasswordHasher, build_password_context
from app.main import create_app

BURST = 20
PROBES = 40


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def bench_database(url: str) -> str:
    target = make_url(url)
    name = f"{target.database}_bench"
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def migrate(url: str) -> None:
    config = Config("alembic.ini")
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


def measure_argon2(settings: Settings) -> float:
    context = build_password_context(settings)
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        context.hash("correct horse battery staple")
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on its own thread and loop, so probes are timed from outside it."""
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


async def probe_latency(client: httpx.AsyncClient, during: Callable[[], Awaitable[object]] | None) -> float:
    async def probes() -> list[float]:
        samples = []
        for _ in range(PROBES):
            start = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            samples.append(time.perf_counter() - start)
            await asyncio.sleep(0.005)
        return samples

    if during is None:
        return p95(await probes())
    samples, _ = await asyncio.gather(probes(), during())
    return p95(samples)


class InlineHasher(PasswordHasher):
    """The baseline: the same hashing, but on the event loop (what `anyio.to_thread` saves us from)."""

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        ok, new_hash = self._context.verify_and_update(password, password_hash or "")
        return bool(ok), new_hash


async def login_burst(settings: Settings, hasher_cls: type[PasswordHasher]) -> tuple[float, float]:
    app = create_app(settings)
    app.state.password_hasher = hasher_cls(settings)
    email = f"bench-{time.monotonic_ns()}@example.com"
    password = "violet kayak thunder 42"
    with serve_in_thread(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as c:
            body = {"email": email, "password": password, "full_name": "Bench"}
            (await c.post("/api/v1/auth/register", json=body)).raise_for_status()

            async def burst() -> None:
                form = {"username": email, "password": password}
                responses = await asyncio.gather(
                    *(c.post("/api/v1/auth/login", data=form) for _ in range(BURST))
                )
                assert all(r.status_code == 200 for r in responses)

            idle = await probe_latency(c, None)
            busy = await probe_latency(c, burst)
    return idle, busy


async def main() -> None:
    base_url = os.environ["DATABASE_URL"]
    url = await bench_database(base_url)
    await asyncio.to_thread(migrate, url)
    settings = Settings(
        environment=Environment.TEST,
        secret_key="bench-secret-" + "x" * 32,
        database_url=url,
        # Every login of the burst must reach the password hash, so the throttle is out of the way.
        login_failures_per_account=10_000,
        login_failures_per_client=10_000,
    )
    hash_seconds = measure_argon2(settings)
    print(
        f"argon2id m={settings.argon2_memory_kib} KiB t={settings.argon2_time_cost} "
        f"p={settings.argon2_parallelism}: "
        f"{hash_seconds * 1000:.1f} ms per hash (median of 10)"
    )
    for label, hasher_cls in (("threads (Tally)", PasswordHasher), ("inline (baseline)", InlineHasher)):
        idle, busy = await login_burst(settings, hasher_cls)
        print(
            f"/healthz p95 during {BURST} concurrent logins, hashing {label}: idle {idle * 1000:.1f} ms, "
            f"busy {busy * 1000:.1f} ms, ratio {busy / idle:.1f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
