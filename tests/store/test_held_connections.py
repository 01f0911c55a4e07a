"""`HeldConnections` (PostgreSQL's stand-alone statements): never more than its size at once, and
a connection that died while idle is never handed out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import MetaData, event, func, select, text
from sqlalchemy.engine import make_url

from actionforge.store.held_connections import HeldConnections
from tests.store.databases import database_with

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def held(database_url: str, clock: Clock) -> AsyncIterator[HeldConnections]:
    async with database_with(database_url, MetaData()) as database:
        held = HeldConnections(database._read_engine, size=2, ping_after_s=10, clock=clock)
        try:
            yield held
        finally:
            await held.close()


async def test_no_more_than_its_size_at_once_and_the_others_wait(held: HeldConnections) -> None:
    taken: list[int] = []
    event.listen(held.engine.sync_engine, "checkout", lambda *_: taken.append(1))
    gate, two_inside = asyncio.Event(), asyncio.Event()
    inside, most = [0], [0]

    async def reader() -> None:
        async with held.connection() as connection:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            if inside[0] == 2:
                two_inside.set()
            await gate.wait()
            await connection.execute(text("SELECT 1"))
            inside[0] -= 1

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    await asyncio.wait_for(two_inside.wait(), timeout=30)
    gate.set()
    await asyncio.gather(*readers)
    assert most[0] == 2
    assert len(taken) == 2  # the third waited, then reused a connection given back


async def test_an_idle_connection_is_pinged_and_replaced_if_the_server_dropped_it(
    held: HeldConnections, clock: Clock, database_url: str
) -> None:
    pid = select(func.pg_backend_pid().label("pid"))
    first = await held.read(pid, {}, lambda result: result.scalar_one())
    clock.now += 11  # idle long enough to be pinged: alive, so kept
    assert await held.read(pid, {}, lambda result: result.scalar_one()) == first
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    clock.now += 11
    replaced = await held.read(pid, {}, lambda result: result.scalar_one())
    assert replaced != first


async def test_database_reads_go_through_its_held_connections(database_url: str) -> None:
    """The same server backend answers one read after another: the connection stayed open."""
    pid = select(func.pg_backend_pid().label("pid"))
    async with database_with(database_url, MetaData()) as db:
        assert isinstance(db._standalone, HeldConnections)
        first, second = await db.first(pid, {}), await db.first(pid, {})
        assert first is not None
        assert second is not None
        assert first.pid == second.pid
