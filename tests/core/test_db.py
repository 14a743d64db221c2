from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_connections_carry_server_side_limits_and_a_name(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT current_setting('application_name'), current_setting('statement_timeout'),"
                    " current_setting('idle_in_transaction_session_timeout')"
                )
            )
        ).one()
    assert tuple(row) == ("tally", "15s", "30s")
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
