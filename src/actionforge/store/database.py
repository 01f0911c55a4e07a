"""The database: an async engine for SQLite (aiosqlite) or PostgreSQL (psycopg 3), migrated on start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from actionforge.store import inline_sqlite

BUSY_TIMEOUT_S = 30
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


class Database:
    """One engine and its session factory. ``session()`` is a unit of work: commit or roll back."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        # A server connection can go stale (a restart, an idle timeout): PostgreSQL's are pinged on
        # checkout. A SQLite file cannot, and the ping costs each session a round trip to
        # aiosqlite's thread, so SQLite's are not.
        self.engine: AsyncEngine = create_async_engine(
            self.url, echo=echo, pool_pre_ping=not self.is_sqlite, **self._sqlite_inline()
        )
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def _sqlite_inline(self) -> dict[str, Any]:
        """SQLite runs on the event loop's thread (`inline_sqlite`), its writers queued there."""
        if not self.is_sqlite:
            return {}
        path = self.url.database or ":memory:"
        lock = inline_sqlite.WriteLock(timeout_s=BUSY_TIMEOUT_S)
        uri = bool(self.url.query.get("uri"))
        return {"async_creator": inline_sqlite.connector(path, uri=uri, write_lock=lock)}

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def __repr__(self) -> str:  # never the password
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        async with self._sessions() as session, session.begin():
            yield session

    async def migrate(self) -> None:
        """Apply every migration not yet applied (the same scripts for SQLite and PostgreSQL)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the migrations shipped in this package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", "actionforge.store:migrations")
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
