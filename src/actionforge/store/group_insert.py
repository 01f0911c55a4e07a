"""Group commit for a log table: the rows that arrive together are inserted in one statement.

Why by hand: an audit record per action call is a transaction per call, and under load a
transaction's fixed cost (a connection from the pool, BEGIN, COMMIT, on PostgreSQL two more
round trips) was a fifth of a test call's CPU. No library batches asyncio writers while keeping
each one's durability. Here each caller still waits until its own row is committed, so nothing is
acknowledged before it is stored; callers that arrive while a batch is being written share the
next one.

On SQLite a batch is written without giving the loop a turn (the statement runs on the loop's
thread), so it is written by a callback of the loop's next turn: the callers that run until then
join it, and it commits before the loop runs anything else, so it needs no writer's lock unless
another writer of this process holds one; then a writer task waits for it. Callers resume on the
turn after. (A writer task, started and then given one turn to gather the rows, kept every caller
waiting one turn longer: under bench/api.py's test-operation load, taking the record out entirely
cut the p50 by 10% and the CPU by 5%, the difference being that wait.) On PostgreSQL a batch's
round trips give the loop its turns, and the rows that arrive meanwhile make the next batch:
waiting a turn first only delayed every caller (paired A/B under test-operation load, without it:
-4% server CPU and -3% p50, twice). A writer that goes on from one batch to the next (rows kept
coming) opens PostgreSQL's COPY before it takes the rows, so those that arrive during that round
trip go with it instead of waiting for another batch's two (-3.2% and -3.9% p50, paired, two
runs).

A batch may also wait for rows that are known to be coming, as PostgreSQL's ``commit_delay``
waits for ``commit_siblings``: a caller that will add a row announces it first (`expect`, when
its action call starts), and while an announced row has not arrived the batch waits up to
``gather_s`` for it. With nothing announced (one call at a time) it is written as before, so a
lone caller waits no longer. On SQLite every batch may wait: under bench/api.py's test-operation
load (50 clients) batches grew from about two rows to about six, and the server's CPU per request
fell by a tenth (20 ms, paired A/B; the commit, not the INSERT, is most of a small batch's cost).
On PostgreSQL only a batch that follows another waits (a writer going on, so calls are arriving
all the time; the first batch of a quiet spell goes at once): paired under the same load, COPYs
per request 0.29 -> 0.16, PostgreSQL's CPU per request 0.29 -> 0.17 ms, the server's 7% less,
and the p50 ratio to the bare endpoint 1.28 -> 1.22 (10 rounds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Executable

from actionforge.store.database import Database

Row = Mapping[str, Any]


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Later = Callable[[float, Callable[[], None]], Cancellable]  # `loop.call_later`'s shape


class Expected:
    """A row announced to a `GroupInsert` (`expect`): a SQLite batch may wait for it."""

    __slots__ = ("_epoch", "_group", "_open")

    def __init__(self, group: GroupInsert, epoch: int) -> None:
        self._group, self._epoch, self._open = group, epoch, True

    def withdraw(self) -> None:
        """No row is coming after all (or it has come): nothing waits for it any more. Idempotent."""
        if self._open:
            self._open = False
            self._group._arrived(self._epoch)


class GroupInsert:
    def __init__(
        self, db: Database, statement: Executable, *, gather_s: float = 0.0, later: Later | None = None
    ) -> None:
        self._db = db
        self._statement = statement
        self._gather_s = gather_s
        self._waiting: list[tuple[Row, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._soon = False  # SQLite: `_write_soon` is due on the loop's next turn
        self._gathering: Cancellable | None = None  # SQLite: the wait for announced rows
        self._settled: asyncio.Future[None] | None = None  # a writer's wait for them, between batches
        self._expected = 0  # rows announced and not yet arrived
        self._epoch = 0  # the event loop's: an `Expected` from an earlier loop counts for nothing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._later = later or self._loop_later  # the wait's timer; tests inject one

    def expect(self) -> Expected:
        """Announce a row that will be added soon; withdraw it if none comes (the caller raised)."""
        self._check_loop()
        self._expected += 1
        return Expected(self, self._epoch)

    async def add(self, row: Row, expected: Expected | None = None) -> None:
        """Insert ``row``; returns once it is committed, raises what the insert raised."""
        loop = self._check_loop()
        done: asyncio.Future[None] = loop.create_future()
        done.add_done_callback(_observed)  # a caller cancelled meanwhile leaves no warning behind
        self._waiting.append((row, done))
        if expected is not None:
            expected.withdraw()  # it has arrived; that also plans the write
        else:
            self._plan()
        # Not shielded: a caller cancelled meanwhile cancels only its future, and its row is
        # written with the rest (`_settle` skips it). A shield would cost every caller one more
        # turn of the loop before it resumes (the inner future's callback, then the outer's).
        await done

    def _check_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test runs several): start afresh
            self._loop, self._waiting, self._writer, self._soon = loop, [], None, False
            self._gathering, self._settled, self._expected = None, None, 0
            self._epoch += 1
        return loop

    def _arrived(self, epoch: int) -> None:
        if epoch == self._epoch:
            self._expected -= 1
            if self._expected == 0 and self._settled is not None:
                _resolve(self._settled)
            self._plan()

    def _plan(self) -> None:
        """Start writing the waiting rows, or wait for announced ones (SQLite, up to ``gather_s``)."""
        if not self._waiting or self._writer is not None or self._soon:
            return
        if self._expected > 0 and self._gather_s > 0 and self._db.is_sqlite:
            if self._gathering is None:
                self._gathering = self._later(self._gather_s, self._gathered)
            return
        if self._gathering is not None:
            self._gathering.cancel()
            self._gathering = None
        if self._db.is_sqlite:
            self._soon = True
            asyncio.get_running_loop().call_soon(self._write_soon)
        else:
            self._writer = asyncio.create_task(self._write())

    def _loop_later(self, delay_s: float, callback: Callable[[], None]) -> Cancellable:
        return asyncio.get_running_loop().call_later(delay_s, callback)

    def _gathered(self) -> None:
        """The wait is over: the waiting rows go now, whatever is still announced."""
        self._gathering = None
        self._write_soon()

    def _write_soon(self) -> None:
        """SQLite: the waiting rows written now, unless another writer of this process holds the
        file; then a writer task waits for it."""
        self._soon = False
        if self._writer is not None or not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        try:
            written = self._db.insert_now(self._statement, [row for row, _ in batch])
        except Exception as error:  # each caller gets the failure its own insert would have had
            _settle(batch, error)
            return
        if written:
            _settle(batch, None)
            return
        self._waiting = batch + self._waiting
        self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        try:
            continuing = False
            while self._waiting:
                if continuing:
                    await self._gather_announced()
                await self._write_batch(open_first=continuing)
                continuing = True
        finally:
            self._writer = None

    async def _gather_announced(self) -> None:
        """Between a writer's batches: wait until the announced rows have arrived, up to
        ``gather_s`` (see the module's docstring)."""
        if self._expected <= 0 or self._gather_s <= 0:
            return
        settled = self._settled = asyncio.get_running_loop().create_future()
        timer = self._later(self._gather_s, lambda: _resolve(settled))
        try:
            await settled
        finally:
            timer.cancel()
            self._settled = None

    async def _write_batch(self, *, open_first: bool) -> None:
        """The waiting rows, taken as late as the database allows: a writer that goes on from a
        batch (rows kept coming) opens PostgreSQL's COPY first (`Database.insert_taking`)."""
        batch: list[tuple[Row, asyncio.Future[None]]] = []

        def take() -> list[Row]:
            batch[:], self._waiting = self._waiting, []
            return [row for row, _ in batch]

        try:
            shape = self._waiting[0][0]
            if not (open_first and await self._db.insert_taking(self._statement, shape, take)):
                await self._db.execute_alone(self._statement, take())
        except Exception as error:  # each caller gets the failure its own insert would have had
            if not batch:  # failed before the rows were taken: they fail with it
                take()
            _settle(batch, error)
        else:
            _settle(batch, None)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _observed(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()


def _settle(batch: list[tuple[Row, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
