"""SQLite's commit stamp is read once per request, in the request's own task only."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Hashable
from pathlib import Path

from actionforge.store import Database
from actionforge.store.request_stamps import one_stamp_per_request, stamp


def counter() -> Callable[[], Hashable]:
    """A stamp reader whose stamps count its reads: 1, 2, 3..."""
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    return read


async def test_outside_a_request_every_ask_reads() -> None:
    read = counter()
    assert [stamp(1, read), stamp(1, read)] == [1, 2]


async def test_in_a_request_each_owner_reads_once() -> None:
    read = counter()
    with one_stamp_per_request():
        assert [stamp(1, read), stamp(1, read), stamp(2, read), stamp(2, read)] == [1, 1, 2, 2]
    assert stamp(1, read) == 3  # the request is over


async def test_a_task_the_request_starts_reads_its_own() -> None:
    read = counter()
    with one_stamp_per_request():
        assert stamp(1, read) == 1

        async def later() -> list[Hashable]:
            return [stamp(1, read), stamp(1, read)]

        assert await asyncio.create_task(later()) == [2, 3]
        assert stamp(1, read) == 1


async def test_another_connection_s_commit_is_seen_by_the_next_request(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/stamps.db")
    await db.migrate()
    try:
        other = sqlite3.connect(tmp_path / "stamps.db")
        with one_stamp_per_request():
            before = db.commits_elsewhere()
            other.execute("CREATE TABLE elsewhere (x)")
            other.commit()
            assert db.commits_elsewhere() == before  # within the request: the stamp it began with
        with one_stamp_per_request():
            assert db.commits_elsewhere() != before
        other.close()
    finally:
        await db.dispose()
