"""Rate counters live in the database: two engines (as two processes would) count the same attempts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from actionforge.platform import ratelimit
from actionforge.store import Database

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_concurrent_records_from_two_engines_all_count(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        await first.migrate()

        async def hit(db: Database) -> None:
            async with db.session() as s:
                await ratelimit.record(s, "login:email:a@example.com", now=NOW, window_s=60)

        await asyncio.gather(*(hit(db) for db in [first, second] * 10))
        async with second.session() as s:
            assert await ratelimit.count(s, "login:email:a@example.com", now=NOW, window_s=60) == 20
            later = NOW + timedelta(seconds=60)
            assert await ratelimit.count(s, "login:email:a@example.com", now=later, window_s=60) == 0
        async with first.session() as s:  # a record after the window starts a new one
            await ratelimit.record(
                s, "login:email:a@example.com", now=NOW + timedelta(seconds=61), window_s=60
            )
            assert (
                await ratelimit.count(
                    s, "login:email:a@example.com", now=NOW + timedelta(seconds=61), window_s=60
                )
                == 1
            )
    finally:
        await first.dispose()
        await second.dispose()
