"""Loaded engine Actions kept between calls, so a call neither re-validates the stored document nor
opens a new connection to the API: the engine's `Action` holds a pooled client on the egress guard.

A cache, not state: losing it costs time, never correctness. Entries are keyed by everything the
loaded Action depends on (the action row, its document and base URL, the workspace's domain
policy), so an edited action or a changed policy is loaded afresh, and the superseded Action of
that row is retired. A retired Action is closed after ``close_after_s`` (the longest a call it
may still be serving can take), never under a running call.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable

import actionforge

Key = tuple[str, Hashable]  # (action row id, what its loading depends on)


class EngineActionCache:
    def __init__(self, *, size: int = 64, close_after_s: float = 120.0) -> None:
        self.size = size
        self.close_after_s = close_after_s
        self._items: OrderedDict[Key, actionforge.Action] = OrderedDict()
        self._retired: dict[asyncio.Task[None], actionforge.Action] = {}

    def get(self, key: Key, load: Callable[[], actionforge.Action]) -> actionforge.Action:
        """The Action for ``key``, loaded by ``load`` the first time; the least recently used
        entry, and any older entry of the same row, are retired."""
        found = self._items.pop(key, None)
        if found is None:
            found = load()  # raises for a document that does not load: nothing is cached
            for stale in [k for k in self._items if k[0] == key[0]]:
                self._retire(self._items.pop(stale))
        self._items[key] = found
        while len(self._items) > self.size:
            self._retire(self._items.popitem(last=False)[1])
        return found

    def _retire(self, action: actionforge.Action) -> None:
        task = asyncio.get_running_loop().create_task(self._close_later(action))
        self._retired[task] = action
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._retired.pop(task, None)

    async def _close_later(self, action: actionforge.Action) -> None:
        await asyncio.sleep(self.close_after_s)
        await action.aclose()

    async def close(self) -> None:
        """Close every Action, cached or retired (the process is stopping)."""
        actions = [*self._items.values(), *self._retired.values()]
        for task in list(self._retired):
            task.cancel()
        self._items.clear()
        await asyncio.gather(*(a.aclose() for a in actions), return_exceptions=True)
