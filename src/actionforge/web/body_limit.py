"""Oversized request bodies are refused with 413 before any of them is parsed (`edge.Edge`).

The check must happen before FastAPI reads the body: a declared ``Content-Length`` over the limit
is refused at once, and a chunked body is counted as it streams.
"""

from __future__ import annotations

import json

from starlette.types import Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


def declared_too_large(scope: Scope, max_bytes: int) -> bool:
    """Whether the request's ``Content-Length`` is over ``max_bytes`` (or not a number)."""
    declared = dict(scope["headers"]).get(b"content-length")
    return declared is not None and (not declared.isdigit() or int(declared) > max_bytes)


class BodyCounter:
    """A ``receive`` that raises `BodyTooLarge` once the body has passed ``max_bytes``."""

    __slots__ = ("_max_bytes", "_receive", "_seen")

    def __init__(self, receive: Receive, max_bytes: int) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        self._seen = 0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._max_bytes:
                raise BodyTooLarge
        return message


async def refuse_too_large(send: Send, max_bytes: int) -> None:
    detail = f"The request body is larger than {max_bytes} bytes."
    problem = {"type": "about:blank", "title": "Request body too large", "status": 413, "detail": detail}
    body = json.dumps(problem)
    headers = [(b"content-type", b"application/problem+json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body.encode()})
