"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread.

Why by hand: aiosqlite gives every connection a thread and hands each call (cursor, execute,
fetch, close, commit, the pool's rollback) to it and back. A SQLite statement on a local file
takes microseconds; each hand-off costs about 70 µs of CPU, and under load the threads fight
the event loop for the GIL. That made SQLite sessions cost a millisecond each. This module
offers aiosqlite's interface (what SQLAlchemy's ``sqlite+aiosqlite`` dialect calls, through its
``async_creator`` hook) with the work done inline.

Inline, a connection waiting for SQLite's write lock would block the whole event loop, and the
transaction holding the lock could never finish: a deadlock until ``busy_timeout``. So writers
of this process queue in the event loop instead: the first statement that writes takes the
file's `asyncio.Lock` (one per file and event loop, whichever `Database` opened the connection),
and commit or rollback releases it. SQLite allows one writer at a time
anyway; reads never wait (WAL mode). Another process writing the same file still makes a writer
wait in SQLite's busy handler, briefly: its transactions are as short as ours.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any
from weakref import WeakKeyDictionary

# Statements that only read: anything else (INSERT, UPDATE, DELETE, DDL, a PRAGMA that sets)
# takes the write lock first. SAVEPOINT and RELEASE follow the transaction they live in.
_READ_ONLY = ("SELECT", "PRAGMA", "WITH", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO")


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:11].upper().startswith(_READ_ONLY)


class WriteLock:
    """One writer at a time for one database file, in this process: every connection to the file
    (from any `Database` on it) queues on the same `asyncio.Lock` of the running event loop."""

    def __init__(self, path: str, *, timeout_s: float) -> None:
        self._path = path if path == ":memory:" else os.path.realpath(path)
        self._timeout_s = timeout_s

    def free(self) -> bool:
        """Whether no writer holds the lock now: a write made before the loop runs anything else
        needs no lock then (`ThreadConnections.driver_write_now`)."""
        lock = _LOCKS.get(asyncio.get_running_loop(), {}).get(self._path)
        return lock is None or not lock.locked()

    async def acquire(self) -> asyncio.Lock:
        """The lock, taken; the caller releases it."""
        lock = _LOCKS.setdefault(asyncio.get_running_loop(), {}).setdefault(self._path, asyncio.Lock())
        if not lock.locked():  # the usual case: taken at once, without a timer
            await lock.acquire()
            return lock
        try:
            async with asyncio.timeout(self._timeout_s):
                await lock.acquire()
        except TimeoutError:  # what SQLite itself says after busy_timeout
            raise sqlite3.OperationalError("database is locked") from None
        return lock


# The writers' locks by event loop (an asyncio.Lock belongs to one) and then by file.
_LOCKS: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = WeakKeyDictionary()


class Cursor:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await self._connection._before(sql)
        self._cursor.execute(sql, parameters or ())
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        await self._connection._before(sql)
        self._cursor.executemany(sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _CursorContext:
    """What ``Connection.cursor()`` returns: awaitable and an async context, as in aiosqlite."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection)

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's dialect uses."""

    def __init__(self, conn: sqlite3.Connection, write_lock: WriteLock) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # the dialect checks it before commit
        self._write_lock = write_lock
        self._writing: asyncio.Lock | None = None  # held from the first write to commit or rollback

    async def _before(self, sql: str) -> None:
        if self._writing is None and not _reads_only(sql):
            self._writing = await self._write_lock.acquire()

    def _done(self) -> None:
        if self._writing is not None:
            held, self._writing = self._writing, None
            held.release()

    def cursor(self) -> _CursorContext:
        return _CursorContext(self)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        cursor = Cursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        try:
            self._conn.commit()
        finally:
            self._done()

    async def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._done()

    async def close(self) -> None:
        if self._connection is None:
            return
        try:
            self._conn.close()
        finally:
            self._connection = None
            self._done()

    def stop(self) -> None:
        """Close at once (the pool's terminate); nothing runs elsewhere to stop."""
        if self._connection is not None:
            self._conn.close()
            self._connection = None
        self._done()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def connector(path: str, *, uri: bool, write_lock: WriteLock) -> Callable[[], Any]:
    """The ``async_creator`` for an engine on the SQLite file at ``path``."""

    async def connect() -> Connection:
        # check_same_thread=False: the pool may hand a connection to another event loop's thread
        # at shutdown (dispose); it is only ever used by one coroutine at a time.
        conn = sqlite3.connect(path, uri=uri, check_same_thread=False, isolation_level="DEFERRED")
        return Connection(conn, write_lock)

    return connect
