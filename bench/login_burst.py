"""Password hashing: its cost, and whether a burst of logins stalls other requests.

p95 latency of /healthz while 20 logins run at once, against /healthz alone. Run twice: hashing in worker
threads (Tally) and hashing inline on the event loop (the baseline of what we avoid).
"""

import asyncio
import statistics
import time

import httpx

from app.core.config import Settings
from app.core.security import PasswordHasher, build_password_context
from app.main import create_app
from bench.harness import ms, p95, serve_in_thread

BURST = 20
PROBES = 40
PASSWORD = "violet kayak thunder 42"


class InlineHasher(PasswordHasher):
    """The baseline: the same verification, but on the event loop."""

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        ok, new_hash = self._context.verify_and_update(password, password_hash or "")
        return bool(ok), new_hash


def argon2_seconds(settings: Settings) -> float:
    context = build_password_context(settings)
    samples = []
    for _ in range(10):
        start = time.perf_counter()
        context.hash(PASSWORD)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def _healthz_p95(client: httpx.AsyncClient) -> float:
    samples = []
    for _ in range(PROBES):
        start = time.perf_counter()
        (await client.get("/healthz")).raise_for_status()
        samples.append(time.perf_counter() - start)
        await asyncio.sleep(0.005)
    return p95(samples)


async def _idle_and_busy(settings: Settings, hasher_cls: type[PasswordHasher]) -> tuple[float, float]:
    app = create_app(settings)
    app.state.password_hasher = hasher_cls(settings)
    email = f"burst-{time.monotonic_ns()}@example.com"
    with serve_in_thread(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            body = {"email": email, "password": PASSWORD, "full_name": "Bench"}
            (await client.post("/api/v1/auth/register", json=body)).raise_for_status()

            async def burst() -> None:
                form = {"username": email, "password": PASSWORD}
                responses = await asyncio.gather(
                    *(client.post("/api/v1/auth/login", data=form) for _ in range(BURST))
                )
                assert all(r.status_code == 200 for r in responses)

            idle = await _healthz_p95(client)
            busy, _ = await asyncio.gather(_healthz_p95(client), burst())
    return idle, busy


async def run(settings: Settings) -> None:
    print(
        f"argon2id m={settings.argon2_memory_kib} KiB t={settings.argon2_time_cost} "
        f"p={settings.argon2_parallelism}: {ms(argon2_seconds(settings))} per hash (median of 10)"
    )
    for label, hasher_cls in (
        ("in worker threads (Tally)", PasswordHasher),
        ("inline (baseline)", InlineHasher),
    ):
        idle, busy = await _idle_and_busy(settings, hasher_cls)
        print(
            f"/healthz p95 with {BURST} concurrent logins hashing {label}: idle {ms(idle)}, "
            f"busy {ms(busy)}, ratio {busy / idle:.1f}x"
        )
