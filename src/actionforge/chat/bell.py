"""Wake-ups for event streams: "conversation X has new events".

Within one process, writing an event rings the bell directly. Across processes, on PostgreSQL, the
writer's transaction sends ``NOTIFY actionforge_chat, '<conversation id>'`` and every process's
listener (one connection per process) rings its own bell; on SQLite there is no such channel, so a
waiting stream also wakes every ``poll`` seconds and looks. A stream never relies on the bell alone:
it always re-reads the log after waking, so a lost notification costs at most one poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

import psycopg
from sqlalchemy.engine import URL

CHANNEL = "actionforge_chat"
log = logging.getLogger(__name__)


class Bell:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def ring(self, conversation_id: str) -> None:
        for event in self._waiters.get(conversation_id, ()):
            event.set()

    async def wait(self, conversation_id: str, seconds: float) -> None:
        """Until the conversation's bell rings or ``seconds`` pass, whichever is first."""
        event = asyncio.Event()
        waiters = self._waiters[conversation_id]
        waiters.add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
        finally:
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(conversation_id, None)


class PostgresListener:
    """One LISTEN connection per process that rings ``bell`` for each notification."""

    def __init__(self, url: URL, bell: Bell) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._bell = bell
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="actionforge-chat-listener")
        await asyncio.wait_for(self._ready.wait(), 10)

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    async for notification in connection.notifies():
                        self._bell.ring(notification.payload)
            except psycopg.Error as error:  # the stream's poll covers the gap; reconnect
                log.warning("chat event listener lost its connection: %s", type(error).__name__)
                self._ready.set()
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
