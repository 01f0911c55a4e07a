"""Fixed-window counters in the database, so every server process counts the same attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.store.tables import RateCounter
from actionforge.store.types import UtcDateTime


async def count(session: AsyncSession, key: str, *, now: datetime, window_s: int) -> int:
    """Attempts recorded under ``key`` in the current window (0 once the window has passed)."""
    row = await session.get(RateCounter, key)
    if row is None or row.window_start + timedelta(seconds=window_s) <= now:
        return 0
    return row.count


async def record(session: AsyncSession, key: str, *, now: datetime, window_s: int) -> None:
    """One more attempt under ``key``: a single upsert, atomic under concurrent processes."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    cutoff = now - timedelta(seconds=window_s)
    statement = insert(RateCounter).values(key=key, window_start=now, count=1)
    expired = RateCounter.window_start <= cutoff
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={
            "count": case((expired, 1), else_=RateCounter.count + 1),
            "window_start": case((expired, literal(now, UtcDateTime())), else_=RateCounter.window_start),
        },
    )
    await session.execute(statement)


async def clear(session: AsyncSession, key: str) -> None:
    row = await session.get(RateCounter, key)
    if row is not None:
        await session.delete(row)
