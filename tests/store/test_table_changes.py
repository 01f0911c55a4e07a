"""`Database.changes`: a committed write to a watched table is reported once, after its commit,
whichever way it was written; one that raised is not; and on PostgreSQL another process's write
is heard through the trigger's NOTIFY."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

import psycopg
import pytest
from sqlalchemy import Table, insert, text, update

from actionforge.store import Database
from actionforge.store.changes import WATCHED
from actionforge.store.tables import User

USERS = cast(Table, User.__table__)
WAIT_S = 10.0  # an upper bound for a notification that arrives in milliseconds


def a_user(n: int) -> dict[str, object]:
    return {
        "id": f"usr_{n}", "email": f"u{n}@example.com", "display_name": "U", "password_hash": "x",
        "is_active": True, "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


def watched(db: Database) -> list[str]:
    heard: list[str] = []
    db.changes.watch(["users"], lambda: heard.append("users"))
    db.changes.watch(["gpts"], lambda: heard.append("gpts"))
    return heard


async def test_each_way_of_writing_reports_after_its_commit(db: Database) -> None:
    heard = watched(db)
    async with db.session() as s:  # the ORM's unit of work
        s.add(User(**a_user(1)))
        await s.flush()
        assert heard == []  # written, not yet committed
    assert heard == ["users"]
    async with db.transaction() as connection:  # Core
        await connection.execute(insert(USERS), [a_user(2)])
        await connection.execute(update(USERS).where(USERS.c.id == "usr_2").values(display_name="V"))
        assert heard == ["users"]
    assert heard == ["users", "users"]  # once per transaction, however many statements
    rename = update(USERS).where(USERS.c.id == "usr_1").values(display_name="W")
    for _ in range(3):  # the second and later run on the driver's own connection
        await db.write_returning(rename, {})
    await db.execute_alone(insert(USERS), [a_user(3), a_user(4)])
    assert heard == ["users"] * 6


async def add_then_fail(db: Database) -> None:
    async with db.session() as s:
        s.add(User(**a_user(1)))
        await s.flush()
        raise RuntimeError("rolled back")


async def test_a_write_that_raised_or_to_another_table_reports_nothing(db: Database) -> None:
    heard = watched(db)
    with pytest.raises(RuntimeError, match="rolled back"):
        await add_then_fail(db)
    async with db.transaction() as connection:
        await connection.execute(text("SELECT 1"))
    assert heard == []
    with pytest.raises(ValueError, match="not among the tables"):
        db.changes.watch(["action_calls"], print)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_another_processs_write_is_heard_through_its_trigger(db: Database) -> None:
    heard = asyncio.Event()
    db.changes.watch(["users"], heard.set)
    assert db.notifications is not None
    await db.notifications.start()
    libpq = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(libpq, autocommit=True) as other:
        await other.execute(
            "INSERT INTO users (id, email, display_name, password_hash, is_active, created_at)"
            " VALUES ('usr_9', 'x@example.com', 'X', 'x', true, now())"
        )
    await asyncio.wait_for(heard.wait(), WAIT_S)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_watched_table_has_its_trigger(db: Database) -> None:
    """`watch` refuses a table without one; this checks the migrations gave each the trigger."""
    async with db.engine.connect() as connection:
        found = await connection.scalars(
            text("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%\\_changed'")
        )
        assert set(found) == WATCHED
