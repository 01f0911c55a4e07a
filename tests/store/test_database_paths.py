"""`Database.write_returning`: one statement, committed on its own, its RETURNING rows back; a
failed one leaves nothing behind. `Database.reads_together`: one connection for a run of reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from actionforge.store import Database
from tests.store.databases import database_with, standalone_engine

ITEMS = Table("items", MetaData(), Column("n", Integer, primary_key=True), Column("state", String(10)))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, ITEMS.metadata) as database:
        yield database


async def states(db: Database) -> list[tuple[int, str]]:
    return [(row.n, row.state) for row in await db.rows(select(ITEMS).order_by(ITEMS.c.n), {})]


async def test_the_rows_it_returns_are_committed(db: Database) -> None:
    added = await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 1, "state": "new"})
    assert [row.n for row in added] == [1]
    move = (
        update(ITEMS).where(ITEMS.c.n == 1, ITEMS.c.state == "new").values(state="sent").returning(ITEMS.c.n)
    )
    assert len(await db.write_returning(move, {})) == 1
    assert await db.write_returning(move, {}) == []  # compare-and-set: the second finds it moved
    assert await states(db) == [(1, "sent")]


async def test_a_failed_write_leaves_nothing(db: Database) -> None:
    await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 1, "state": "new"})
    with pytest.raises(IntegrityError):
        await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 1, "state": "again"})
    assert await states(db) == [(1, "new")]
    await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 2, "state": "next"})  # still usable
    assert await states(db) == [(1, "new"), (2, "next")]


def connections_used(db: Database) -> list[int]:
    """The connection of each statement `first` and `rows` run, in order."""
    used: list[int] = []
    event.listen(standalone_engine(db), "before_cursor_execute", lambda conn, *_: used.append(id(conn)))
    return used


BACKEND = select(func.pg_backend_pid().label("pid"), ITEMS.c.state).order_by(ITEMS.c.n)


async def backend(db: Database) -> int:
    """The server process that answered: one per connection. A constant statement, so it runs on
    psycopg's own connection (`driver_statements`) from its second use on, as the app's lookups do."""
    row = await db.first(BACKEND, {})
    assert row is not None
    assert row.state == "new"
    return int(row.pid)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_reads_together_share_one_connection_and_a_task_started_inside_takes_its_own(
    db: Database,
) -> None:
    await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 1, "state": "new"})
    async with db.reads_together():
        held = {await backend(db) for _ in range(3)}
        assert len(held) == 1
        other = await asyncio.create_task(backend(db))  # not on the held connection
        assert other not in held
    assert await states(db) == [(1, "new")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_reads_on_one_thread_share_its_one_connection(db: Database) -> None:
    """Each runs whole, synchronously, so tasks may share it; another thread has its own."""
    await db.write_returning(insert(ITEMS).returning(ITEMS.c.n), {"n": 1, "state": "new"})
    used = connections_used(db)
    async with db.reads_together():
        assert await states(db) == [(1, "new")]
        assert await asyncio.create_task(states(db)) == [(1, "new")]
    assert await states(db) == [(1, "new")]
    assert len(used) == 3
    assert len(set(used)) == 1
    assert await asyncio.to_thread(lambda: asyncio.run(states(db))) == [(1, "new")]
    assert len(set(used)) == 2
