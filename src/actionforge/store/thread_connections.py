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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Executable, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from actionforge.store.inline_sqlite import WriteLock
from actionforge.store.json_text import json_text

T = TypeVar("T")
_SERIALS = itertools.count()


@dataclass(frozen=True, slots=True)
class _Held:
    """A thread's connection, with its `sqlite3.Connection` found once (through SQLAlchemy's
    proxies it took 2 µs a statement) and a number of its own."""

    connection: Connection
    driver: Any
    serial: int


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
        self._by_thread: dict[int, _Held] = {}

    async def read(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """``fetch`` applied to the result of ``statement``, which only reads."""
        return self._run(lambda held: fetch(held.connection.execute(statement, params)))

    def on_driver(self, work: Callable[[Any], T]) -> T:
        """``work`` given this thread's `sqlite3.Connection`: for the reads `driver_statements` runs
        without SQLAlchemy's execution around them (no lock: a read needs none in WAL)."""
        return self._run(lambda held: work(held.driver))

    def _run(self, run: Callable[[_Held], T]) -> T:
        """``run`` on this thread's connection; one whose statement raised is closed."""
        held = self._held()
        try:
            return run(held)
        except BaseException:
            self._drop(held)
            raise

    def commits_elsewhere(self) -> tuple[int, int]:
        """A stamp that changes whenever a connection other than this thread's own has committed
        to the file since: another process's, or this process's async engine's. (SQLite's
        ``PRAGMA data_version`` does not move for the asking connection's own commits; those are
        reported by `store.changes`.) It names the connection too, as each counts its own."""
        held = self._held()
        version: int = held.driver.execute("PRAGMA data_version").fetchone()[0]
        return held.serial, version

    async def on_driver_write(self, work: Callable[[Any], T]) -> T:
        """`on_driver` for one statement that writes, committed on its own once this process's
        other writers are done."""
        return await self._writing(_driver_committed(work))

    async def write(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        """`read` for one statement that writes, committed on its own once this process's other
        writers are done."""

        def run(held: _Held) -> T:
            found = fetch(held.connection.execute(statement, params))
            held.connection.commit()
            return found

        return await self._writing(run)

    def driver_write_now(self, work: Callable[[Any], object]) -> bool:
        """`on_driver_write` without waiting: True once done if no other writer of this process
        holds the file's lock, else False and nothing is run. Synchronous, so no other writer can
        start before it has committed."""
        return self._write_now(_driver_committed(work))

    def write_many_now(self, statement: Executable, params: Sequence[Mapping[str, Any]]) -> bool:
        """``statement`` for each of ``params`` in one transaction, as `driver_write_now` runs."""

        def run(held: _Held) -> None:
            held.connection.execute(statement, list(params))
            held.connection.commit()

        return self._write_now(run)

    def _write_now(self, run: Callable[[_Held], object]) -> bool:
        if not self._write_lock.free():
            return False
        self._run(run)
        return True

    async def _writing(self, run: Callable[[_Held], T]) -> T:
        """``run`` on this thread's connection, with the file's write lock; a connection whose
        write raised is closed, which rolls back what the statement began."""
        lock = await self._write_lock.acquire()
        try:
            return self._run(run)
        finally:
            lock.release()

    def _held(self) -> _Held:
        thread = threading.get_ident()
        held = self._by_thread.get(thread)
        if held is None:
            connection = self.engine.connect()
            driver = connection.connection.driver_connection
            held = self._by_thread[thread] = _Held(connection, driver, next(_SERIALS))
        return held

    def _drop(self, held: _Held) -> None:
        self._by_thread = {t: h for t, h in self._by_thread.items() if h is not held}
        with contextlib.suppress(Exception):
            held.connection.close()

    async def close(self) -> None:
        for held in list(self._by_thread.values()):
            self._drop(held)
        self.engine.dispose()


def _driver_committed(work: Callable[[Any], T]) -> Callable[[_Held], T]:
    """``work`` on the held connection's driver, then its commit."""

    def run(held: _Held) -> T:
        found = work(held.driver)
        held.driver.commit()
        return found

    return run
