"""Oversized request bodies are refused with 413 before any of them is parsed (`edge.Edge`).

The check must happen before FastAPI reads the body: a declared ``Content-Length`` over the limit
is refused at once, and a chunked body is counted as it streams. A streamed body found too large
raises `BodyTooLarge` from ``receive``, an `HTTPException`: FastAPI turns any other error met while
reading a body into a 400 ("There was an error parsing the body"), but lets an `HTTPException`
through to the problem handler.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

from actionforge.web.problems import problem


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _detail(max_bytes), headers=_CLOSE)


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
                raise BodyTooLarge(self._max_bytes)
        return message


def too_large(max_bytes: int) -> JSONResponse:
    """The 413; the connection is closed, as the rest of the body was never read."""
    return problem(413, _detail(max_bytes), headers=_CLOSE)


_CLOSE = {"connection": "close"}


def _detail(max_bytes: int) -> str:
    return f"The request body is larger than {max_bytes} bytes."
