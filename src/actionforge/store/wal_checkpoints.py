"""SQLite's WAL checkpoints, run on a thread of their own instead of inside the loop's commits.

Why: SQLite checkpoints by itself when a commit takes the write-ahead log past 1,000 pages, inside
that commit, on the thread that commits. Ours commit on the event loop's thread (`inline_sqlite`,
`thread_connections`), so each such checkpoint (copying the log into the database file, then a
sync) held the whole loop: 25-30 ms every few seconds under write load, and about half of a
one-row commit's average cost (bench/sqlite_commit.py). The sqlite3 module lets go of the GIL
while SQLite works, so here a checkpoint costs the loop nothing. Our connections turn SQLite's own
checkpoints off (`PRAGMA wal_autocheckpoint=0`) once this runs (`Database`).

PASSIVE checkpoints never wait for a reader or a writer: frames that a reader still needs stay
for the next round. Another process on the same file runs its own; SQLite lets one checkpoint run
at a time, and the other's round finds it busy and goes on.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from urllib.parse import quote

log = logging.getLogger("actionforge.store")
INTERVAL_S = 0.25  # at a few hundred pages a second under load, the log stays far below 1,000 pages

Wait = Callable[[float], bool]  # `threading.Event.wait`'s shape: True once stopped


class WalCheckpoints:
    """PASSIVE checkpoints of the SQLite file at ``path`` every ``interval_s``, on a daemon thread,
    from `start` until `stop`. ``wait`` replaces the pause between rounds (tests drive it)."""

    def __init__(self, path: str, *, interval_s: float = INTERVAL_S, wait: Wait | None = None) -> None:
        self.path = path
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._wait = wait or self._stopped.wait
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self.last: tuple[int, int, int] | None = None  # (busy, log pages, pages checkpointed)
        self._last_error = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread, once; later calls do nothing while it runs."""
        with self._start_lock:
            if self.running:
                return
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread after its current round, and close its connection."""
        self._stopped.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint now: (1 if another checkpoint held it, pages in the log, pages
        copied to the database file)."""
        if self._connection is None:  # mode=rw: a file removed meanwhile is never made anew, empty
            uri = f"file:{quote(os.path.abspath(self.path))}?mode=rw"
            self._connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        busy, pages, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.last = (busy, pages, copied)
        return self.last

    def _run(self) -> None:
        try:
            while not self._wait(self._interval_s) and not self._stopped.is_set():
                self._round()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _round(self) -> None:
        try:
            self.checkpoint()
        except sqlite3.Error as error:  # e.g. the file went away: said once, tried again next round
            if str(error) != self._last_error:
                log.warning("sqlite checkpoint of %s failed: %s", self.path, error)
            self._last_error = str(error)
        else:
            self._last_error = ""
