"""What the conversation tests share: a real upstream API on loopback, a GPT with actions on it,
the scripted model registered as a workspace model provider (the real `openai` SDK path), and
small readers of the event log."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.platform.accounts import NewUser
from actionforge.testing import Reply, ScriptedModel
from actionforge.web.app import create_app
from tests.servers.threaded import serve
from tests.web.conftest import (
    PASSWORD,
    FakeClock,
    MakeUser,
    Server,
    server_settings,
    sign_in,
    sign_up_owner,
    workspace_id,
)

MODEL_KEY = "sk-model-key-7d1e0b6a93c24f58"
API_KEY = "sk-upstream-key-51c9e2d07a4b8f36"


@dataclass
class Upstream:
    """A real API: items to read, orders to place (counted, so a duplicate call shows), and an
    endpoint that echoes the credentials it got (so a leak to the model would show)."""

    hits: Counter[str] = field(default_factory=Counter)
    orders: list[Any] = field(default_factory=list)

    def app(self) -> Starlette:
        async def item(request: Request) -> JSONResponse:
            self.hits["getItem"] += 1
            return JSONResponse(
                {"id": int(request.path_params["id"]), "name": f"Item {request.path_params['id']}"}
            )

        async def order(request: Request) -> JSONResponse:
            self.hits["createOrder"] += 1
            self.orders.append(await request.json())
            return JSONResponse({"order": len(self.orders)}, status_code=201)

        async def whoami(request: Request) -> JSONResponse:
            self.hits["whoami"] += 1
            return JSONResponse({"authorization": request.headers.get("authorization")})

        return Starlette(routes=[
            Route("/items/{id}", item), Route("/orders", order, methods=["POST"]), Route("/whoami", whoami),
        ])  # fmt: skip


def document(
    base_url: str, *, title: str = "Shop", description: str = "Look up items and place orders."
) -> str:
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
    whoami = {"operationId": "whoami", "responses": {"200": {"description": "ok"}}}
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": title, "version": "1", "description": description},
        "servers": [{"url": base_url}],
        "paths": {
            "/items/{id}": {"get": get_item}, "/orders": {"post": create_order}, "/whoami": {"get": whoami},
        },
    })  # fmt: skip


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")
    monkeypatch.setenv("ACTIONFORGE_MODELS_LOCAL_NETWORK", "true")  # the scripted model on 127.0.0.1


@contextmanager
def upstream_server(upstream: Upstream, host: str = "127.0.0.1") -> Iterator[str]:
    with serve(upstream.app()) as url:
        yield url.replace("127.0.0.1", host)


@pytest.fixture
def upstream() -> Iterator[tuple[Upstream, str]]:
    api = Upstream()
    with upstream_server(api) as url:
        yield api, url


@pytest.fixture
async def chat_server(tmp_path: Path, database_url: str) -> AsyncIterator[Server]:
    """The app with no model from the environment (the tests register the scripted one)."""
    clock = FakeClock()
    settings = server_settings(tmp_path, database_url, chat_max_calls_per_turn=4)
    app = create_app(settings, clock=clock, environ={})
    async with app.router.lifespan_context(app):
        yield Server(app, clock, settings)


@pytest.fixture
async def builder(chat_server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with chat_server.client() as client:
        await sign_up_owner(chat_server, client)
        yield client


@pytest.fixture
async def chat_user(chat_server: Server) -> AsyncIterator[MakeUser]:
    """Another account on the same app, signed in (``tests.web.conftest.make_user`` is bound to its
    own app)."""
    clients: list[httpx.AsyncClient] = []

    async def make(email: str) -> httpx.AsyncClient:
        await chat_server.services.accounts.create_user(NewUser(email, PASSWORD, email.split("@")[0]))
        client = chat_server.client()
        clients.append(client)
        assert (await sign_in(client, email)).status_code == 200
        return client

    yield make
    for client in clients:
        await client.aclose()


@contextmanager
def scripted(*replies: Reply) -> Iterator[tuple[ScriptedModel, str]]:
    model = ScriptedModel(replies)
    with model.serve() as base_url:
        yield model, base_url


async def register_model(client: httpx.AsyncClient, base_url: str, **fields: Any) -> None:
    """The scripted model as the workspace's model provider ``local``, model ``local/scripted``."""
    ws = await workspace_id(client)
    body = {"name": "local", "kind": "openai", "base_url": base_url, "api_key": MODEL_KEY}
    provider = await client.post(f"/api/workspaces/{ws}/model-providers", json=body)
    assert provider.status_code == 201, provider.text
    model = {"name": "scripted", "supports_tools": True, "parallel_tool_calls": True, **fields}
    added = await client.post(f"/api/model-providers/{provider.json()['id']}/models", json=model)
    assert added.status_code == 201, added.text


async def new_gpt(client: httpx.AsyncClient, *, instructions: str = "You help with the shop.") -> str:
    ws = await workspace_id(client)
    gpt = await client.post(
        f"/api/workspaces/{ws}/gpts", json={"name": "Shopper", "instructions": instructions}
    )
    assert gpt.status_code == 201, gpt.text
    found: str = gpt.json()["id"]
    return found


async def add_action(client: httpx.AsyncClient, gpt_id: str, base_url: str, **fields: Any) -> dict[str, Any]:
    body = {"schema": document(base_url), "privacy_policy_url": "https://shop.example.com/privacy", **fields}
    action = await client.post(f"/api/gpts/{gpt_id}/actions", json=body)
    assert action.status_code == 201, action.text
    found: dict[str, Any] = action.json()
    return found


async def open_conversation(client: httpx.AsyncClient, gpt_id: str, *, preview: bool = True) -> str:
    created = await client.post(f"/api/gpts/{gpt_id}/conversations", json={"preview": preview})
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "idle"
    found: str = created.json()["id"]
    return found


async def say(server: Server, client: httpx.AsyncClient, conversation: str, text: str, **body: Any) -> str:
    """Send a message and wait for this process to finish driving the turn (done or paused)."""
    sent = await client.post(f"/api/conversations/{conversation}/messages", json={"text": text, **body})
    assert sent.status_code == 202, sent.text
    await server.services.chat.settled(conversation)
    found: str = sent.json()["run_id"]
    return found


async def decide(
    server: Server, client: httpx.AsyncClient, conversation: str, call_id: str, decision: str
) -> httpx.Response:
    answer = await client.post(
        f"/api/conversations/{conversation}/calls/{call_id}/decision", json={"decision": decision}
    )
    await server.services.chat.settled(conversation)
    return answer


async def read(client: httpx.AsyncClient, conversation: str) -> dict[str, Any]:
    found = await client.get(f"/api/conversations/{conversation}")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def of_type(conversation: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [e["data"] for e in conversation["events"] if e["type"] == type_]


def statuses(conversation: dict[str, Any]) -> list[str]:
    return [d["text"] for d in of_type(conversation, "status")]


def answer_text(conversation: dict[str, Any]) -> str:
    return "".join(d["text"] for d in of_type(conversation, "assistant_text"))


class FirstRequestHangs:
    """The scripted model behind a door: its first chat request arrives (``arrived``) and hangs until
    ``release``, then fails; later requests are the scripted model's. A model that has not answered
    yet, for Stop and for a process killed before the model answers."""

    def __init__(self, model: ScriptedModel) -> None:
        self.model = model
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/chat/completions"):
            self.requests += 1
            if self.requests == 1:
                self.arrived.set()
                await asyncio.to_thread(self.release.wait, 60)
                await JSONResponse({"error": {"message": "released"}}, status_code=500)(scope, receive, send)
                return
        await self.model.app(scope, receive, send)


@contextmanager
def hanging_model(*replies: Reply) -> Iterator[tuple[FirstRequestHangs, str]]:
    door = FirstRequestHangs(ScriptedModel(replies))
    try:
        with serve(door) as url:
            yield door, f"{url}/v1"
    finally:
        door.release.set()
