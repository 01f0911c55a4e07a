"""SQLite's WAL checkpoints run on their own thread: our connections never checkpoint inside a
commit (which would hold the event loop), and the thread copies the log into the file, round by
round, until it is stopped. The rounds' pauses are driven by the tests, not slept."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from actionforge.store import Database
from actionforge.store.wal_checkpoints import WalCheckpoints

TIMEOUT_S = 10


class Ticks:
    """The checkpoint thread's pause, held by the test: each `tick` lets one round run, and
    returns once the thread is back in its pause (that round done)."""

    def __init__(self) -> None:
        self._go: queue.Queue[bool] = queue.Queue()
        self._paused: queue.Queue[None] = queue.Queue()

    def wait(self, _seconds: float) -> bool:
        self._paused.put(None)
        return self._go.get(timeout=TIMEOUT_S)

    def first_pause(self) -> None:
        self._paused.get(timeout=TIMEOUT_S)

    def tick(self) -> None:
        self._go.put(False)
        self._paused.get(timeout=TIMEOUT_S)

    def stop(self) -> None:
        self._go.put(True)


def log_with_frames(path: Path, rows: int = 200) -> None:
    """A WAL-mode file whose log holds ``rows`` commits no checkpoint has copied yet."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, body TEXT)")
    for _ in range(rows):
        connection.execute("INSERT INTO t (body) VALUES (?)", ("x" * 500,))
    # Kept open: closing the last connection would checkpoint the log itself.
    held.append(connection)


held: list[sqlite3.Connection] = []


@pytest.fixture(autouse=True)
def close_held() -> Iterator[None]:
    yield
    while held:
        held.pop().close()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def checkpoints(tmp_path: Path, ticks: Ticks) -> Iterator[WalCheckpoints]:
    found = WalCheckpoints(str(tmp_path / "wal.db"), wait=ticks.wait)
    yield found
    if found.running:
        ticks.stop()
        found.stop()


def test_a_round_copies_every_frame_of_the_log(
    tmp_path: Path, checkpoints: WalCheckpoints, ticks: Ticks
) -> None:
    log_with_frames(tmp_path / "wal.db")
    checkpoints.start()
    ticks.first_pause()
    assert checkpoints.last is None  # nothing before the first pause ends
    ticks.tick()
    assert checkpoints.last is not None
    busy, pages, copied = checkpoints.last
    assert (busy, copied) == (0, pages)
    assert pages > 100


def test_stop_ends_the_thread_and_start_runs_one_thread_only(
    checkpoints: WalCheckpoints, ticks: Ticks
) -> None:
    checkpoints.start()
    checkpoints.start()
    ticks.first_pause()
    threads = [t for t in threading.enumerate() if t.name == "sqlite-checkpoints"]
    assert len(threads) == 1
    assert checkpoints.running
    ticks.stop()
    checkpoints.stop()
    assert not checkpoints.running
    assert not threads[0].is_alive()


def test_a_failing_round_is_logged_once_and_the_next_rounds_go_on(
    tmp_path: Path, checkpoints: WalCheckpoints, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    checkpoints.start()
    ticks.first_pause()
    with caplog.at_level(logging.WARNING, logger="actionforge.store"):
        ticks.tick()  # no file yet: mode=rw does not make one
        ticks.tick()
    assert not (tmp_path / "wal.db").exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"sqlite checkpoint of {tmp_path / 'wal.db'} failed: unable to open database file"
    ]
    log_with_frames(tmp_path / "wal.db")
    ticks.tick()
    assert checkpoints.last is not None
    assert checkpoints.last[2] > 0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    yield database
    await database.dispose()


async def test_our_connections_leave_checkpoints_to_the_thread(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
        setting = (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
    standalone = await db.first(text("PRAGMA wal_autocheckpoint"), {})
    assert setting == 0
    assert standalone is not None
    assert standalone[0] == 0
    assert all(t.daemon for t in checkpoint_threads())


def checkpoint_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "sqlite-checkpoints"}


async def test_the_thread_starts_with_the_first_connection_and_ends_with_dispose(tmp_path: Path) -> None:
    earlier = checkpoint_threads()
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    assert checkpoint_threads() == earlier  # no connection yet, no thread
    await database.first(text("SELECT 1"), {})
    (started,) = checkpoint_threads() - earlier
    await database.dispose()
    assert not started.is_alive()


async def test_memory_and_postgresql_have_no_checkpoint_thread(database_url: str) -> None:
    """``database_url`` is a SQLite file or PostgreSQL: the file's case is the test above."""
    urls = ["sqlite:///:memory:"] + ([database_url] if database_url.startswith("postgresql") else [])
    earlier = checkpoint_threads()
    for url in urls:
        database = Database(url)
        try:
            await database.first(text("SELECT 1"), {})
            assert checkpoint_threads() == earlier, url
        finally:
            await database.dispose()
