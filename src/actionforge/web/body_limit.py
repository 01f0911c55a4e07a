"""Oversized request bodies are refused with 413 before any of them is parsed (`edge.Edge`).

The check must happen before FastAPI reads the body: a declared ``Content-Length`` over the limit
is refused at once, and a chunked body is counted as it streams.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope

from actionforge.web.problems import problem


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


def too_large(max_bytes: int) -> JSONResponse:
    """The 413; the connection is closed, as the rest of the body was never read."""
    detail = f"The request body is larger than {max_bytes} bytes."
    return problem(413, detail, headers={"connection": "close"})
