"""Message pages: keyset pages cost the same at any depth, and the API's overhead over bare SQL.

A chat with 20,000 messages. Median time of `GET /messages?limit=50` for the newest page and for a page
19,000 messages deep (ratio ≈ 1 means depth is free), and of the same page as one bare SQL query on a
pooled connection (the baseline: what the page costs without HTTP, auth and serialisation).
"""

import statistics

import httpx
from sqlalchemy import text

from app.core.config import Settings
from app.db import create_engine
from app.main import create_app
from bench.harness import ms, serve_in_thread, timings

MESSAGES = 20_000
DEPTH = 19_000
PAGE = 50
REPEAT = 30

_FILL = text(
    """
    INSERT INTO messages (id, chat_id, sender_id, sender_type, content, created_at, updated_at)
    SELECT gen_random_uuid(), :chat_id, :user_id, 'user', 'message ' || n,
           now() - make_interval(secs => :count - n), now()
    FROM generate_series(1, :count) AS n
    """
)
_PAGE_SQL = text(
    """
    SELECT m.*, u.full_name FROM messages m LEFT JOIN users u ON u.id = m.sender_id
    WHERE m.chat_id = :chat_id ORDER BY m.created_at DESC, m.id DESC LIMIT :limit
    """
)


async def run(settings: Settings) -> None:
    app = create_app(settings)
    engine = create_engine(settings)
    with serve_in_thread(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            registered = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": "pages@example.com",
                    "password": "violet kayak thunder 42",
                    "full_name": "Pages",
                },
            )
            registered.raise_for_status()
            auth = {"Authorization": f"Bearer {registered.json()['access_token']}"}
            user_id = registered.json()["user"]["id"]
            chat = (await client.post("/api/v1/chats", json={"type": "solo"}, headers=auth)).json()
            async with engine.begin() as conn:
                await conn.execute(_FILL, {"chat_id": chat["id"], "user_id": user_id, "count": MESSAGES})
            url = f"/api/v1/chats/{chat['id']}/messages"

            cursor = None
            for _ in range(DEPTH // 100):
                page = (
                    await client.get(
                        url, params={"limit": 100, **({"cursor": cursor} if cursor else {})}, headers=auth
                    )
                ).json()
                cursor = page["next_cursor"]

            async def newest() -> None:
                (await client.get(url, params={"limit": PAGE}, headers=auth)).raise_for_status()

            async def deep() -> None:
                (
                    await client.get(url, params={"limit": PAGE, "cursor": cursor}, headers=auth)
                ).raise_for_status()

            first = statistics.median(await timings(newest, REPEAT))
            deeper = statistics.median(await timings(deep, REPEAT))

    async with engine.connect() as conn:

        async def bare() -> None:
            await conn.execute(_PAGE_SQL, {"chat_id": chat["id"], "limit": PAGE + 1})

        baseline = statistics.median(await timings(bare, REPEAT))
    await engine.dispose()
    print(
        f"GET {PAGE} messages of {MESSAGES:,}: newest page {ms(first)}, {DEPTH:,} deep {ms(deeper)}, "
        f"ratio {deeper / first:.2f}x (depth should cost nothing)"
    )
    print(
        f"same page as one bare SQL query {ms(baseline)}: API/bare ratio {first / baseline:.1f}x "
        f"(HTTP, token check, membership check, serialisation)"
    )
