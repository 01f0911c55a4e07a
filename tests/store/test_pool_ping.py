"""PostgreSQL connections that sat idle are pinged before use, and a dead one is replaced: a
server restart or an idle timeout costs no request. Busy connections are not pinged."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from actionforge.store import Database

POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def end_every_session(database_url: str) -> None:
    """What a server restart does to our pooled connections."""
    name = make_url(database_url).database
    libpq = make_url(database_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


async def answer(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(text("SELECT 41 + 1"))).scalar_one())


async def read_answer(db: Database) -> int:
    async with db.read() as s:
        return int((await s.execute(text("SELECT 42"))).scalar_one())


@POSTGRES_ONLY
async def test_an_idle_connection_killed_by_the_server_is_replaced_before_use(database_url: str) -> None:
    db = Database(database_url, ping_idle_s=0)  # every checked-in connection counts as idle
    try:
        assert (await answer(db), await read_answer(db)) == (42, 42)
        end_every_session(database_url)
        assert (await answer(db), await read_answer(db)) == (42, 42)
    finally:
        await db.dispose()


@POSTGRES_ONLY
async def test_a_busy_connection_is_not_pinged(database_url: str) -> None:
    db = Database(database_url, ping_idle_s=3600)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        for _ in range(3):
            assert await answer(db) == 42
        assert statements == ["SELECT 41 + 1"] * 3  # no "SELECT 1" before each
        end_every_session(database_url)
        with pytest.raises(DBAPIError):  # not idle long enough to be pinged: this request fails
            await answer(db)
        assert await answer(db) == 42  # and SQLAlchemy has renewed the pool for the next one
    finally:
        await db.dispose()
