"""PostgreSQL's notifications to this process: one LISTEN connection for every channel.

A writer's transaction sends ``NOTIFY channel, 'payload'``, delivered at commit to every process
that listens, its own included. A notification sent while this process's connection is down is
lost, so a subscriber that keeps state (a cache) also hears of every gap: when the connection is
lost, and again once LISTEN is back. SQLite has no such channel (`Database.notifications` is None).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)
_CHANNEL_NAME = re.compile(r"[a-z_]{1,63}")  # LISTEN takes an identifier, not a parameter
START_WAIT_S = 10.0
# A connection that dies without a word (a host gone, a firewall) is noticed in about 11 s, not
# when the kernel gives up on it hours later.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}


class Notifications:
    """Subscribe to channels (`subscribe`) and to gaps (`on_gap`) before `start`; payloads are
    handed to the channel's subscribers in the order they arrive."""

    def __init__(self, url: URL, *, retry_s: float = 1.0) -> None:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._dsn = psycopg.conninfo.make_conninfo(dsn, **_KEEPALIVES)
        self._retry_s = retry_s
        self._subscribers: dict[str, list[Callable[[str], None]]] = defaultdict(list)
        self._gap_callbacks: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self._live = False
        self.backend_pid: int | None = None  # the listening connection's server process, for tests

    def subscribe(self, channel: str, on_payload: Callable[[str], None]) -> None:
        if not _CHANNEL_NAME.fullmatch(channel):
            raise ValueError(f"not a channel name: {channel!r}")
        self._before_start()
        self._subscribers[channel].append(on_payload)

    def on_gap(self, callback: Callable[[], None]) -> None:
        self._before_start()
        self._gap_callbacks.append(callback)

    @property
    def live(self) -> bool:
        """Whether every notification sent now will be heard: LISTEN is in place."""
        return self._live

    async def start(self) -> None:
        """Listen in the background; waits for the first connection attempt (up to 10 s), so a
        notification committed after `start` returns is heard if that attempt succeeded."""
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="actionforge-notifications")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first_attempt.wait(), START_WAIT_S)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._set_live(False)

    def _before_start(self) -> None:
        if self._task is not None:
            raise RuntimeError("subscribe before Notifications.start: LISTEN is sent once per connection")

    async def _listen(self) -> None:
        while True:
            try:
                await self._listen_once()
            except Exception as error:  # the type only: the server's message may name the database
                log.warning("notification listener lost its connection: %s", type(error).__name__)
            self._set_live(False)
            self._first_attempt.set()
            await asyncio.sleep(self._retry_s)

    async def _listen_once(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as connection:
            for channel in self._subscribers:
                await connection.execute(f"LISTEN {channel}")
            self.backend_pid = connection.info.backend_pid
            self._set_live(True)
            self._first_attempt.set()
            async for notification in connection.notifies():
                for on_payload in self._subscribers.get(notification.channel, ()):
                    on_payload(notification.payload)

    def _set_live(self, live: bool) -> None:
        """A change either way is a gap: going down, what is sent is lost; coming back, what was
        sent while down was."""
        if live != self._live:
            self._live = live
            for callback in self._gap_callbacks:
                callback()
