"""Structured logs: one JSON object per line, after the engine's redaction filter has run.

The filter (``actionforge.install_log_redaction``) rewrites each record before any formatter sees
it, so this formatter never handles a secret the redactor knows about.
"""

from __future__ import annotations

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
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # the redaction filter leaves the traceback here, already redacted
            entry["exception"] = record.exc_text
        return json_text(entry)  # orjson, json for what it refuses: a line for every request


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class _Delayed:
    __slots__ = ("action", "cancelled")

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


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

    def __call__(self, delay_s: float, action: Callable[[], None]) -> Cancellable:
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


_timer = TimerThread()


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """A `StreamHandler` that writes its lines together, at most ``flush_after_s`` after the first.

    Why: a busy server logs a line per request, and writing and flushing each one on its own (a
    system call per line) cost the server 70 µs of CPU a request at 50 clients. Here a record at
    WARNING or above writes everything at once, the rest wait for a timer (``schedule``, a
    thread by default) or the process's end (``logging.shutdown`` flushes). A process killed
    outright loses at most ``flush_after_s`` of INFO lines.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        flush_after_s: float = 0.2,
        schedule: Callable[[float, Callable[[], None]], Cancellable] = _timer,
    ) -> None:
        super().__init__(stream)
        self.flush_after_s = flush_after_s
        self._schedule = schedule
        self._lines: list[str] = []
        self._timer: Cancellable | None = None

    def emit(self, record: logging.LogRecord) -> None:  # `handle` holds the lock
        try:
            self._lines.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            self.flush()
        elif self._timer is None:
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
