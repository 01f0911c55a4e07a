"""Rows that every request looks up, reused while nothing they were read from has changed.

Why: on PostgreSQL each lookup is a round trip, and they were the largest costs of a light
request: who is calling (the API token or session, about 400 of 850 µs of CPU of a GPT read in
process) and may they edit this GPT or action. A row is reused only while the process hears every
change to the tables it came from (`store.changes`): this process's own writes as they commit, and
every other process's through NOTIFY. So a revoked token, an ended session or a removed member is
refused everywhere as soon as the change commits. ``ttl_s`` bounds only a notification lost while
the listener's connection was down and not yet noticed; while it is known to be down, nothing is
served from here.

A lookup that started before a change must not put its older row back after the change emptied
the cache: `put` takes the generation read before the lookup and is ignored if a flush came
between. A lookup that found nothing is never kept (guessed tokens would fill the cache).

SQLite has no notifications. There every lookup first asks the file whether a connection other
than this thread's own has committed since the last lookup (``PRAGMA data_version``, about 3 µs):
another process, or this process's other engine. If one has, the cache is emptied first. Its
lookups cost about 15 µs each alone, but 70-80 µs under load, two per request.

What a request makes of a row (`built`: the `User`, `Workspace` or `Action` of `rows.entity`) is
kept with it, and made again only when the row is read again: making the three objects of a
test-operation request cost it about 30 µs under load. Those objects are shared by every request
that gets the row, so no caller may change one; code that changes a row loads its own in a
session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Executable

from actionforge.store import Database
from actionforge.store.rows import ResultRow

MAX_ENTRIES = 10_000
B = TypeVar("B")


class RowCache:
    def __init__(
        self,
        *,
        ttl_s: float,
        is_live: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
        commits_elsewhere: Callable[[], Hashable] | None = None,
    ) -> None:
        self._ttl_s = ttl_s
        self._is_live = is_live
        self._clock = clock
        self._max_entries = max_entries
        self._rows: dict[str, tuple[ResultRow, float]] = {}  # key -> (row, stored at)
        self._built: dict[str, tuple[ResultRow, Any]] = {}  # key -> (row, what was made of it)
        self._generation = 0
        # SQLite: a stamp that moves when another connection commits (`Database.commits_elsewhere`).
        self._commits_elsewhere = commits_elsewhere
        self._stamp: Hashable = None

    @classmethod
    def of_tables(cls, db: Database, tables: Iterable[str], *, ttl_s: float) -> RowCache:
        """A cache emptied by every committed change to ``tables`` made in this process, and by
        every other process's: heard through NOTIFY (and every gap in it) on PostgreSQL, seen in
        the file's data version on SQLite."""
        notifications = db.notifications
        if notifications is None:
            cache = cls(ttl_s=ttl_s, is_live=lambda: True, commits_elsewhere=db.commits_elsewhere)
        else:
            cache = cls(ttl_s=ttl_s, is_live=lambda: notifications.live)
            notifications.on_gap(cache.flush)
        db.changes.watch(tables, cache.flush)
        return cache

    async def first(
        self, db: Database, statement: Executable, params: Mapping[str, Any], key: str
    ) -> ResultRow | None:
        """`Database.first`, or the row it answered for ``key`` before."""
        self._forget_commits_elsewhere()
        row = self.get(key)
        if row is None:
            generation = self._generation  # before the read: a change during it voids the row
            row = await db.first(statement, params)
            if row is not None:
                self.put(key, row, generation)
        return row

    def built(self, key: str, row: ResultRow, build: Callable[[ResultRow], B]) -> B:
        """``build(row)`` for the row `first` answered for ``key``, made once per row read: the
        same object while the cache serves the same row (so never change it; see above)."""
        found = self._built.get(key)
        if found is not None and found[0] is row:
            made: B = found[1]
            return made
        made = build(row)
        if len(self._built) >= self._max_entries:
            self._built.clear()
        self._built[key] = (row, made)
        return made

    @property
    def generation(self) -> int:
        """Read before a lookup and given to `put` with its row; it grows with every flush."""
        return self._generation

    def get(self, key: str) -> ResultRow | None:
        found = self._rows.get(key)
        if found is None or not self._is_live():
            return None
        row, stored_at = found
        if self._clock() - stored_at >= self._ttl_s:
            del self._rows[key]
            return None
        return row

    def put(self, key: str, row: ResultRow, generation: int) -> None:
        if generation != self._generation or self._ttl_s <= 0 or not self._is_live():
            return
        if len(self._rows) >= self._max_entries:
            del self._rows[next(iter(self._rows))]  # the oldest stored
        self._rows[key] = (row, self._clock())

    def _forget_commits_elsewhere(self) -> None:
        """Empty the cache if another connection committed since the last lookup (SQLite)."""
        if self._commits_elsewhere is None:
            return
        stamp = self._commits_elsewhere()
        if stamp != self._stamp:
            self._stamp = stamp
            self.flush()

    def flush(self) -> None:
        self._rows.clear()
        self._built.clear()
        self._generation += 1
