"""`RowCache` on its own: what it keeps, for how long, and what it refuses to keep."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from sqlalchemy import literal, select

from actionforge.platform.row_cache import MAX_ENTRIES, RowCache
from actionforge.store import Database
from actionforge.store.rows import ResultRow


def row(name: str) -> ResultRow:
    """A stand-in row: the cache only holds rows and hands the same object back."""
    return cast(ResultRow, (name,))


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Listener:
    """Stands for `Notifications.live`: whether every change would be heard right now."""

    def __init__(self) -> None:
        self.live = True


def cache(ttl_s: float = 10.0, max_entries: int = MAX_ENTRIES) -> tuple[RowCache, Monotonic, Listener]:
    clock, listener = Monotonic(), Listener()
    found = RowCache(ttl_s=ttl_s, is_live=lambda: listener.live, clock=clock, max_entries=max_entries)
    return found, clock, listener


def test_a_row_is_reused_until_its_time_is_up() -> None:
    credentials, clock, _ = cache(ttl_s=10)
    credentials.put("token:a", row("row"), credentials.generation)
    clock.now += 9.9
    assert credentials.get("token:a") == row("row")
    clock.now += 0.1
    assert credentials.get("token:a") is None
    assert credentials.get("token:b") is None


def test_a_flush_during_a_lookup_voids_the_row_it_read() -> None:
    credentials, _, _ = cache()
    before = credentials.generation  # the lookup starts
    credentials.flush()  # a revocation commits while it reads
    credentials.put("token:a", row("stale"), before)
    assert credentials.get("token:a") is None
    credentials.put("token:a", row("fresh"), credentials.generation)
    assert credentials.get("token:a") == row("fresh")
    credentials.flush()
    assert credentials.get("token:a") is None


def test_nothing_is_kept_or_served_while_changes_could_go_unheard() -> None:
    credentials, _, listener = cache()
    credentials.put("token:a", row("row"), credentials.generation)
    listener.live = False
    assert credentials.get("token:a") is None
    credentials.put("token:b", row("row"), credentials.generation)
    listener.live = True
    assert credentials.get("token:b") is None


def test_a_full_cache_drops_its_oldest() -> None:
    credentials, _, _ = cache(max_entries=2)
    for key in ("a", "b", "c"):
        credentials.put(key, row(key), credentials.generation)
    assert [credentials.get(key) for key in ("a", "b", "c")] == [None, row("b"), row("c")]


def test_a_zero_lifetime_keeps_nothing() -> None:
    credentials = cache(ttl_s=0)[0]
    credentials.put("token:a", row("row"), credentials.generation)
    assert credentials.get("token:a") is None


class Made:
    """What a request makes of a row (a `User`, say), counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, found: ResultRow) -> list[object]:
        self.count += 1
        return [found]


def test_what_is_made_of_a_row_is_made_once_while_the_row_is_served() -> None:
    credentials, _, _ = cache()
    made, served = Made(), row("row")
    credentials.put("token:a", served, credentials.generation)
    first = credentials.built("token:a", served, made)
    assert credentials.built("token:a", credentials.get("token:a") or row("none"), made) is first
    assert made.count == 1
    other = row("other")  # another key's row is made on its own
    assert credentials.built("token:b", other, made) == [other]
    assert made.count == 2


def test_a_row_read_again_is_made_again() -> None:
    credentials, _, _ = cache()
    made, old = Made(), row("old")
    first = credentials.built("token:a", old, made)
    credentials.flush()  # a change: the next lookup reads a new row
    new = row("new")
    assert credentials.built("token:a", new, made) == [new]
    assert credentials.built("token:a", new, made) is not first
    assert made.count == 2


async def test_on_sqlite_a_commit_by_another_connection_empties_the_cache(tmp_path: Path) -> None:
    """The file's data version moves for every other connection's commit (another process's,
    or the sqlite3 shell's), never for the asking connection's own, which `store.changes`
    reports instead."""
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    await db.migrate()
    users = RowCache.of_tables(db, ["users"], ttl_s=10)
    select_one = select(literal(1).label("one"))
    assert await users.first(db, select_one, {}, "k") is not None
    kept = users.get("k")
    assert kept is not None
    assert await users.first(db, select_one, {}, "k") is kept  # nothing committed: the same row
    with sqlite3.connect(tmp_path / "x.db") as shell:
        shell.execute("CREATE TABLE unrelated (x INTEGER)")  # any commit by another connection
    generation = users.generation
    assert await users.first(db, select_one, {}, "k") is not kept
    assert users.generation == generation + 1
    await db.dispose()
