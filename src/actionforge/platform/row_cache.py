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
between. A lookup that found nothing is never kept (guessed tokens would fill the cache). SQLite
has no notifications, and its lookups cost about 13 µs: there, nothing is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Executable

from actionforge.store import Database
from actionforge.store.rows import ResultRow

MAX_ENTRIES = 10_000


class RowCache:
    def __init__(
        self,
        *,
        ttl_s: float,
        is_live: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._ttl_s = ttl_s
        self._is_live = is_live
        self._clock = clock
        self._max_entries = max_entries
        self._rows: dict[str, tuple[ResultRow, float]] = {}  # key -> (row, stored at)
        self._generation = 0

    @classmethod
    def of_tables(cls, db: Database, tables: Iterable[str], *, ttl_s: float) -> RowCache:
        """A cache emptied by every committed change to ``tables`` and every gap in the
        notifications; on a database without notifications (SQLite), one that keeps nothing."""
        notifications = db.notifications
        if notifications is None:
            return cls(ttl_s=0, is_live=lambda: False)
        cache = cls(ttl_s=ttl_s, is_live=lambda: notifications.live)
        db.changes.watch(tables, cache.flush)
        notifications.on_gap(cache.flush)
        return cache

    async def first(
        self, db: Database, statement: Executable, params: Mapping[str, Any], key: str
    ) -> ResultRow | None:
        """`Database.first`, or the row it answered for ``key`` before."""
        row = self.get(key)
        if row is None:
            generation = self._generation  # before the read: a change during it voids the row
            row = await db.first(statement, params)
            if row is not None:
                self.put(key, row, generation)
        return row

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

    def flush(self) -> None:
        self._rows.clear()
        self._generation += 1
