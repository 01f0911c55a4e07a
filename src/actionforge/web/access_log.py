"""The access line: one per HTTP request, logged by `Edge` once the response has been sent.

It says what uvicorn's line says (client, method, path and query, HTTP version, status) and adds
the time the app took, which uvicorn's lacks; `actionforge serve` turns uvicorn's own line off.
Like every line, it goes through the root handler and its redaction filter (a query may carry a
credential), so nothing here redacts.

Why here: uvicorn logs its line when the response starts, before the body is sent, so every
request's answer waited for the line to be made (a log record, the redaction filter, the JSON
formatter). Logged after the response, the line costs the server the same CPU and the client no
time.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.types import Scope

logger = logging.getLogger("actionforge.access")


def log_request(scope: Scope, status: int, seconds: float) -> None:
    """Log one request's line at INFO: ``client - "METHOD /path?query HTTP/1.1" status 12.3 ms``."""
    if not logger.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    logger.info(
        '%s - "%s %s HTTP/%s" %d %.1f ms',
        f"{client[0]}:{client[1]}" if client else "-",
        scope["method"],
        path_with_query(scope),
        scope.get("http_version", "1.1"),
        status,
        seconds * 1000,
    )


def path_with_query(scope: Scope) -> str:
    """The path as uvicorn logs it (percent-encoded), with the query string as it came."""
    path = quote(scope["path"])  # the full path: a mount's root_path is part of it (ASGI)
    query: bytes = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path
