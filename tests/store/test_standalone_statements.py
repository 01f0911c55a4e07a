"""`Database.first`, `rows` and `write_returning` on both databases: a run of them opens one
connection, a connection that raised is not used again, and a write is committed on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData, event, select, text
from sqlalchemy.exc import DBAPIError

from actionforge.store import Database
from tests.store.databases import database_with, standalone_engine


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, MetaData()) as database:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY)"))
        yield database


def checkouts(db: Database) -> list[int]:
    """One entry per connection the stand-alone statements' engine hands out."""
    taken: list[int] = []
    event.listen(standalone_engine(db), "checkout", lambda *_: taken.append(1))
    return taken


async def count(db: Database) -> int:
    row = await db.first(text("SELECT count(*) AS c FROM notes"), {})
    assert row is not None
    return int(row.c)


async def test_a_run_of_statements_takes_one_connection(db: Database) -> None:
    taken = checkouts(db)
    for n in range(5):
        row = await db.first(select(text(f"{n} AS n")), {})
        assert row is not None
        assert row.n == n
    await db.write_returning(text("INSERT INTO notes (n) VALUES (1)"), {})
    assert await count(db) == 1
    assert len(taken) == 1


async def test_a_connection_that_raised_is_not_used_again(db: Database) -> None:
    taken = checkouts(db)
    await db.first(select(text("1 AS n")), {})
    with pytest.raises(DBAPIError):
        await db.first(text("SELECT * FROM no_such_table"), {})
    assert await db.first(select(text("2 AS n")), {}) is not None
    assert len(taken) == 2


async def test_a_write_is_committed_and_a_failed_one_leaves_nothing(db: Database) -> None:
    await db.write_returning(text("INSERT INTO notes (n) VALUES (1)"), {})
    async with db.engine.connect() as other:  # committed: another connection sees it
        assert (await other.execute(text("SELECT n FROM notes"))).scalar_one() == 1
    with pytest.raises(DBAPIError):
        await db.write_returning(text("INSERT INTO notes (n) VALUES (1)"), {})
    await db.write_returning(text("INSERT INTO notes (n) VALUES (2)"), {})  # still usable
    assert await count(db) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_sqlite_write_queues_behind_this_process_s_open_transaction(db: Database) -> None:
    """It waits in the event loop, not in SQLite's busy handler, so the loop keeps running and
    the transaction it waits for can finish."""
    async with db.transaction() as connection:
        await connection.execute(text("INSERT INTO notes (n) VALUES (1)"))
        write = asyncio.create_task(db.write_returning(text("INSERT INTO notes (n) VALUES (2)"), {}))
        for _ in range(10):
            await asyncio.sleep(0)  # the loop runs on: the write is queued, not blocking it
        assert not write.done()
    await write
    assert await count(db) == 2
