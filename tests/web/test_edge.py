"""`Edge`, the one middleware: security headers on every response but the API docs' (a
response's own header kept), the body limit and the NUL refusal before the app runs, and every
request counted for /metrics, refused ones too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

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
