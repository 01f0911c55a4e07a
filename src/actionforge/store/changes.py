"""Which tables changed, for the caches that must forget what a change makes wrong: heard from
this process's own commits at once, and from every other process's through PostgreSQL's NOTIFY.

This process: every write goes through `Database` (a session, a Core transaction, one statement),
and each of those is a unit here. SQLAlchemy reports each INSERT, UPDATE and DELETE it runs (an
engine event); a statement run on the driver's own connection names its table itself. A unit's
tables are reported once it has committed, never before: a cache emptied before the commit could
be refilled with the old row by a read that ran in between. A unit that raised reports nothing.

Other processes: triggers (migration 0007) send ``NOTIFY actionforge_changes, '<table>'`` at
commit, for the tables a cache reads (`WATCHED`). They also catch a write in raw SQL, by an
operator or another tool, which the engine event cannot name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CHANNEL = "actionforge_changes"
# The tables whose triggers notify (migration 0007): what the platform's caches hold rows of.
WATCHED = frozenset({"users", "sessions", "api_tokens", "workspaces", "memberships", "gpts", "actions"})


class TableChanges:
    def __init__(self) -> None:
        self._watchers: dict[str, list[Callable[[], None]]] = defaultdict(list)
        self._pending: ContextVar[set[str] | None] = ContextVar(
            f"actionforge-writes-{id(self)}", default=None
        )

    def watch(self, tables: Iterable[str], on_change: Callable[[], None]) -> None:
        """Call ``on_change`` after each committed change to any of ``tables``."""
        for table in tables:
            if table not in WATCHED:  # no trigger would tell of another process's change
                raise ValueError(f"{table!r} is not among the tables whose changes are notified")
            self._watchers[table].append(on_change)

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A transaction's writes: reported when the block ends without raising (committed)."""
        written: set[str] = set()
        token = self._pending.set(written)
        try:
            yield
        finally:
            self._pending.reset(token)
        for table in written:
            self.changed(table)

    def written(self, table: str) -> None:
        """``table`` was written in the current unit (outside one, the write stands committed)."""
        pending = self._pending.get()
        if pending is None:
            self.changed(table)
        else:
            pending.add(table)

    def changed(self, table: str) -> None:
        """A committed change to ``table``: this process's, or another's heard by NOTIFY."""
        for on_change in self._watchers.get(table, ()):
            on_change()

    def on_execute(
        self, _conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        """SQLAlchemy's ``after_cursor_execute`` event: the table of each INSERT, UPDATE, DELETE."""
        if context is None or not (context.isinsert or context.isupdate or context.isdelete):
            return
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        name = getattr(table, "name", None)
        if isinstance(name, str):
            self.written(name)
