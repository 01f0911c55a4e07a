"""PostgreSQL connections kept open between stand-alone statements (`Database.first`, `rows`,
`write_returning`), handed out one task at a time. (SQLite's run on `thread_connections`.)

Why by hand: a SQLAlchemy pool checkout and return (the connection object, its events, the reset,
the asyncio adapter's shielded close) cost more CPU than the one-row read it served: 70 µs of a
120 µs token lookup on SQLite, 120 of 320 µs on PostgreSQL. Held connections skip it. They come
from an engine of their own, so SQLAlchemy's pool still opens, counts and closes them; a
semaphore of the same size keeps every taker from ever waiting inside that pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Executable, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")

_PING = text("SELECT 1")


class HeldConnections:
    """Up to ``size`` open connections of ``engine``, for statements that stand alone.

    A connection idle for ``ping_after_s`` or more is pinged before use (a server restart or an
    idle timeout may have closed it) and replaced if the ping fails. One that raised while in use
    is closed, never handed out again.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        size: int,
        ping_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[AsyncConnection, float]] = []  # (connection, idle since)
        self._ping_after_s = ping_after_s
        self._clock = clock

    async def read(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """``fetch`` applied to the result of ``statement``."""
        return await self._run(statement, params, fetch, commit=False)

    async def write(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """`read` for one statement that writes, committed on its own (on an engine in autocommit
        the commit sends nothing)."""
        return await self._run(statement, params, fetch, commit=True)

    async def _run(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        fetch: Callable[[CursorResult[Any]], T],
        *,
        commit: bool,
    ) -> T:
        async def execute(connection: AsyncConnection) -> T:
            found = fetch(await connection.execute(statement, params))
            if commit:
                await connection.commit()
            return found

        return await self._lend(execute)

    async def on_driver(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """``work`` given the driver's own connection (psycopg's) of a held connection: for the
        statements `driver_statements` runs without SQLAlchemy's execution around them."""
        return await self._lend(lambda connection: work(driver_connection(connection)))

    async def _lend(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` on a held connection, one taker at a time; one whose work raised is closed."""
        async with self._slots:
            connection = await self._take()
            try:
                found = await work(connection)
            except BaseException:
                await _close_quietly(connection)
                raise
            self._idle.append((connection, self._clock()))
            return found

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        async with self._slots:
            connection = await self._take()
            try:
                yield connection
            except BaseException:
                await _close_quietly(connection)
                raise
            self._idle.append((connection, self._clock()))

    async def _take(self) -> AsyncConnection:
        while self._idle:
            connection, since = self._idle.pop()  # the most recently used: the least likely stale
            if self._clock() - since < self._ping_after_s or await _answers(connection):
                return connection
            await _close_quietly(connection)
        return await self._engine.connect()

    async def close(self) -> None:
        """Close the idle connections and the engine."""
        while self._idle:
            await _close_quietly(self._idle.pop()[0])
        await self._engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        return self._engine


def driver_connection(connection: AsyncConnection) -> Any:
    """The DBAPI connection under ``connection`` (psycopg's `AsyncConnection`)."""
    sync = connection.sync_connection
    if sync is None:
        raise RuntimeError("the connection is not open")
    return sync.connection.driver_connection


async def _answers(connection: AsyncConnection) -> bool:
    try:
        await connection.execute(_PING)
    except Exception:  # whatever the driver raises for a dead connection
        return False
    return True


async def _close_quietly(connection: AsyncConnection) -> None:
    """Discarded, then back to the engine's pool as a free slot: a statement that raised may have
    left it mid-query (a cancelled task), and a reset would wait on that or fail."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()
