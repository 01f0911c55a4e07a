"""`HeldConnections`: reads reuse open connections, never more than its size at once, and a
connection that failed or died while idle is never handed out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import MetaData, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from actionforge.store import Database
from actionforge.store.held_connections import HeldConnections
from tests.store.databases import database_with


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, MetaData()) as database:
        yield database


def checkouts(db: Database) -> list[int]:
    """One entry per connection the held engine's pool hands out."""
    taken: list[int] = []
    event.listen(db._held_engine.sync_engine, "checkout", lambda *_: taken.append(1))
    return taken


async def test_a_run_of_reads_takes_one_connection_from_the_pool(db: Database) -> None:
    taken = checkouts(db)
    for n in range(5):
        row = await db.first(select(text(f"{n} AS n")), {})
        assert row is not None
        assert row.n == n
    assert len(taken) == 1


async def test_no_more_than_its_size_at_once_and_the_others_wait(db: Database) -> None:
    held = HeldConnections(db._held_engine, size=2, ping_after_s=60)
    taken = checkouts(db)
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
    await held.close()


async def test_a_connection_that_raised_is_not_handed_out_again(db: Database) -> None:
    taken = checkouts(db)
    await db.first(select(text("1 AS n")), {})
    with pytest.raises(DBAPIError):
        await db.first(text("SELECT * FROM no_such_table"), {})
    assert await db.first(select(text("2 AS n")), {}) is not None
    assert len(taken) == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# A SQLite connection is a file on this machine: no server drops it while idle.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_idle_connection_is_pinged_and_replaced_if_the_server_dropped_it(
    db: Database, database_url: str
) -> None:
    clock = Clock()
    held = HeldConnections(db._held_engine, size=2, ping_after_s=10, clock=clock)
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
    await held.close()


async def test_a_write_is_committed_on_the_held_connection_it_shares_with_reads(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY)"))
    taken = checkouts(db)
    await db.write_returning(text("INSERT INTO notes (n) VALUES (1)"), {})
    assert (await db.first(text("SELECT count(*) AS c FROM notes"), {})).c == 1  # type: ignore[union-attr]
    async with db.engine.connect() as other:  # committed: another connection sees it
        assert (await other.execute(text("SELECT n FROM notes"))).scalar_one() == 1
    assert len(taken) == 1
