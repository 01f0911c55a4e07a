"""Rows added together share one INSERT; each caller returns only once its row is committed, and
a failed batch fails each of its callers, not the rows after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, Text, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from actionforge.store import Database
from actionforge.store.group_insert import Expected, GroupInsert
from actionforge.store.thread_connections import ThreadConnections
from actionforge.store.types import UtcDateTime
from tests.store.databases import database_with

LOG = Table("log", MetaData(), Column("n", Integer, primary_key=True))
RECORDS = Table(
    "records", MetaData(), Column("n", Integer, primary_key=True), Column("note", Text, nullable=True),
    Column("data", JSON, nullable=True), Column("at", UtcDateTime),
)  # fmt: skip


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, LOG.metadata) as database:
        yield database


def count_inserts(db: Database) -> list[int]:
    """How many rows each INSERT statement carried, on either of the database's engines."""
    sizes: list[int] = []

    def seen(_c: object, _cursor: object, statement: str, params: object, _x: object, many: bool) -> None:
        if statement.startswith("INSERT"):
            sizes.append(len(params) if many and isinstance(params, list | tuple) else 1)

    engines = {db.engine.sync_engine, db._read_engine.sync_engine}
    if isinstance(db._standalone, ThreadConnections):  # SQLite's statements on the loop's thread
        engines.add(db._standalone.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    return sizes


async def stored(db: Database) -> list[int]:
    async with db.read() as s:
        return list((await s.execute(select(LOG.c.n).order_by(LOG.c.n))).scalars())


async def test_rows_added_together_share_one_insert(db: Database) -> None:
    sizes = count_inserts(db)
    group = GroupInsert(db, insert(LOG))
    await asyncio.gather(*(group.add({"n": n}) for n in range(20)))
    assert await stored(db) == list(range(20))
    assert sum(sizes) == 20
    assert len(sizes) < 20  # batched: the first writer took one, the rest came in the next


async def test_a_caller_returns_only_once_its_row_is_stored(db: Database) -> None:
    group = GroupInsert(db, insert(LOG))
    await group.add({"n": 1})
    assert await stored(db) == [1]
    await group.add({"n": 2})  # the writer, gone idle, starts again
    assert await stored(db) == [1, 2]


async def test_a_failed_batch_fails_its_callers_and_not_the_next(db: Database) -> None:
    group = GroupInsert(db, insert(LOG))
    await group.add({"n": 1})
    outcomes = await asyncio.gather(group.add({"n": 2}), group.add({"n": 1}), return_exceptions=True)
    assert all(isinstance(o, IntegrityError) for o in outcomes)  # one batch: neither row stored
    assert await stored(db) == [1]
    await group.add({"n": 3})
    assert await stored(db) == [1, 3]


async def test_a_cancelled_caller_leaves_its_row_to_be_stored_with_the_rest(db: Database) -> None:
    group = GroupInsert(db, insert(LOG))
    first = asyncio.create_task(group.add({"n": 1}))
    second = asyncio.create_task(group.add({"n": 2}))
    await asyncio.sleep(0)  # both have joined the batch
    first.cancel()
    await asyncio.wait_for(second, timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await stored(db) == [1, 2]
    await group.add({"n": 3})  # the writer carries on
    assert await stored(db) == [1, 2, 3]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_batch_commits_on_the_lookups_own_connection(db: Database) -> None:
    """All rows or none, and on the connection the lookups use: its data version does not move,
    so the row caches keep what they hold (`RowCache`), where the async engine's commit of every
    audit batch emptied them."""
    statement = insert(LOG)
    await db.execute_alone(statement, [{"n": 1}, {"n": 2}])  # first sight: through SQLAlchemy
    stamp = db.commits_elsewhere()
    await db.execute_alone(statement, [{"n": 3}, {"n": 4}])  # then on the driver
    assert db.commits_elsewhere() == stamp
    with pytest.raises(IntegrityError):
        await db.execute_alone(statement, [{"n": 5}, {"n": 1}])
    assert await stored(db) == [1, 2, 3, 4]
    async with db.session() as s:  # another connection's commit does move it
        await s.execute(insert(LOG).values(n=6))
    assert db.commits_elsewhere() != stamp


async def turns_until_done(call: Awaitable[object]) -> int:
    """How many turns of the event loop pass before ``call`` returns (a task counts them)."""
    turns = 0

    async def count() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0)
            turns += 1

    counter = asyncio.create_task(count())
    await asyncio.sleep(0)  # the counter has started
    before = turns
    await call
    counter.cancel()
    return turns - before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_caller_waits_two_turns_of_the_loop(db: Database) -> None:
    """The batch is written by a callback of the next turn, its callers resume on the one after:
    no writer task to start and give a turn."""
    group = GroupInsert(db, insert(LOG))
    await group.add({"n": 0})  # the statement's first sight, through SQLAlchemy
    assert await turns_until_done(group.add({"n": 1})) == 2
    assert await turns_until_done(asyncio.gather(group.add({"n": 2}), group.add({"n": 3}))) <= 3
    assert await stored(db) == [0, 1, 2, 3]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_batch_waits_for_another_writer_of_the_process(db: Database) -> None:
    group = GroupInsert(db, insert(LOG))
    async with db.transaction() as connection:
        await connection.execute(insert(LOG).values(n=1))  # holds the file's write lock
        waiting = asyncio.create_task(group.add({"n": 2}))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
    await asyncio.wait_for(waiting, timeout=5)
    assert await stored(db) == [1, 2]


async def test_a_repeated_batch_on_the_drivers_path_stores_every_type_whole(database_url: str) -> None:
    """The second batch of one statement goes to the driver (on PostgreSQL as one COPY): text
    with tabs, quotes and backslashes, JSON, NULLs and times come back as given, and a batch
    with a duplicate stores none of its rows."""
    at = datetime(2026, 12, 6, 21, 30, 5, 123456, tzinfo=UTC)
    rows = [
        {"n": n, "note": note, "data": data, "at": at}
        for n, note, data in [
            (1, "plain", {"a": 1}), (2, None, None),
            (3, 'tab\there "quoted" \\ \\N\nline', {"k": ["x", None]}), (4, "é ✓", [1, 2]),
        ]
    ]  # fmt: skip
    async with database_with(database_url, RECORDS.metadata) as db:
        statement = insert(RECORDS)
        await db.execute_alone(statement, rows[:2])  # first sight: through SQLAlchemy
        await db.execute_alone(statement, rows[2:])  # then on the driver
        with pytest.raises(IntegrityError):
            await db.execute_alone(statement, [{**rows[0], "n": 5}, rows[0]])
        async with db.read() as s:
            found = (await s.execute(select(RECORDS).order_by(RECORDS.c.n))).mappings().all()
    assert [dict(r) for r in found] == rows


async def test_rows_are_taken_once_the_copy_is_open(database_url: str) -> None:
    """On PostgreSQL a writer that goes on from a batch opens the COPY first and only then takes
    its rows (`Database.insert_taking`), so rows that arrive during that round trip go with it.
    On SQLite there is nothing to open: the caller inserts as usual, and nothing is taken."""

    def row(n: int) -> dict[str, object]:
        return {"n": n, "note": None, "data": None, "at": datetime(2026, 12, 7, tzinfo=UTC)}

    active: list[str] = []

    def take() -> list[dict[str, object]]:
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as watcher:  # what this database's sessions are doing now
            found = watcher.execute(
                "SELECT query FROM pg_stat_activity WHERE state = 'active' AND datname = current_database()"
            )
            active.extend(query for (query,) in found)
        return [row(1), row(2), row(3)]

    async with database_with(database_url, RECORDS.metadata) as db:
        statement = insert(RECORDS)
        await db.execute_alone(statement, [row(10), row(11)])  # the statement's first sight
        taken = await db.insert_taking(statement, row(1), take)
        async with db.read() as s:
            stored = (await s.execute(select(RECORDS.c.n).order_by(RECORDS.c.n))).scalars().all()
    if database_url.startswith("sqlite"):
        assert (taken, active, stored) == (False, [], [10, 11])
    else:
        assert taken
        assert any(query.startswith("COPY") for query in active)  # open while the rows were taken
        assert stored == [1, 2, 3, 10, 11]


class Timer:
    def __init__(self, delay_s: float, callback: Callable[[], None]) -> None:
        self.delay_s, self.callback, self.cancelled = delay_s, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    """The batch's wait, run by hand: no test waits for time to pass."""

    def __init__(self) -> None:
        self.set: list[Timer] = []

    def __call__(self, delay_s: float, callback: Callable[[], None]) -> Timer:
        self.set.append(Timer(delay_s, callback))
        return self.set[-1]


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_batch_waits_for_an_announced_row_and_shares_its_commit(db: Database) -> None:
    sizes, timers = count_inserts(db), Timers()
    group = GroupInsert(db, insert(LOG), gather_s=0.02, later=timers)
    first, second = group.expect(), group.expect()
    early = asyncio.create_task(group.add({"n": 1}, first))
    await turns(5)
    assert not early.done()  # the second call's row is still coming
    assert [t.delay_s for t in timers.set] == [0.02]
    await group.add({"n": 2}, second)  # the last announced row: the batch goes at once
    assert early.done()
    assert sizes == [2]
    assert timers.set[0].cancelled
    assert await stored(db) == [1, 2]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_withdrawn_announcement_releases_the_batch(db: Database) -> None:
    group = GroupInsert(db, insert(LOG), gather_s=60, later=Timers())
    first, second = group.expect(), group.expect()
    early = asyncio.create_task(group.add({"n": 1}, first))
    await turns(5)
    assert not early.done()
    second.withdraw()  # its call raised: no row will come
    second.withdraw()  # idempotent: the count is not taken twice
    await turns(2)
    assert early.done()
    assert await stored(db) == [1]
    third = group.expect()
    assert await turns_until_done(group.add({"n": 3}, third)) == 2  # nothing else is announced


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_the_wait_ends_when_its_time_is_up(db: Database) -> None:
    timers = Timers()
    group = GroupInsert(db, insert(LOG), gather_s=0.02, later=timers)
    first, slow = group.expect(), group.expect()
    early = asyncio.create_task(group.add({"n": 1}, first))
    await turns(5)
    assert not early.done()
    (timer,) = timers.set
    timer.callback()  # 20 ms have passed; the slow call is still running
    await turns(1)
    assert early.done()
    assert await stored(db) == [1]
    assert await turns_until_done(group.add({"n": 2}, slow)) == 2  # it arrives alone, and goes
    assert await stored(db) == [1, 2]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_lone_announced_row_waits_no_longer_than_before(db: Database) -> None:
    timers = Timers()
    group = GroupInsert(db, insert(LOG), gather_s=60, later=timers)
    await group.add({"n": 0})  # the statement's first sight, through SQLAlchemy
    assert await turns_until_done(group.add({"n": 1}, group.expect())) == 2
    assert timers.set == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_on_postgresql_a_first_batch_does_not_wait_for_announced_rows(db: Database) -> None:
    timers = Timers()
    group = GroupInsert(db, insert(LOG), gather_s=60, later=timers)
    still_running = group.expect()
    await asyncio.wait_for(group.add({"n": 1}, group.expect()), timeout=10)
    assert await stored(db) == [1]
    assert timers.set == []
    still_running.withdraw()


async def busy_writer(group: GroupInsert) -> tuple[asyncio.Task[None], Expected]:
    """A writer that goes on from its first batch: row 2 came while row 1 was being written, and
    a third call, still running, has announced its row."""
    first = asyncio.create_task(group.add({"n": 1}))
    while not group._writer or group._waiting:  # until the writer has taken row 1 to the database
        await turns(1)
    coming = group.expect()
    second = asyncio.create_task(group.add({"n": 2}))
    await asyncio.wait_for(first, timeout=10)
    await turns(5)
    return second, coming


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_on_postgresql_a_writer_going_on_waits_for_announced_rows(db: Database) -> None:
    """Under load a PostgreSQL writer goes from batch to batch; each after the first waits for the
    rows of the calls still running (up to ``gather_s``), so fewer, larger batches commit."""
    timers = Timers()
    group = GroupInsert(db, insert(LOG), gather_s=0.02, later=timers)
    second, coming = await busy_writer(group)
    assert not second.done()  # row 2 waits for row 3, announced
    assert [t.delay_s for t in timers.set] == [0.02]
    await asyncio.wait_for(group.add({"n": 3}, coming), timeout=10)  # the last one: the batch goes
    assert second.done()
    assert timers.set[0].cancelled
    assert await stored(db) == [1, 2, 3]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_on_postgresql_a_writers_wait_ends_when_its_time_is_up(db: Database) -> None:
    timers = Timers()
    group = GroupInsert(db, insert(LOG), gather_s=0.02, later=timers)
    second, coming = await busy_writer(group)
    assert not second.done()
    timers.set[0].callback()  # 20 ms have passed; the third call is still running
    await asyncio.wait_for(second, timeout=10)
    assert await stored(db) == [1, 2]
    await asyncio.wait_for(group.add({"n": 3}, coming), timeout=10)  # it arrives later, alone
    assert await stored(db) == [1, 2, 3]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_on_postgresql_a_withdrawn_announcement_releases_a_writers_wait(db: Database) -> None:
    group = GroupInsert(db, insert(LOG), gather_s=60, later=Timers())
    second, coming = await busy_writer(group)
    assert not second.done()
    coming.withdraw()  # its call raised: no row will come
    await asyncio.wait_for(second, timeout=10)
    assert await stored(db) == [1, 2]
