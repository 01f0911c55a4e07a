"""API-token and session lookups, reused while no account, session or token has changed.

Why: on PostgreSQL the lookup is a round trip on every request, and it was the largest single
cost of a light one (a GPT read: about 400 of 850 µs of CPU in process). A row is reused only
while the process hears every change: each write to ``users``, ``sessions`` or ``api_tokens``
(but a token's ``last_used_at``) sends ``NOTIFY actionforge_accounts`` from a trigger (migration
0007), at commit, to every process, and each empties its cache. So a revoked token or an ended
session is refused everywhere as soon as the revoking transaction commits; ``ttl_s`` bounds only
a notification lost while the listener's connection was down and not yet noticed.

A lookup that started before a change must not put its older row back after the change emptied
the cache: `put` takes the generation read before the lookup and is ignored if a flush came
between. A failed lookup is never cached (guessed tokens would fill it). SQLite has no
notifications, and its lookup costs about 13 µs: there, nothing is cached.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from actionforge.store.notifications import Notifications
from actionforge.store.rows import ResultRow

CHANNEL = "actionforge_accounts"
MAX_ENTRIES = 10_000


class CredentialCache:
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
    def listening(cls, notifications: Notifications | None, *, ttl_s: float) -> CredentialCache:
        """A cache emptied by every change notification and every gap in them; on a database
        without notifications (SQLite), one that never holds anything."""
        if notifications is None:
            return cls(ttl_s=0, is_live=lambda: False)
        cache = cls(ttl_s=ttl_s, is_live=lambda: notifications.live)
        notifications.subscribe(CHANNEL, lambda _table: cache.flush())
        notifications.on_gap(cache.flush)
        return cache

    @property
    def generation(self) -> int:
        """Read before a lookup and given to `put` with its row."""
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

    def forget(self, key: str) -> None:
        self._rows.pop(key, None)

    def flush(self) -> None:
        self._rows.clear()
        self._generation += 1
