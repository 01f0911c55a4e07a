"""Streamed text, stored as one event per time window rather than one row per token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta


class TextCoalescer:
    """Buffers text deltas; ``emit`` gets the buffer once ``window`` has passed since its first delta
    (on the injected clock), and whatever is left on `flush`. ``text`` is everything received."""

    def __init__(
        self, clock: Callable[[], datetime], window: timedelta, emit: Callable[[str], Awaitable[None]]
    ) -> None:
        self._clock = clock
        self._window = window
        self._emit = emit
        self._pending: list[str] = []
        self._started: datetime | None = None
        self._all: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._all)

    async def add(self, delta: str) -> None:
        if not delta:
            return
        self._all.append(delta)
        self._pending.append(delta)
        now = self._clock()
        if self._started is None:
            self._started = now
        if now - self._started >= self._window:
            await self.flush()

    def take(self) -> str:
        """The text not emitted yet, now counted as emitted (the caller stores it with the answer)."""
        chunk = "".join(self._pending)
        self._pending, self._started = [], None
        return chunk

    async def flush(self) -> None:
        if self._pending:
            chunk = "".join(self._pending)
            self._pending, self._started = [], None
            await self._emit(chunk)
