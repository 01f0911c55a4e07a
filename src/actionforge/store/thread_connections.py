"""SQLite's stand-alone statements (`Database.first`, `rows`, `write_returning`), run as plain
synchronous SQLAlchemy on the event loop's thread, one connection per thread.

Why: `inline_sqlite` already runs every SQLite statement on the loop's thread, but through
SQLAlchemy's asyncio layer (a greenlet and the async adapter per statement), which cost 37 of a
held connection's 54 µs per one-row read; a read took 40% of the CPU of a GPT read request. Here
the statement runs as the synchronous engine runs it (17 µs), which blocks the loop no longer
than the inline statement did. A read needs no lock (WAL). A write first queues on the file's
`inline_sqlite.WriteLock`, as the async engine's writers do, so it never waits inside SQLite for
a transaction of this process.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Executable, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from actionforge.store.inline_sqlite import WriteLock
from actionforge.store.json_text import json_text

T = TypeVar("T")
_SERIALS = itertools.count()
_SERIAL = "actionforge_serial"  # a number for each connection, in its `Connection.info`


class ThreadConnections:
    """One connection per thread to the SQLite file of ``url``, kept open until `close`."""

    def __init__(self, url: URL, *, write_lock: WriteLock, on_connect: Callable[[Any, Any], None]) -> None:
        # NullPool: the connections are held here, one per thread, and closed only when dropped.
        self.engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            poolclass=NullPool,
            connect_args={"check_same_thread": False},  # `close` may run on another thread
            json_serializer=json_text,
        )
        event.listen(self.engine, "connect", on_connect)
        self._write_lock = write_lock
        self._by_thread: dict[int, Connection] = {}

    async def read(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """``fetch`` applied to the result of ``statement``, which only reads."""
        return self._reading(lambda connection: fetch(connection.execute(statement, params)))

    def on_driver(self, work: Callable[[Any], T]) -> T:
        """``work`` given this thread's `sqlite3.Connection`: for the reads `driver_statements` runs
        without SQLAlchemy's execution around them (no lock: a read needs none in WAL)."""
        return self._reading(lambda connection: work(connection.connection.driver_connection))

    def _reading(self, run: Callable[[Connection], T]) -> T:
        """``run`` on this thread's connection; one whose statement raised is closed."""
        connection = self._connection()
        try:
            return run(connection)
        except BaseException:
            self._drop(connection)
            raise

    def commits_elsewhere(self) -> tuple[int, int]:
        """A stamp that changes whenever a connection other than this thread's own has committed
        to the file since: another process's, or this process's async engine's. (SQLite's
        ``PRAGMA data_version`` does not move for the asking connection's own commits; those are
        reported by `store.changes`.) It names the connection too, as each counts its own."""
        connection = self._connection()
        driver: Any = connection.connection.driver_connection
        version: int = driver.execute("PRAGMA data_version").fetchone()[0]
        return connection.info[_SERIAL], version

    async def on_driver_write(self, work: Callable[[Any], T]) -> T:
        """`on_driver` for one statement that writes, committed on its own once this process's
        other writers are done."""

        def run(connection: Connection) -> T:
            driver: Any = connection.connection.driver_connection
            found = work(driver)
            driver.commit()
            return found

        return await self._writing(run)

    async def write(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """`read` for one statement that writes, committed on its own once this process's other
        writers are done."""

        def run(connection: Connection) -> T:
            found = fetch(connection.execute(statement, params))
            connection.commit()
            return found

        return await self._writing(run)

    async def _writing(self, run: Callable[[Connection], T]) -> T:
        """``run`` on this thread's connection, with the file's write lock; a connection whose
        write raised is closed, which rolls back what the statement began."""
        lock = await self._write_lock.acquire()
        try:
            connection = self._connection()
            try:
                return run(connection)
            except BaseException:
                self._drop(connection)
                raise
        finally:
            lock.release()

    def _connection(self) -> Connection:
        thread = threading.get_ident()
        connection = self._by_thread.get(thread)
        if connection is None:
            connection = self._by_thread[thread] = self.engine.connect()
            connection.info[_SERIAL] = next(_SERIALS)
        return connection

    def _drop(self, connection: Connection) -> None:
        self._by_thread = {t: c for t, c in self._by_thread.items() if c is not connection}
        with contextlib.suppress(Exception):
            connection.close()

    async def close(self) -> None:
        for connection in list(self._by_thread.values()):
            self._drop(connection)
        self.engine.dispose()
