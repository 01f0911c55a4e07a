"""The database: an async engine for SQLite (aiosqlite) or PostgreSQL (psycopg 3), migrated on start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Executable, Row, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from actionforge.store import inline_sqlite, request_stamps
from actionforge.store.changes import CHANNEL as CHANGES_CHANNEL
from actionforge.store.changes import TableChanges
from actionforge.store.driver_statements import DriverStatements, ResultRow
from actionforge.store.held_connections import HeldConnections, driver_connection
from actionforge.store.json_text import json_text
from actionforge.store.notifications import Notifications
from actionforge.store.thread_connections import ThreadConnections
from actionforge.store.wal_checkpoints import WalCheckpoints

BUSY_TIMEOUT_S = 30
# What runs Core statements inside a caller's transaction: an ORM session or a connection.
Executor = AsyncSession | AsyncConnection
POOL_SIZE = 10
PING_IDLE_S = 10.0  # see ping_when_idle
_IDLE_SINCE = "actionforge_idle_since"
T = TypeVar("T")
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


class DatabaseURLError(ValueError):
    pass


def async_url(url: str) -> URL:
    """``url`` with its async driver: ``sqlite:///x.db`` and ``postgresql://...`` are accepted as written."""
    try:
        parsed = make_url(url)
    except Exception:  # SQLAlchemy raises ArgumentError; the text may hold a password, so drop it
        raise DatabaseURLError(
            "the database URL is not a URL (expected sqlite:/// or postgresql://)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Another process's writer is waited for rather than failed (this process's queue in the loop).
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a power cut may lose the last
    # commits, never the database's integrity (https://sqlite.org/pragma.html#pragma_synchronous).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _without_autocheckpoint(dbapi_connection: Any) -> None:
    """Checkpoints are `WalCheckpoints`' job, on its thread: none inside this connection's commits."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class Database:
    """One engine and its session factory. ``session()`` is a unit of work: commit or roll back."""

    def __init__(
        self, url: str, *, echo: bool = False, ping_idle_s: float = PING_IDLE_S, pool_size: int = POOL_SIZE
    ) -> None:
        self.url = async_url(url)
        # SQLite on a file: its WAL checkpoints on a thread of their own, from the first connection.
        self._checkpoints = _checkpoints_of(self.url)
        # A fixed pool on PostgreSQL: SQLAlchemy's overflow connections are opened and closed per
        # use, and under load that churn (a TCP and SCRAM handshake each) cost more than waiting.
        pool = {} if self.is_sqlite else {"pool_size": pool_size, "max_overflow": 0}
        self.engine: AsyncEngine = self._engine(echo=echo, pool=pool)
        # One-statement writes and ORM reads in autocommit on PostgreSQL: no BEGIN and COMMIT
        # round trips. SQLite's SELECTs run outside a transaction already (the sqlite3 module
        # begins one before the first write), so there it is the same engine.
        self._read_engine = self.engine
        if not self.is_sqlite:
            self._read_engine = self._engine(echo=echo, autocommit=True, pool=pool)
            for engine in (self.engine, self._read_engine):
                ping_when_idle(engine, idle_s=ping_idle_s)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reads = async_sessionmaker(self._read_engine, expire_on_commit=False)
        # `first`, `rows` and `write_returning`: on PostgreSQL, held connections from an engine of
        # their own whose pool has the same size, so holding them never starves the other
        # engines' users; on SQLite, synchronous statements on the loop's thread.
        self._standalone: HeldConnections | ThreadConnections
        if self.is_sqlite:
            lock = self._write_lock()
            self._standalone = ThreadConnections(self.url, write_lock=lock, on_connect=self._sqlite_connected)
        else:
            held_pool = {"pool_size": pool_size, "max_overflow": 0}
            held_engine = self._engine(echo=echo, autocommit=True, pool=held_pool)
            self._standalone = HeldConnections(held_engine, size=pool_size, ping_after_s=ping_idle_s)
        # Statements run again and again go to the driver's own connection (`driver_statements`).
        self._driver_statements = DriverStatements(self._standalone.engine.dialect)
        # PostgreSQL's NOTIFY, heard on one connection of its own once `notifications.start()` runs.
        self.notifications = None if self.is_sqlite else Notifications(self.url)
        # Which tables changed (`changes`): this process's writes as they commit, others' by NOTIFY.
        self.changes = TableChanges()
        self._report_changes()
        # The connection `reads_together` holds, with the task holding it: a task started inside
        # the block copies the context, and must not share the connection (nor keep it after).
        self._held: ContextVar[tuple[object, AsyncConnection] | None] = ContextVar(
            f"held-{id(self)}", default=None
        )

    def _report_changes(self) -> None:
        """Every engine's INSERT, UPDATE and DELETE to `changes` (the driver's own writes report
        themselves, in `write_returning`), and on PostgreSQL other processes' by NOTIFY."""
        standalone = self._standalone.engine
        syncs = {self.engine.sync_engine, self._read_engine.sync_engine}
        syncs.add(standalone if isinstance(standalone, Engine) else standalone.sync_engine)
        for sync in syncs:
            event.listen(sync, "after_cursor_execute", self.changes.on_execute)
        if self.notifications is not None:
            self.notifications.subscribe(CHANGES_CHANNEL, self.changes.changed)

    def _engine(self, *, echo: bool, autocommit: bool = False, pool: Mapping[str, int]) -> AsyncEngine:
        """An engine on this database; on SQLite, inline (`_sqlite_inline`) with its pragmas, and
        never in autocommit (the sqlite3 module's own transactions are what the writers' queue
        follows)."""
        if self.is_sqlite:
            engine = create_async_engine(
                self.url, echo=echo, json_serializer=json_text, **pool, **self._sqlite_inline()
            )
            event.listen(engine.sync_engine, "connect", self._sqlite_connected)
            return engine
        isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
        return create_async_engine(self.url, echo=echo, json_serializer=json_text, **pool, **isolation)

    def _sqlite_connected(self, dbapi_connection: Any, record: Any) -> None:
        """A new SQLite connection's pragmas; the file's checkpoints start with its first one."""
        _sqlite_pragmas(dbapi_connection, record)
        if self._checkpoints is not None:
            self._checkpoints.start()
            _without_autocheckpoint(dbapi_connection)

    def _sqlite_inline(self) -> dict[str, Any]:
        """SQLite runs on the event loop's thread (`inline_sqlite`), its writers queued there."""
        if not self.is_sqlite:
            return {}
        path = self.url.database or ":memory:"
        lock = self._write_lock()
        uri = bool(self.url.query.get("uri"))
        return {"async_creator": inline_sqlite.connector(path, uri=uri, write_lock=lock)}

    def _write_lock(self) -> inline_sqlite.WriteLock:
        """This process's queue of writers to the SQLite file (one per file, whoever asks)."""
        return inline_sqlite.WriteLock(self.url.database or ":memory:", timeout_s=BUSY_TIMEOUT_S)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def __repr__(self) -> str:  # never the password
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self.changes.unit():
            async with self._sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A transaction for Core statements only: `session` without the ORM session around it,
        a tenth less CPU per transaction on the paths that write at every step (the chat turn)."""
        with self.changes.unit():
            async with self.engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads that need no common snapshot (each statement sees the latest
        commits): the hot paths' one-query lookups. Writes belong in `session`."""
        async with self._reads() as session, session.begin():
            yield session

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> ResultRow | None:
        """The first row of a Core ``statement`` that only reads, each statement seeing the latest
        commits: on PostgreSQL on a held connection (`HeldConnections`), on SQLite on the thread's
        own (`ThreadConnections`), and a SELECT the app runs again and again on the driver's own
        connection (`driver_statements`). A fraction of an ORM session's CPU, for the lookups every
        request makes (`store.rows.entity` turns its columns back into objects)."""
        read = self._driver_statements.prepared(statement, params)
        if read is None:
            return await self._read(statement, params, CursorResult.first)
        if isinstance(self._standalone, ThreadConnections):
            return self._standalone.on_driver(lambda driver: read.first_blocking(driver, params))
        return await self._on_driver(read.first, params)

    def commits_elsewhere(self) -> Hashable | None:
        """SQLite: a stamp that changes whenever another connection commits to the file (another
        process, or this one's other engine), for the caches that cannot hear NOTIFY; read once
        per HTTP request (`request_stamps`). None on PostgreSQL, where `notifications` tell."""
        if isinstance(self._standalone, ThreadConnections):
            return request_stamps.stamp(id(self), self._standalone.commits_elsewhere)
        return None

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[ResultRow]:
        """Every row of a Core ``statement``, read as `first` reads one."""
        read = self._driver_statements.prepared(statement, params)
        if read is None:
            return list(await self._read(statement, params, CursorResult.all))
        if isinstance(self._standalone, ThreadConnections):
            return self._standalone.on_driver(lambda driver: read.all_blocking(driver, params))
        return await self._on_driver(read.all, params)

    @asynccontextmanager
    async def reads_together(self) -> AsyncIterator[None]:
        """`first` and `rows` in this block, in this task, share one connection: a run of reads
        that follow each other (a turn's load) takes one held connection, not one each. Hold it
        for reads only, never across a wait on anything else. (SQLite's reads on one thread share
        one connection anyway.)"""
        if not isinstance(self._standalone, HeldConnections):
            yield
            return
        async with self._standalone.connection() as connection:
            token = self._held.set((asyncio.current_task(), connection))
            try:
                yield
            finally:
                self._held.reset(token)

    async def _read(
        self, statement: Executable, params: Mapping[str, Any], fetch: Callable[[CursorResult[Any]], T]
    ) -> T:
        held = self._held.get()
        if held is not None and held[0] is asyncio.current_task():
            return fetch(await held[1].execute(statement, params))
        return await self._standalone.read(statement, params, fetch)

    async def _on_driver(
        self, work: Callable[[Any, Mapping[str, Any]], Awaitable[T]], params: Mapping[str, Any]
    ) -> T:
        held = self._held.get()
        if held is not None and held[0] is asyncio.current_task():
            return await work(driver_connection(held[1]), params)
        assert isinstance(self._standalone, HeldConnections)  # SQLite's are run synchronously above
        return await self._standalone.on_driver(lambda driver: work(driver, params))

    async def execute_alone(self, statement: Executable, params: Sequence[Mapping[str, Any]]) -> None:
        """Run one Core write that needs no other statement with it (an INSERT of log records),
        all rows or none: one row as `write_returning` runs it, in autocommit on PostgreSQL."""
        if len(params) == 1:
            await self.write_returning(statement, params[0])
            return
        if await self._many_on_driver(statement, params):
            return
        with self.changes.unit():
            async with self.engine.begin() as connection:  # psycopg sends many rows as separate
                await connection.execute(statement, params)  # statements: only a transaction keeps them whole

    async def insert_taking(
        self, statement: Executable, shape: Mapping[str, Any], take: Callable[[], Sequence[Mapping[str, Any]]]
    ) -> bool:
        """PostgreSQL: the INSERT ``statement`` for the rows ``take()`` returns (each with the
        names of ``shape``), as one COPY opened before they are taken, so rows that arrive during
        its first round trip go with it. False, without calling ``take``, where that does not
        apply (SQLite, or a statement that is not yet or cannot be sent as a COPY)."""
        if isinstance(self._standalone, ThreadConnections):
            return False
        write = self._driver_statements.prepared(statement, shape)
        if write is None or not write.copies:
            return False
        await self._standalone.on_driver(lambda driver: write.many_taken(driver, take))
        self.changes.written(write.table)
        return True

    def insert_now(self, statement: Executable, params: Sequence[Mapping[str, Any]]) -> bool:
        """SQLite: the INSERT ``statement`` for ``params``' rows, all rows or none, committed
        before this returns; False, with nothing run, where that cannot be done without waiting
        (PostgreSQL, or another writer of this process at work)."""
        if not isinstance(self._standalone, ThreadConnections):
            return False
        write = self._driver_statements.prepared(statement, params[0])
        if write is None or any(set(row) != set(params[0]) for row in params):
            return self._standalone.write_many_now(statement, params)  # the engine reports the table
        ran = self._standalone.driver_write_now(lambda driver: write.many_blocking(driver, params))
        if ran:
            self.changes.written(write.table)
        return ran

    async def _many_on_driver(self, statement: Executable, params: Sequence[Mapping[str, Any]]) -> bool:
        """``params``' rows at once on the driver's own connection, as one row goes
        (`write_returning`); False when the statement does not run there. On SQLite in one
        transaction of the thread's own connection, whose commit leaves that connection's data
        version be, so the row caches keep what they hold (`commits_elsewhere`). On PostgreSQL
        an INSERT goes as one COPY (`DriverStatement.many`)."""
        names = set(params[0])
        write = self._driver_statements.prepared(statement, params[0])
        if write is None or any(set(row) != names for row in params):
            return False
        if isinstance(self._standalone, ThreadConnections):
            await self._standalone.on_driver_write(lambda driver: write.many_blocking(driver, params))
        elif write.copies:
            await self._standalone.on_driver(lambda driver: write.many(driver, params))
        else:
            return False
        self.changes.written(write.table)
        return True

    async def write_returning(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[ResultRow]:
        """Run one Core write, a transaction on its own, and return its RETURNING rows (none if it
        has no RETURNING). One statement is atomic by itself, so on PostgreSQL it runs in
        autocommit: one round trip instead of three (BEGIN, the statement, COMMIT). One run
        again and again goes to the driver as `first` does."""
        with self.changes.unit():
            write = self._driver_statements.prepared(statement, params)
            if write is None:
                return await self._standalone.write(statement, params, _returned_rows)
            if isinstance(self._standalone, ThreadConnections):
                rows = await self._standalone.on_driver_write(
                    lambda driver: write.all_blocking(driver, params)
                )
            else:
                rows = await self._standalone.on_driver(lambda driver: write.all(driver, params))
            self.changes.written(write.table)  # the driver's own connection fires no engine event
            return rows

    async def migrate(self) -> None:
        """Apply every migration not yet applied (the same scripts for SQLite and PostgreSQL)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.notifications is not None:
            await self.notifications.stop()
        await self._standalone.close()
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()
        if self._checkpoints is not None:  # after the connections: closing the last checkpoints too
            self._checkpoints.stop()


def _checkpoints_of(url: URL) -> WalCheckpoints | None:
    """Checkpoints for a SQLite file named by path; none for memory, a URI or another database."""
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or url.query.get("uri"):
        return None
    return WalCheckpoints(path)


def _returned_rows(result: CursorResult[Any]) -> list[Row[Any]]:
    return list(result) if result.returns_rows else []


def ping_when_idle(engine: AsyncEngine, *, idle_s: float) -> None:
    """Ping a pooled connection before use when it sat idle ``idle_s`` or more.

    A server connection goes stale while idle (a restart, an idle timeout, a firewall): that is
    when the ping pays. SQLAlchemy's ``pool_pre_ping`` pings on every checkout, a round trip that
    cost each session a quarter of its CPU under load, when a busy connection is seldom stale. A
    connection that fails the ping is replaced (SQLAlchemy's documented DisconnectionError
    recipe); one that breaks while in use fails that one request, and SQLAlchemy then renews the
    whole pool.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError("the pooled connection did not answer a ping") from exc


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the migrations shipped in this package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", "actionforge.store:migrations")
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
