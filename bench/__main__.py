"""Benchmarks, reported as ratios against a baseline measured in the same run (machines are noisy).

Usage: make bench   (uses DATABASE_URL, or the embedded server; works in a `<database>_bench` database)
"""

import asyncio

from bench import login_burst, message_pages
from bench.harness import bench_settings


async def main() -> None:
    settings = await bench_settings()
    await login_burst.run(settings)
    await message_pages.run(settings)


if __name__ == "__main__":
    asyncio.run(main())
