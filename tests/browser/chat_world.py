"""What the chat page tests share: a small shop API on loopback (one endpoint answers with hostile
HTML), the scripted model registered as the workspace's model provider through the model catalog
API (the server reaches it over the real `openai` SDK path), and a GPT with an action on the shop.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.testing import Reply, ScriptedModel
from tests.browser.conftest import Live
from tests.servers.threaded import serve

HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>'
PRIVACY_URL = "https://shop.example.com/privacy"


@dataclass
class Shop:
    """Items to read, orders to place (counted: a duplicate call would show), and a note whose
    text is HTML that must never run in the page."""

    hits: Counter[str] = field(default_factory=Counter)
    orders: list[Any] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)  # /slow answers once it is set

    def app(self) -> Starlette:
        async def item(request: Request) -> JSONResponse:
            self.hits["getItem"] += 1
            return JSONResponse({"id": int(request.path_params["id"]), "name": "Blue teapot"})

        async def order(request: Request) -> JSONResponse:
            self.hits["createOrder"] += 1
            self.orders.append(await request.json())
            return JSONResponse({"order": len(self.orders)}, status_code=201)

        async def note(request: Request) -> JSONResponse:
            self.hits["getNote"] += 1
            return JSONResponse({"note": HOSTILE})

        async def slow(request: Request) -> JSONResponse:
            self.hits["getSlow"] += 1
            await to_thread.run_sync(self.gate.wait, 30)
            return JSONResponse({"slow": True})

        return Starlette(routes=[
            Route("/items/{id}", item), Route("/orders", order, methods=["POST"]), Route("/note", note),
            Route("/slow", slow),
        ])  # fmt: skip


def shop_document(base_url: str) -> str:
    get_item = {
        "operationId": "getItem", "summary": "Read one item",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok"}},
    }  # fmt: skip
    body = {"type": "object", "properties": {"item": {"type": "integer"}, "quantity": {"type": "integer"}},
            "required": ["item"]}  # fmt: skip
    create_order = {
        "operationId": "createOrder", "summary": "Place an order",
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"201": {"description": "created"}},
    }  # fmt: skip
    get_slow = {
        "operationId": "getSlow",
        "summary": "A slow answer",
        "responses": {"200": {"description": "ok"}},
    }
    get_note = {
        "operationId": "getNote",
        "summary": "Today's note",
        "responses": {"200": {"description": "ok"}},
    }
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Shop", "version": "1", "description": "Items and orders."},
        "servers": [{"url": base_url}],
        "paths": {
            "/items/{id}": {"get": get_item}, "/orders": {"post": create_order}, "/note": {"get": get_note},
            "/slow": {"get": get_slow},
        },
    })  # fmt: skip


@contextmanager
def shop() -> Iterator[tuple[Shop, str]]:
    api = Shop()
    try:
        with serve(api.app()) as url:
            yield api, url
    finally:
        api.gate.set()  # never leave a request hanging


@contextmanager
def scripted_model(live: Live, *replies: Reply) -> Iterator[ScriptedModel]:
    """The scripted model, served on loopback and added to the workspace as provider ``local``."""
    model = ScriptedModel(replies)
    with model.serve() as base_url:
        workspace = live.api.workspace()["id"]
        body = {"name": "local", "kind": "openai", "base_url": base_url, "api_key": "sk-scripted-0f3a9c"}
        provider = live.api.post(f"/workspaces/{workspace}/model-providers", body)
        live.api.post(
            f"/model-providers/{provider['id']}/models", {"name": "scripted", "supports_tools": True}
        )
        yield model


def shop_gpt(
    live: Live, url: str, *, publish: bool = False, auth: dict[str, Any] | None = None, **fields: Any
) -> str:
    """A GPT named Shopper with one action on the shop; published to the workspace if asked."""
    values = {"name": "Shopper", "instructions": "You help with the shop.", **fields}
    gpt_id: str = live.api.create_gpt(**values)["id"]
    action = {"auth": auth} if auth else {}
    live.api.add_action(gpt_id, schema=shop_document(url), privacy_policy_url=PRIVACY_URL, **action)
    if publish:
        live.api.post(f"/gpts/{gpt_id}/publish", {"visibility": "workspace"}, expect=201)
    return gpt_id


def send(page: Page, text: str, gpt_name: str = "Shopper") -> None:
    """Type a message and press Enter once the page has opened its conversation (a message sent
    before that would start a new one) and the last turn is over (Send is enabled again)."""
    page.wait_for_selector("main[data-ready]")
    expect(page.locator("[data-chat-mount]:not([data-ready])")).to_have_count(0)  # a Preview's chat
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    box = page.get_by_label(f"Message {gpt_name}")
    box.fill(text)
    box.press("Enter")
