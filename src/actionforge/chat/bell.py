"""Wake-ups for event streams: "conversation X has new events".

Within one process, writing an event rings the bell directly. Across processes, on PostgreSQL, the
writer's transaction sends ``NOTIFY actionforge_chat, '<conversation id>'`` and every process's
listener (`store.notifications`, one connection per process) rings its own bell; on SQLite there
is no such channel, so a waiting stream also wakes every ``poll`` seconds and looks. A stream never
relies on the bell alone: it always re-reads the log after waking, so a lost notification costs at
most one poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

CHANNEL = "actionforge_chat"


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
