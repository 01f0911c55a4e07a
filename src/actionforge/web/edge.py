"""`Edge`: the one ASGI middleware between the server and the app.

It counts every request for /metrics (the refused ones too) and logs its access line once the
response has gone (`access_log`), refuses a NUL in the URL (400) and a body over the limit (413)
before any route runs, and adds the security headers to every response but the API docs'. Each
request's cached lookups share one SQLite commit stamp (`store.request_stamps`). The rules
themselves live in `metrics`, `access_log`, `no_nul`, `body_limit` and `pages.security`; this only
applies them in order.

Why one middleware and not four: each is a frame that every request passes through and, for
those that watch the response, one more wrapped ``send``. Under bench/api.py's load the four
took about 4% of a test-operation request's server CPU (measured by taking them out).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actionforge.store.request_stamps import one_stamp_per_request
from actionforge.web.access_log import log_request
from actionforge.web.body_limit import BodyCounter, declared_too_large, too_large
from actionforge.web.metrics import Metrics
from actionforge.web.no_nul import nul_refusal, url_nul_pointer
from actionforge.web.pages.security import gets_security_headers, with_security_headers


class Edge:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = ResponseWatch(send, secure=gets_security_headers(scope["path"]))
        try:
            with one_stamp_per_request():
                await self._checked(scope, receive, response)
        finally:
            took = time.perf_counter() - started
            self.metrics.observe(scope, response.status, took)
            log_request(scope, response.status, took)

    async def _checked(self, scope: Scope, receive: Receive, response: ResponseWatch) -> None:
        where = url_nul_pointer(scope)
        if where is not None:
            await nul_refusal(where)(scope, receive, response.send)
            return
        if declared_too_large(scope, self.max_body_bytes):
            await too_large(self.max_body_bytes)(scope, receive, response.send)
            return
        # A streamed body found too large raises `BodyTooLarge` from ``receive``: an
        # HTTPException, which the app's exception handling answers with the 413.
        await self.app(scope, BodyCounter(receive, self.max_body_bytes).receive, response.send)


class ResponseWatch:
    """The response's ``send``: notes its status, and adds the security headers to its head."""

    __slots__ = ("_secure", "_send", "status")

    def __init__(self, send: Send, *, secure: bool) -> None:
        self._send = send
        self._secure = secure
        self.status = 500  # what a request that ends without a response counts as

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self._secure:
                message["headers"] = with_security_headers(message.get("headers", ()))
        await self._send(message)
