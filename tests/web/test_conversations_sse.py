"""The event stream over real HTTP (uvicorn on loopback, in the test's event loop): it follows a turn
as it runs, resumes after Last-Event-ID, and a second stream sees the same events."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from actionforge.web.app import create_app
from tests.chat.world import (
    Upstream,
    add_action,
    engine_allows_loopback,
    new_gpt,
    open_conversation,
    register_model,
    scripted,
    upstream,
)
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner

__all__ = ["engine_allows_loopback", "upstream"]


class _Uvicorn(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
async def live(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Server, str]]:
    """The app served by uvicorn on a socket bound before it starts (no start-up wait)."""
    clock, settings = FakeClock(), server_settings(tmp_path, database_url)
    app = create_app(settings, clock=clock, environ={})
    sock = socket.create_server(("127.0.0.1", 0))
    server = _Uvicorn(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await server.ready.wait()  # the lifespan (migrations) has run
    try:
        yield Server(app, clock, settings), f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def events_until(
    client: httpx.AsyncClient, path: str, stop: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Read the SSE stream until an event of type ``stop``; each as (id, event, data)."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with client.stream("GET", path, headers=headers or {}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith(("id:", "event:", "data:")):
                name, _, value = line.partition(":")
                current[name] = value.strip()
            elif not line and "data" in current:
                found.append({**current, "data": json.loads(current["data"])})
                if current["event"] == stop:
                    return found
                current = {}
    return found


async def test_the_stream_follows_a_turn_and_resumes_after_the_last_event_id(
    live: tuple[Server, str], upstream: tuple[Upstream, str]
) -> None:
    server, base = live
    _, url = upstream
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await sign_up_owner(server, client)
        gpt_id = await new_gpt(client)
        await add_action(client, gpt_id, url)
        with scripted(call_tools(("getItem", {"id": 2})), reply("It is Item 2.")) as (_, model_url):
            await register_model(client, model_url)
            conversation = await open_conversation(client, gpt_id)
            path = f"/api/conversations/{conversation}/events"
            first = asyncio.create_task(events_until(client, path, "turn_done"))
            second = asyncio.create_task(events_until(client, path, "turn_done"))
            sent = await client.post(f"/api/conversations/{conversation}/messages", json={"text": "Item 2?"})
            assert sent.status_code == 202
            seen, also = await asyncio.wait_for(asyncio.gather(first, second), 30)
    assert [e["event"] for e in seen] == ["user_message", "status", "confirm", "turn_done"]
    assert seen == also
    ids = [int(e["id"]) for e in seen]
    assert ids == sorted(set(ids))
    assert all(e["data"]["id"] == int(e["id"]) and e["data"]["type"] == e["event"] for e in seen)
    assert seen[2]["data"]["data"]["operation_id"] == "getItem"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.post(
            "/api/session", json={"email": "owner@example.com", "password": "correct horse battery"}
        )
        resumed = await asyncio.wait_for(
            events_until(client, path, "turn_done", headers={"Last-Event-ID": str(ids[1])}), 30
        )
        assert [int(e["id"]) for e in resumed] == ids[2:]
        after = await asyncio.wait_for(events_until(client, f"{path}?after={ids[2]}", "turn_done"), 30)
        assert [int(e["id"]) for e in after] == ids[3:]
