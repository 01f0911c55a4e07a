"""`SecurityHeaders`: every response gets the policy headers it does not set itself; the API
docs keep their own."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from actionforge.web.pages.security import HEADERS, SecurityHeaders


async def page(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("page", headers={"X-Frame-Options": "SAMEORIGIN"})


async def get(path: str) -> httpx.Response:
    app = SecurityHeaders(Starlette(routes=[Route("/page", page), Route("/api/docs", page)]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_the_policy_headers_are_added_and_a_response_s_own_is_kept() -> None:
    response = await get("/page")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    for name, value in HEADERS.items():
        if name != "X-Frame-Options":
            assert response.headers[name] == value
    assert response.text == "page"


async def test_the_api_docs_keep_their_own() -> None:
    response = await get("/api/docs")
    assert "content-security-policy" not in response.headers
