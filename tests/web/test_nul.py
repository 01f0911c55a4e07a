"""A NUL character anywhere in a request is a clear 4xx on both databases, never a 500 (PostgreSQL
text cannot hold one) and never stored (SQLite could): bodies at any depth through the base
`Request` model, the path and the query string through one middleware."""

from __future__ import annotations

import httpx

from tests.web.conftest import workspace_id


async def test_a_nul_in_a_body_field_is_422_pointing_at_it_and_nothing_is_stored(
    owner: httpx.AsyncClient,
) -> None:
    refused = await owner.post("/api/tokens", json={"name": "laptop\x00"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [
        {"pointer": "/name", "detail": "must not contain a NUL character (U+0000)"}
    ]
    assert (await owner.get("/api/tokens")).json()["items"] == []


async def test_a_nul_deep_inside_a_body_names_where(owner: httpx.AsyncClient) -> None:
    ws = await workspace_id(owner)
    body = {"name": "Helper", "conversation_starters": ["Hi", "Say\x00hello"]}
    refused = await owner.post(f"/api/workspaces/{ws}/gpts", json=body)
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error == {
        "pointer": "/conversation_starters",
        "detail": "must not contain a NUL character (U+0000) (at /1)",
    }
    assert (await owner.get(f"/api/workspaces/{ws}/gpts")).json()["items"] == []


async def test_a_nul_in_a_query_parameter_is_400_naming_it(owner: httpx.AsyncClient) -> None:
    ws = await workspace_id(owner)
    refused = await owner.get(f"/api/workspaces/{ws}/gpts?cursor=ab%00cd")
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [
        {"pointer": "/query/cursor", "detail": "must not contain a NUL character"}
    ]


async def test_a_nul_in_the_path_is_400(owner: httpx.AsyncClient) -> None:
    refused = await owner.get("/api/gpts/abc%00def")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"pointer": "/path", "detail": "must not contain a NUL character"}]
    assert (await owner.delete("/api/tokens/x%00y")).status_code == 400  # writes too, before any lookup


async def test_ordinary_text_with_line_breaks_and_unicode_still_passes(owner: httpx.AsyncClient) -> None:
    created = await owner.post("/api/tokens", json={"name": "café\nlaptop ✓"})
    assert created.status_code == 201, created.text
