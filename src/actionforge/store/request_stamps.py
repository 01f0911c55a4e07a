"""SQLite's "has another connection committed?" stamp, read once per HTTP request.

Why: every cached lookup (`platform.row_cache`) first asks the file whether a connection other
than this thread's own has committed (``PRAGMA data_version``, `Database.commits_elsewhere`):
3 µs alone, 16-19 µs inside a request (timed in the test-operation loop), and a request makes two
or three lookups. All of them happen after the request arrived, so the stamp read at its first
lookup serves the others: a commit elsewhere that lands in between is one the request may or may
not see, as if it had landed a moment later. Only the request's own task reuses it; a task the
request starts (a chat turn that runs on after the answer) reads its own each time, as does code
outside a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class _Request:
    task: asyncio.Task[object] | None
    stamps: dict[int, Hashable] = field(default_factory=dict)  # by the asking Database's id


_CURRENT: ContextVar[_Request | None] = ContextVar("actionforge_request_stamps", default=None)


@contextmanager
def one_stamp_per_request() -> Iterator[None]:
    """Around one request, in the task that serves it (the web layer's `Edge`)."""
    token = _CURRENT.set(_Request(asyncio.current_task()))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def stamp(owner: int, read: Callable[[], Hashable]) -> Hashable:
    """``read()``, or what it returned earlier in this request for the same ``owner``."""
    request = _CURRENT.get()
    if request is None or request.task is not asyncio.current_task():
        return read()
    found = request.stamps.get(owner)
    if found is None:
        found = request.stamps[owner] = read()
    return found
