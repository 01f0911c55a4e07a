"""uvicorn's `Server`, made to write the buffered log lines before the process ends.

Why: on SIGTERM or Ctrl-C uvicorn shuts down gracefully and then raises the signal again with
its default action, so the process ends without running ``atexit`` and `logging.shutdown` never
flushes. The last requests' access lines and the shutdown's own lines, held by
`logs.BufferedStreamHandler` for up to a fifth of a second, were lost at every stop. Here they
are written once serving is over, before the signal is raised again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import uvicorn


class LogWritingServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                write_buffered_logs()


def write_buffered_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
