"""Structured logs: one JSON object per line, after the engine's redaction filter has run.

The filter (``actionforge.install_log_redaction``) rewrites each record before any formatter sees
it, so this formatter never handles a secret the redactor knows about.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import actionforge


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
        return json.dumps(entry, ensure_ascii=False)


# Quiet below WARNING: httpx and httpcore write a line per upstream request at INFO, which the
# audit log already records (redacted, with its outcome), at a quarter of a request's CPU.
QUIET_BELOW_WARNING = ("httpx", "httpcore")


def configure(level: int = logging.INFO) -> None:
    """Every root handler writes JSON lines, each behind the redaction filter."""
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(level)
    actionforge.install_log_redaction(root)
