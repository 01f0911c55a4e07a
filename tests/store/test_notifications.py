"""`Database.notifications`: one LISTEN connection per process that hands each channel's payloads
to its subscribers, and tells them of every gap in which one could have been lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from actionforge.store import Database
from actionforge.store.notifications import Notifications

WAIT_S = 10.0  # an upper bound for what arrives in milliseconds; never a duration the test needs


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


def _libpq(db: Database) -> str:
    return db.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _notify(db: Database, channel: str, payload: str) -> None:
    async with await psycopg.AsyncConnection.connect(_libpq(db), autocommit=True) as connection:
        await connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))


async def _next(queue: asyncio.Queue[str]) -> str:
    return await asyncio.wait_for(queue.get(), WAIT_S)


def _postgres_only(db: Database) -> Notifications:
    assert db.notifications is not None
    return db.notifications


def test_sqlite_has_no_channel_and_says_so(tmp_path: Path) -> None:
    assert Database(f"sqlite:///{tmp_path / 'x.db'}").notifications is None


POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@POSTGRESQL
async def test_a_payload_sent_by_another_connection_reaches_the_channels_subscriber(db: Database) -> None:
    notifications = _postgres_only(db)
    heard: asyncio.Queue[str] = asyncio.Queue()
    other: asyncio.Queue[str] = asyncio.Queue()
    notifications.subscribe("af_test_one", heard.put_nowait)
    notifications.subscribe("af_test_two", other.put_nowait)
    assert not notifications.live
    await notifications.start()
    assert notifications.live
    await _notify(db, "af_test_one", "conv_1")
    await _notify(db, "af_test_two", "conv_2")
    assert await _next(heard) == "conv_1"
    assert await _next(other) == "conv_2"
    assert heard.empty()


@POSTGRESQL
async def test_a_lost_connection_is_a_gap_then_listening_resumes(db: Database) -> None:
    notifications = _postgres_only(db)
    notifications._retry_s = 0.01  # reconnect at once; the default waits a second
    heard: asyncio.Queue[str] = asyncio.Queue()
    gaps: asyncio.Queue[bool] = asyncio.Queue()
    notifications.subscribe("af_test_one", heard.put_nowait)
    notifications.on_gap(lambda: gaps.put_nowait(notifications.live))
    await notifications.start()
    assert await asyncio.wait_for(gaps.get(), WAIT_S) is True  # up: anything sent before was missed
    first_backend = notifications.backend_pid
    async with await psycopg.AsyncConnection.connect(_libpq(db), autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (first_backend,))
    assert await asyncio.wait_for(gaps.get(), WAIT_S) is False  # down
    assert await asyncio.wait_for(gaps.get(), WAIT_S) is True  # back, on a new connection
    assert notifications.live
    assert notifications.backend_pid != first_backend
    await _notify(db, "af_test_one", "after")
    assert await _next(heard) == "after"


@POSTGRESQL
async def test_subscribing_after_start_and_bad_channel_names_are_refused(db: Database) -> None:
    notifications = _postgres_only(db)
    with pytest.raises(ValueError, match="not a channel name"):
        notifications.subscribe("x; DROP TABLE users", print)
    await notifications.start()
    with pytest.raises(RuntimeError, match="subscribe before"):
        notifications.subscribe("af_test_late", print)
    await notifications.stop()
    assert not notifications.live
