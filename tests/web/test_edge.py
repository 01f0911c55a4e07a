"""`Edge`, the one middleware: security headers on every response but the API docs' (a
response's own header kept), the body limit and the NUL refusal before the app runs, and every
request counted for /metrics and logged once its response has gone, refused ones too."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message

from actionforge.web.access_log import log_request
from actionforge.web.access_log import logger as access_logger
from actionforge.web.edge import Edge
from actionforge.web.metrics import Metrics
from actionforge.web.pages.security import HEADERS

MAX_BODY = 64


async def page(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("page", headers={"X-Frame-Options": "SAMEORIGIN"})


async def echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def edge_app(metrics: Metrics) -> Starlette:
    """As `create_app` places it: inside Starlette's outermost error middleware."""
    routes = [Route("/page", page), Route("/api/docs", page), Route("/echo", echo, methods=["POST"])]
    return Starlette(routes=routes, middleware=[Middleware(Edge, metrics=metrics, max_body_bytes=MAX_BODY)])


async def send(method: str, path: str, metrics: Metrics | None = None, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=edge_app(metrics or Metrics()))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_the_policy_headers_are_added_and_a_response_s_own_is_kept() -> None:
    response = await send("GET", "/page")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    for name, value in HEADERS.items():
        if name != "X-Frame-Options":
            assert response.headers[name] == value
    assert response.text == "page"


async def test_the_api_docs_keep_their_own() -> None:
    response = await send("GET", "/api/docs")
    assert "content-security-policy" not in response.headers


async def test_a_declared_body_over_the_limit_is_refused_with_the_policy_headers() -> None:
    response = await send("POST", "/echo", content=b"x" * (MAX_BODY + 1))
    assert response.status_code == 413
    assert response.json()["detail"] == f"The request body is larger than {MAX_BODY} bytes."
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_streamed_body_is_counted_as_it_arrives() -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the body is chunked
        for _ in range(4):
            yield b"x" * 20

    response = await send("POST", "/echo", content=chunks())
    assert response.status_code == 413
    assert (await send("POST", "/echo", content=b"x" * MAX_BODY)).text == str(MAX_BODY)


async def test_a_nul_in_the_query_is_refused_with_its_pointer() -> None:
    response = await send("GET", "/page?name=a%00b")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/query/name", "detail": "must not contain a NUL character"}
    ]


async def test_every_request_is_counted_by_route_and_status_refused_ones_too() -> None:
    metrics = Metrics()
    await send("GET", "/page", metrics)
    await send("GET", "/page", metrics)  # a series found before counts on
    await send("GET", "/page?q=%00", metrics)
    await send("POST", "/echo", metrics, content=b"x" * (MAX_BODY + 1))
    counted = {
        (s.labels["method"], s.labels["status"]): s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name == "actionforge_http_requests_total"
    }
    assert counted == {("GET", "200"): 2.0, ("GET", "400"): 1.0, ("POST", "413"): 1.0}


class Events(logging.Handler):
    """The access lines and the response's messages, in the order they happened."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"log {record.getMessage()}")


@pytest.fixture
def events() -> Iterator[Events]:
    handler, saved = Events(), access_logger.level
    access_logger.addHandler(handler)
    access_logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        access_logger.removeHandler(handler)
        access_logger.setLevel(saved)


async def test_each_request_is_logged_once_after_its_response_was_sent(events: Events) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def sent(message: Message) -> None:
        events.seen.append(f"send {message['type']}")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/page", "raw_path": b"/page", "root_path": "", "query_string": b"x=1&y=two",
        "headers": [], "client": ("10.0.0.7", 41234), "server": ("t", 80),
    }  # fmt: skip
    await edge_app(Metrics())(scope, receive, sent)
    assert events.seen[:2] == ["send http.response.start", "send http.response.body"]
    assert len(events.seen) == 3
    line = events.seen[2]
    assert re.fullmatch(r'log 10\.0\.0\.7:41234 - "GET /page\?x=1&y=two HTTP/1\.1" 200 \d+\.\d ms', line)


async def test_refused_requests_are_logged_with_their_status(events: Events) -> None:
    await send("POST", "/echo", content=b"x" * (MAX_BODY + 1))
    await send("GET", "/page?name=a%00b")
    statuses = [re.search(r'" (\d{3}) ', line).group(1) for line in events.seen]  # type: ignore[union-attr]
    assert statuses == ["413", "400"]
    assert '"POST /echo HTTP/1.1" 413' in events.seen[0]


async def test_nothing_is_made_when_access_lines_are_not_wanted(events: Events) -> None:
    access_logger.setLevel(logging.WARNING)
    await send("GET", "/page")
    assert events.seen == []
    log_request({"type": "http"}, 200, 0.01)  # no line is made: the scope is not even read
    assert events.seen == []
