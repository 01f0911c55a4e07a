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
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Executable

from actionforge.store.database import Database

Row = Mapping[str, Any]


class GroupInsert:
    def __init__(self, db: Database, statement: Executable) -> None:
        self._db = db
        self._statement = statement
        self._waiting: list[tuple[Row, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._soon = False  # SQLite: `_write_soon` is due on the loop's next turn
        self._loop: asyncio.AbstractEventLoop | None = None

    async def add(self, row: Row) -> None:
        """Insert ``row``; returns once it is committed, raises what the insert raised."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test runs several): start afresh
            self._loop, self._waiting, self._writer, self._soon = loop, [], None, False
        done: asyncio.Future[None] = loop.create_future()
        done.add_done_callback(_observed)  # a caller cancelled meanwhile leaves no warning behind
        self._waiting.append((row, done))
        if self._writer is None and not self._soon:
            if self._db.is_sqlite:
                self._soon = True
                loop.call_soon(self._write_soon)
            else:
                self._writer = asyncio.create_task(self._write())
        # Not shielded: a caller cancelled meanwhile cancels only its future, and its row is
        # written with the rest (`_settle` skips it). A shield would cost every caller one more
        # turn of the loop before it resumes (the inner future's callback, then the outer's).
        await done

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
                await self._write_batch(open_first=continuing)
                continuing = True
        finally:
            self._writer = None

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
