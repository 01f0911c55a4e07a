"""The request as it went on the wire and the response's head, captured with httpx event hooks.

The engine's `ToolResult` holds the body the model reads but not the headers; the hooks see the
request after credentials are applied, so what the builder is shown is exactly what was sent,
then redacted (credential headers and query values, every registered `SecretValue`).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

import actionforge


@dataclass
class Exchange:
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    request_bytes: int = 0

    def attach(self, client: httpx.AsyncClient) -> None:
        """Capture the calling task's next request on ``client`` here (a retried call leaves its last
        attempt). The hooks are added to the client once and write to the exchange of the task that
        sends, so concurrent calls on one pooled client each see their own request."""
        _current.set(self)
        hooks = client.event_hooks
        if _on_request not in hooks.get("request", []):
            client.event_hooks = {
                "request": [*hooks.get("request", []), _on_request],
                "response": [*hooks.get("response", []), _on_response],
            }


_current: ContextVar[Exchange | None] = ContextVar("actionforge_exchange", default=None)


async def _on_request(request: httpx.Request) -> None:
    exchange = _current.get()
    if exchange is not None:
        exchange.request, exchange.request_bytes = redacted_request(request)


async def _on_response(response: httpx.Response) -> None:
    exchange = _current.get()
    if exchange is not None:
        headers = actionforge.redactor().redact_headers(response.headers.multi_items())
        exchange.response = {"status": response.status_code, "headers": headers}


def redacted_request(request: httpx.Request) -> tuple[dict[str, Any], int]:
    """``request`` as JSON-ready values with its secrets masked, and its body's size in bytes."""
    redactor = actionforge.redactor()
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed body: its size is all we can tell
        content = b""
    shown = {
        "method": request.method,
        "url": redactor.redact_url(str(request.url)),
        "headers": redactor.redact_headers(request.headers.multi_items()),
        "body": redactor.redact(content.decode("utf-8", "replace")),
    }
    return shown, len(content)
