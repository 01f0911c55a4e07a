"""Import from URL and Refresh from URL through the HTTP API, against a real document server on
127.0.0.1 (the engine is told to allow loopback only where a test needs it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from actionforge.web.app import create_app
from tests.servers.threaded import serve
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner, workspace_id
from tests.web.test_gpts_and_actions import new_gpt, stored


class Documents:
    """A document server whose documents a test can change, and the paths it was asked for."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.hits: list[str] = []
        self.base = ""

    async def serve(self, request: Request) -> PlainTextResponse:
        self.hits.append(request.url.path)
        text = self.texts.get(request.path_params["name"])
        if text is None:
            return PlainTextResponse("not here", status_code=404)
        return PlainTextResponse(text, media_type="application/json")

    def url(self, name: str) -> str:
        return f"{self.base}/docs/{name}"


@pytest.fixture
def documents() -> Iterator[Documents]:
    found = Documents()
    with serve(Starlette(routes=[Route("/docs/{name}", found.serve)])) as base:
        found.base = base
        yield found


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the app starts: the egress settings an operator sets to reach a local server."""
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


def operation(op_id: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {"operationId": op_id, "parameters": list(params), "responses": {"200": {"description": "ok"}}}


def param(name: str, kind: str = "string", *, required: bool = False, where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "schema": {"type": kind}}


def document(paths: dict[str, dict[str, Any]]) -> str:
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Shop", "version": "1"},
        "servers": [{"url": "https://api.shop.example"}], "paths": paths,
    })  # fmt: skip


V1 = document({
    "/items": {"get": operation("listItems", param("limit", "integer"), param("q"))},
    "/items/{id}": {"get": operation("getItem", param("id", where="path"))},
    "/orders": {"get": operation("listOrders")},
})  # fmt: skip
V2 = document({
    # limit became a string, q was dropped, sort is new
    "/items": {"get": operation("listItems", param("limit"), param("sort"))},
    "/items/{id}": {"get": operation("getItem", param("id", where="path"))},  # the same
    "/carts": {"post": operation("createCart")},  # new; /orders is gone
})  # fmt: skip


async def imported(
    client: httpx.AsyncClient, documents: Documents, name: str = "shop.json"
) -> tuple[str, str]:
    gpt = await new_gpt(client)
    response = await client.post(f"/api/gpts/{gpt['id']}/actions/import", json={"url": documents.url(name)})
    assert response.status_code == 201, response.text
    return str(gpt["id"]), response.json()["id"]


async def test_import_from_url_stores_the_text_and_the_source_url(
    owner: httpx.AsyncClient, documents: Documents
) -> None:
    documents.texts["shop.json"] = V1
    gpt_id, action_id = await imported(owner, documents)
    action = (await owner.get(f"/api/gpts/{gpt_id}/actions/{action_id}")).json()
    assert (action["schema"], action["source_url"], action["domain"]) == (
        V1,
        documents.url("shop.json"),
        "api.shop.example",
    )
    assert [o["operationName"] for o in action["validation"]["spec"]["operations"]] == [
        "listItems",
        "getItem",
        "listOrders",
    ]
    blank = (await owner.post(f"/api/gpts/{gpt_id}/actions", json={})).json()
    documents.texts["other.json"] = V1.replace("api.shop.example", "api.other.example")
    into = await owner.post(
        f"/api/gpts/{gpt_id}/actions/{blank['id']}/import", json={"url": documents.url("other.json")}
    )
    assert into.status_code == 200, into.text
    assert (into.json()["domain"], into.json()["source_url"]) == (
        "api.other.example",
        documents.url("other.json"),
    )


async def test_refresh_shows_the_diff_and_saves_nothing_until_confirmed(
    owner: httpx.AsyncClient, documents: Documents, server: Server
) -> None:
    documents.texts["shop.json"] = V1
    gpt_id, action_id = await imported(owner, documents)
    documents.texts["shop.json"] = V2
    before = await stored(server)
    preview = await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/refresh")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["added"] == [{"operation": "createCart", "method": "POST", "path": "/carts"}]
    assert body["removed"] == [{"operation": "listOrders", "method": "GET", "path": "/orders"}]
    assert body["changed"] == [{
        "operation": "listItems", "method": "GET", "path": "/items",
        "added": ["sort"], "removed": ["q"], "changed": ["limit"],
    }]  # fmt: skip
    assert (body["unchanged"], body["text_changed"], body["validation"]["success"]) == (False, True, True)
    assert await stored(server) == before  # nothing saved

    confirmed = await owner.post(
        f"/api/gpts/{gpt_id}/actions/{action_id}/refresh/confirm", json={"fingerprint": body["fingerprint"]}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["schema"] == V2
    again = (await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/refresh")).json()
    assert again["unchanged"] is True
    assert again["text_changed"] is False


async def test_a_required_flag_alone_is_a_change(owner: httpx.AsyncClient, documents: Documents) -> None:
    documents.texts["shop.json"] = V1
    gpt_id, action_id = await imported(owner, documents)
    documents.texts["shop.json"] = V1.replace(
        '"name": "q", "in": "query", "required": false', '"name": "q", "in": "query", "required": true'
    )
    body = (await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/refresh")).json()
    assert [(c["operation"], c["changed"]) for c in body["changed"]] == [("listItems", ["q"])]


async def test_confirm_refuses_a_document_that_changed_after_the_review(
    owner: httpx.AsyncClient, documents: Documents, server: Server
) -> None:
    documents.texts["shop.json"] = V1
    gpt_id, action_id = await imported(owner, documents)
    documents.texts["shop.json"] = V2
    reviewed = (await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/refresh")).json()["fingerprint"]
    documents.texts["shop.json"] = V2.replace("createCart", "createBasket")
    before = await stored(server)
    stale = await owner.post(
        f"/api/gpts/{gpt_id}/actions/{action_id}/refresh/confirm", json={"fingerprint": reviewed}
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["pointer"] == "/fingerprint"
    assert "changed since it was reviewed" in stale.json()["detail"]
    assert await stored(server) == before


async def test_refresh_needs_an_imported_action_and_a_reachable_document(
    owner: httpx.AsyncClient, documents: Documents
) -> None:
    gpt = await new_gpt(owner)
    pasted = (await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": V1})).json()
    response = await owner.post(f"/api/gpts/{gpt['id']}/actions/{pasted['id']}/refresh")
    assert response.status_code == 422
    assert (
        response.json()["detail"]
        == "This action's schema was not imported from a URL: use Import from URL first"
    )
    documents.texts["shop.json"] = V1
    gpt_id, action_id = await imported(owner, documents)
    del documents.texts["shop.json"]
    gone = await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/refresh")
    assert gone.status_code == 422
    assert gone.json()["detail"].startswith("Could not import the schema:")
    assert "404" in gone.json()["detail"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "the scheme 'file:' is not allowed"),
        ("http://10.1.2.3/openapi.json", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "link-local address"),
        ("http://[::ffff:192.168.0.1]/x", "private address"),
        ("gopher://example.com/x", "the scheme 'gopher:' is not allowed"),
    ],
)
async def test_hostile_urls_are_refused_with_the_reason_and_nothing_is_stored(
    owner: httpx.AsyncClient, server: Server, url: str, reason: str
) -> None:
    gpt = await new_gpt(owner)
    before = await stored(server)
    response = await owner.post(f"/api/gpts/{gpt['id']}/actions/import", json={"url": url})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "/url"
    assert response.json()["detail"].startswith("Cannot import from this URL: ")
    assert reason in response.json()["detail"]
    assert await stored(server) == before


async def test_credentials_in_the_url_are_refused_before_anything_is_sent(
    owner: httpx.AsyncClient, documents: Documents
) -> None:
    documents.texts["shop.json"] = V1
    gpt = await new_gpt(owner)
    url = documents.url("shop.json").replace("http://", "http://admin:hunter2@")
    response = await owner.post(f"/api/gpts/{gpt['id']}/actions/import", json={"url": url})
    assert response.status_code == 422
    assert "credentials" in response.json()["detail"]
    assert "hunter2" not in response.text
    assert documents.hits == []


async def test_the_workspace_domain_policy_applies_to_the_fetch(
    owner: httpx.AsyncClient, documents: Documents
) -> None:
    documents.texts["shop.json"] = V1
    ws = await workspace_id(owner)
    policy = {"domain_policy": "list", "allowed_domains": ["api.shop.example"]}
    assert (await owner.patch(f"/api/workspaces/{ws}/settings", json=policy)).status_code == 200
    gpt = await new_gpt(owner)
    response = await owner.post(
        f"/api/gpts/{gpt['id']}/actions/import", json={"url": documents.url("shop.json")}
    )
    assert response.status_code == 422
    assert "127.0.0.1" in response.json()["detail"]
    assert documents.hits == []


async def test_loopback_is_refused_unless_the_operator_allows_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, documents: Documents
) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.delenv(f"ACTIONFORGE_{name}")
    documents.texts["shop.json"] = V1
    app = create_app(server_settings(tmp_path, database_url), clock=FakeClock(), environ={})
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), server_settings(tmp_path, database_url))
        async with server.client() as client:
            await sign_up_owner(server, client)
            gpt = await new_gpt(client)
            url = documents.url("shop.json").replace("http://", "https://")
            response = await client.post(f"/api/gpts/{gpt['id']}/actions/import", json={"url": url})
    assert response.status_code == 422
    assert "127.0.0.1 is a loopback address" in response.json()["detail"]
    assert documents.hits == []
