"""SQLite on the event loop's thread: writers queue in the loop, readers never wait, and a failed
write gives the lock back. A writer that waited in SQLite's busy handler instead would freeze the
loop, and with it the transaction it waits for."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from actionforge.store import Database
from actionforge.store.inline_sqlite import WriteLock


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'inline.db'}")
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    yield database
    await database.dispose()


async def numbers(db: Database) -> list[int]:
    async with db.session() as s:
        return list((await s.execute(text("SELECT n FROM t ORDER BY n"))).scalars())


async def settle() -> None:
    """Let every runnable task run until it waits (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_second_writer_waits_in_the_loop_while_readers_go_on(db: Database) -> None:
    first_wrote, let_first_commit = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (1)"))
            first_wrote.set()
            await let_first_commit.wait()  # holds SQLite's write lock across a real await
        order.append("first committed")

    async def second() -> None:
        await first_wrote.wait()
        async with db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (2)"))
        order.append("second committed")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await settle()
    assert order == []  # the second writer is queued, not failed
    assert await numbers(db) == []  # and the loop still serves readers, at the last commit
    let_first_commit.set()
    await asyncio.gather(*tasks)
    assert order == ["first committed", "second committed"]
    assert await numbers(db) == [1, 2]


async def test_a_failed_write_gives_the_lock_back(db: Database) -> None:
    async with db.session() as s:
        await s.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (1)"))
    async with db.session() as s:  # would wait for the lock forever if the rollback kept it
        await s.execute(text("INSERT INTO t VALUES (2)"))
    assert await numbers(db) == [1, 2]


async def test_a_rolled_back_transaction_leaves_nothing_and_frees_the_lock(db: Database) -> None:
    async def write_then_fail() -> None:
        async with db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (5)"))
            raise RuntimeError("the request failed after writing")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with db.session() as s:
        await s.execute(text("INSERT INTO t VALUES (6)"))
    assert await numbers(db) == [6]


async def test_a_writer_waiting_past_the_timeout_gets_sqlites_own_error(tmp_path: Path) -> None:
    lock = WriteLock(str(tmp_path / "x.db"), timeout_s=0.01)
    held = await lock.acquire()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        await lock.acquire()
    held.release()
    (await lock.acquire()).release()  # free again once released


async def test_two_databases_on_one_file_queue_their_writers_together(tmp_path: Path) -> None:
    """A second `Database` on the same file (a CLI command in a test, say) must not wait in
    SQLite's busy handler for the first: that would block the loop the first needs to commit."""
    url = f"sqlite:///{tmp_path / 'inline.db'}"
    first_db, second_db = Database(url), Database(url)
    async with first_db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    first_wrote, let_first_commit = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with first_db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (1)"))
            first_wrote.set()
            await let_first_commit.wait()

    async def second() -> None:
        await first_wrote.wait()
        async with second_db.session() as s:
            await s.execute(text("INSERT INTO t VALUES (2)"))

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await settle()  # with a lock per Database, the second writer would block the loop right here
    let_first_commit.set()
    await asyncio.gather(*tasks)
    assert await numbers(second_db) == [1, 2]
    await first_db.dispose()
    await second_db.dispose()


async def test_sqlites_errors_reach_the_caller_as_sqlalchemy_errors(db: Database) -> None:
    with pytest.raises(OperationalError, match="no such table"):
        async with db.session() as s:
            await s.execute(text("SELECT * FROM missing"))
