"""Structured logs: one JSON object per line, after the engine's redaction filter has run.

The filter (``actionforge.install_log_redaction``) rewrites each record before any formatter sees
it, so this formatter never handles a secret the redactor knows about.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TextIO

import actionforge
from actionforge.store.json_text import json_text


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[int, str] = (-1, "")  # the last second written, as ISO text

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # the redaction filter leaves the traceback here, already redacted
            entry["exception"] = record.exc_text
        return json_text(entry)  # orjson, json for what it refuses: a line for every request

    def _time(self, created: float) -> str:
        """``2026-12-07T20:40:00.752+00:00``; the date and time up to the second made once a
        second (`datetime`'s conversion and `isoformat` were a third of an access line's cost)."""
        second = int(created)
        micros = round((created - second) * 1_000_000)  # rounded as `datetime.fromtimestamp` does
        if micros == 1_000_000:
            second, micros = second + 1, 0
        written, text = self._second  # one tuple: a formatter shared by two handlers stays right
        if second != written:
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{micros // 1000:03d}+00:00"


class Scheduled(Protocol):
    """An action due later (`BufferedStreamHandler`'s flush)."""

    def cancel(self) -> None: ...

    @property
    def lost(self) -> bool:
        """True when it will never run (its event loop stopped first): schedule it anew."""
        ...


class _Delayed:
    __slots__ = ("action", "cancelled")

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def lost(self) -> bool:
        return False  # the timer thread runs as long as the process


class TimerThread:
    """Runs actions after a delay, all on one daemon thread started on first use.

    Why not `threading.Timer`: it starts a thread per action, and `Thread.start` waits until the
    new thread has run. A busy server's handler schedules a flush five times a second, and each
    time its event loop stood still until the scheduler gave the new thread a core: about 80 µs
    of every request's time at 50 clients (sampled with py-spy under bench/api.py's load). Here
    the loop only appends and notifies.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._due: list[tuple[float, int, _Delayed]] = []  # a heap, by time due
        self._serials = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def __call__(self, delay_s: float, action: Callable[[], None]) -> Scheduled:
        delayed = _Delayed(action)
        with self._changed:
            heapq.heappush(self._due, (self._clock() + delay_s, next(self._serials), delayed))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="actionforge-timers", daemon=True)
                self._thread.start()
            self._changed.notify()
        return delayed

    def _run(self) -> None:
        while True:
            for delayed in self._wait_for_due():
                if delayed.cancelled:
                    continue
                try:
                    delayed.action()
                except Exception:  # one failed action must not stop the ones after it
                    traceback.print_exc()

    def _wait_for_due(self) -> list[_Delayed]:
        with self._changed:
            while not self._due or self._due[0][0] > self._clock():
                self._changed.wait(self._due[0][0] - self._clock() if self._due else None)
            now, due = self._clock(), []
            while self._due and self._due[0][0] <= now:
                due.append(heapq.heappop(self._due)[2])
            return due


class _OnLoop:
    """An action due on an event loop, run on the loop's thread; cancelled from any thread."""

    __slots__ = ("_action", "_cancelled", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, delay_s: float, action: Callable[[], None]) -> None:
        self._loop, self._action, self._cancelled = loop, action, False
        loop.call_later(delay_s, self._run)

    def _run(self) -> None:
        if not self._cancelled:
            self._action()

    def cancel(self) -> None:
        self._cancelled = True  # a flag, not the loop's handle: that one is not thread-safe

    @property
    def lost(self) -> bool:
        return not self._loop.is_running()


_timer_thread = TimerThread()


def on_this_thread(delay_s: float, action: Callable[[], None]) -> Scheduled:
    """Run ``action`` after ``delay_s`` on the event loop running in this thread, or, with none
    running, on the `TimerThread`.

    Why on the loop: run on another thread, each flush took the GIL from the loop's thread and
    gave it back, and with every core busy the loop stood waiting until the scheduler ran the
    other thread. Under bench/api.py's test-operation load (PostgreSQL, paired, 10 rounds), the
    p50 ratio to bare went 1.247 -> 1.212.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _timer_thread(delay_s, action)
    return _OnLoop(loop, delay_s, action)


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """A `StreamHandler` that writes its lines together, at most ``flush_after_s`` after the first.

    Why: a busy server logs a line per request, and writing and flushing each one on its own (a
    system call per line) cost the server 70 µs of CPU a request at 50 clients. Here a record at
    WARNING or above writes everything at once, the rest wait for a timer (``schedule``: on the
    event loop that logged the first line, or a thread) or the process's end
    (``logging.shutdown`` flushes). A process killed outright loses at most ``flush_after_s`` of
    INFO lines. A timer lost with its event loop (one that stopped first) is set again by the
    next line.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        flush_after_s: float = 0.2,
        schedule: Callable[[float, Callable[[], None]], Scheduled] = on_this_thread,
    ) -> None:
        super().__init__(stream)
        self.flush_after_s = flush_after_s
        self._schedule = schedule
        self._lines: list[str] = []
        self._timer: Scheduled | None = None

    def emit(self, record: logging.LogRecord) -> None:  # `handle` holds the lock
        try:
            self._lines.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            self.flush()
        elif self._timer is None or self._timer.lost:
            self._timer = self._schedule(self.flush_after_s, self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created in __init__
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._lines:
                lines, self._lines = "".join(self._lines), []
                self.stream.write(lines)
            super().flush()

    def close(self) -> None:
        self.flush()
        super().close()


# Quiet below WARNING: httpx and httpcore write a line per upstream request at INFO, which the
# audit log already records (redacted, with its outcome), at a quarter of a request's CPU.
QUIET_BELOW_WARNING = ("httpx", "httpcore")


def configure(level: int = logging.INFO) -> None:
    """The root logger writes JSON lines through one `BufferedStreamHandler`, behind the redaction
    filter; it replaces the root's handlers (the CLI's plain one to standard error) and writes
    where the first of them wrote."""
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    root = logging.getLogger()
    streams = [h.stream for h in root.handlers if isinstance(h, logging.StreamHandler)]
    for old in root.handlers[:]:
        root.removeHandler(old)
    handler = BufferedStreamHandler(streams[0] if streams else None)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    actionforge.install_log_redaction(root)
