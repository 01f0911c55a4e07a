"""Real ``actionforge serve`` processes on one database: a turn paused on one and resumed on the
other, with the first process's event stream seeing the second's events; a decision clicked on
both at once resumes once; and a process killed with SIGKILL while a call is being sent, whose turn
another process recovers without sending the call again."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from tests.chat.world import Upstream, document, hanging_model, scripted, upstream
from tests.web.conftest import PASSWORD
from tests.web.processes import CLI, environment, free_port
from tests.web.test_conversations_recovery import HangingShop, hanging

__all__ = ["hanging", "upstream"]


@pytest.fixture(autouse=True)
def processes_allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The servers' environment (they copy the test's): loopback upstreams, and leases short enough
    that a dead process's turn is recovered within the test."""
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")
    monkeypatch.setenv("ACTIONFORGE_MODELS_LOCAL_NETWORK", "true")  # the scripted model on 127.0.0.1
    monkeypatch.setenv("ACTIONFORGE_CHAT_LEASE_S", "2")
    monkeypatch.setenv("ACTIONFORGE_CHAT_SWEEP_INTERVAL_S", "0.2")
    monkeypatch.setenv("ACTIONFORGE_CHAT_POLL_INTERVAL_MS", "50")


@contextmanager
def server_process(
    tmp_path: Path, database_url: str, name: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port, out = free_port(), tmp_path / f"{name}.out"
    with out.open("wb") as sink:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)],
            env=environment(tmp_path, database_url),
            stdout=sink,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # start-up: readiness, not a timing assertion
            if process.poll() is not None:
                pytest.fail(out.read_text())
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, process, out
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def owner_token(base: str, out: Path) -> dict[str, str]:
    found = re.search(r"setup\?token=(\S+)", out.read_text())
    assert found, out.read_text()
    body = {"token": found.group(1), "email": "o@example.com", "display_name": "O", "password": PASSWORD}
    with httpx.Client(base_url=base) as client:
        csrf = client.post("/api/setup", json=body).json()["csrf_token"]
        token = client.post("/api/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


async def shop_conversation(client: httpx.AsyncClient, api_url: str, model_url: str) -> str:
    ws = (await client.get("/api/workspaces")).json()["items"][0]["id"]
    gpt_id = (await client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Shopper"})).json()["id"]
    action = await client.post(f"/api/gpts/{gpt_id}/actions", json={"schema": document(api_url)})
    assert action.status_code == 201, action.text
    provider = await client.post(
        f"/api/workspaces/{ws}/model-providers",
        json={"name": "local", "kind": "openai", "base_url": model_url},
    )
    assert provider.status_code == 201, provider.text
    model = await client.post(
        f"/api/model-providers/{provider.json()['id']}/models", json={"name": "scripted"}
    )
    assert model.status_code == 201, model.text
    conversation: str = (
        await client.post(f"/api/gpts/{gpt_id}/conversations", json={"preview": True})
    ).json()["id"]
    return conversation


async def stream(client: httpx.AsyncClient, conversation: str) -> AsyncGenerator[dict[str, Any], None]:
    """The conversation's SSE events, as they come, each as the Event JSON."""
    async with client.stream("GET", f"/api/conversations/{conversation}/events") as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                yield json.loads(line[5:])


async def until(events: AsyncIterator[dict[str, Any]], type_: str, **data: Any) -> list[dict[str, Any]]:
    seen = []
    async for event in events:
        seen.append(event)
        if event["type"] == type_ and all(event["data"].get(k) == v for k, v in data.items()):
            return seen
    raise AssertionError(f"the stream ended before {type_} {data}: {seen}")


async def test_paused_on_one_process_resumed_on_the_other_and_streamed_on_the_first(
    tmp_path: Path, database_url: str, upstream: tuple[Upstream, str]
) -> None:
    api, api_url = upstream
    order = call_tools(("createOrder", {"item": 4}))
    with (
        scripted(order, reply("Ordered on the other process.")) as (_, model_url),
        server_process(tmp_path, database_url, "first") as (first, _, out),
        server_process(tmp_path, database_url, "second") as (second, _, _),
    ):
        auth = owner_token(first, out)
        async with (
            httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as a,
            httpx.AsyncClient(base_url=second, headers=auth, timeout=30) as b,
        ):
            conversation = await shop_conversation(a, api_url, model_url)
            events = stream(a, conversation)
            sent = await a.post(f"/api/conversations/{conversation}/messages", json={"text": "Order item 4"})
            assert sent.status_code == 202
            paused = await asyncio.wait_for(until(events, "turn_done", outcome="paused"), 30)
            (card,) = [e["data"] for e in paused if e["type"] == "confirm"]
            path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
            answers = await asyncio.gather(
                b.post(path, json={"decision": "allow"}), a.post(path, json={"decision": "allow"})
            )
            assert sorted(r.status_code for r in answers) == [200, 409]  # resumed once, wherever
            rest = await asyncio.wait_for(until(events, "turn_done", outcome="done"), 30)
            await events.aclose()
            texts = [e["data"].get("text") for e in rest]
            assert "Talked to 127.0.0.1" in texts
            assert "Ordered on the other process." in "".join(t or "" for t in texts)
            ids = [e["id"] for e in paused + rest]
            assert ids == sorted(set(ids))
            found = (await b.get(f"/api/conversations/{conversation}")).json()
            assert [e["id"] for e in found["events"]] == ids
    assert api.orders == [{"item": 4}]


async def test_a_process_killed_while_sending_leaves_a_turn_another_process_recovers_without_resending(
    tmp_path: Path, database_url: str, hanging: tuple[HangingShop, str]
) -> None:
    shop, shop_url = hanging
    replies = (
        call_tools(("createOrder", {"item": 9})),
        reply("It may or may not have gone through."),
        reply("Ok."),
    )
    with scripted(*replies) as (model, model_url):
        with server_process(tmp_path, database_url, "first") as (first, process, out):
            auth = owner_token(first, out)
            async with httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as a:
                conversation = await shop_conversation(a, shop_url, model_url)
                events = stream(a, conversation)
                await a.post(f"/api/conversations/{conversation}/messages", json={"text": "Order item 9"})
                paused = await asyncio.wait_for(until(events, "turn_done", outcome="paused"), 30)
                (card,) = [e["data"] for e in paused if e["type"] == "confirm"]
                path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
                assert (await a.post(path, json={"decision": "allow"})).status_code == 200
                assert await asyncio.to_thread(shop.arrived.wait, 20)  # the request has left
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                await events.aclose()
        with server_process(tmp_path, database_url, "second") as (second, _, _):
            async with httpx.AsyncClient(base_url=second, headers=auth, timeout=30) as b:
                events = stream(b, conversation)
                recovered = await asyncio.wait_for(until(events, "turn_done", outcome="done"), 60)
                notices = [e["data"]["text"] for e in recovered if e["type"] == "notice"]
                assert any("may or may not have happened" in n for n in notices)
                shop.release.set()
                sent = await b.post(f"/api/conversations/{conversation}/messages", json={"text": "Thanks"})
                assert sent.status_code == 202  # the user can continue
                await asyncio.wait_for(until(events, "turn_done", outcome="done"), 30)
                await events.aclose()
                found = (await b.get(f"/api/conversations/{conversation}")).json()
        assert [e["data"]["text"] for e in found["events"] if e["type"] == "user_message"] == [
            "Order item 9", "Thanks",
        ]  # fmt: skip
        told = [m["content"] for m in model.requests[1].messages if m["role"] == "tool"]
        assert "may or may not have happened" in told[0]
    assert shop.orders == 1


async def test_a_process_killed_before_the_model_answers_leaves_a_turn_another_process_finishes(
    tmp_path: Path, database_url: str
) -> None:
    with hanging_model(reply("Hello after the restart."), reply("Ok.")) as (door, model_url):
        with server_process(tmp_path, database_url, "first") as (first, process, out):
            auth = owner_token(first, out)
            async with httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as a:
                conversation = await shop_conversation(a, "http://127.0.0.1:9", model_url)
                await a.post(f"/api/conversations/{conversation}/messages", json={"text": "Hello"})
                assert await asyncio.to_thread(door.arrived.wait, 20)  # the model has the request
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
        door.release.set()
        with server_process(tmp_path, database_url, "second") as (second, _, _):
            async with httpx.AsyncClient(base_url=second, headers=auth, timeout=30) as b:
                events = stream(b, conversation)
                await asyncio.wait_for(until(events, "turn_done", outcome="done"), 60)
                await b.post(f"/api/conversations/{conversation}/messages", json={"text": "Thanks"})
                await asyncio.wait_for(until(events, "turn_done", outcome="done"), 30)
                await events.aclose()
                found = (await b.get(f"/api/conversations/{conversation}")).json()
    texts = [(e["type"], e["data"].get("text")) for e in found["events"] if e["type"] != "turn_done"]
    assert texts == [
        ("user_message", "Hello"), ("assistant_text", "Hello after the restart."), ("assistant_done", None),
        ("user_message", "Thanks"), ("assistant_text", "Ok."), ("assistant_done", None),
    ]  # fmt: skip
    recovered = door.model.requests[0].messages
    assert [m["content"] for m in recovered if m["role"] == "user"] == ["Hello"]  # asked again, once


@contextmanager
def database_write_lock(database_url: str) -> Iterator[Callable[[], bool]]:
    """Hold the database's writes (SQLite: a reserved lock; PostgreSQL: the tool-call table), so a
    process cannot store a call's result; yields "is a writer waiting?" (None known on SQLite)."""
    if database_url.startswith("sqlite"):
        lite = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield lambda: True
        finally:
            lite.rollback()
            lite.close()
        return
    with psycopg.connect(database_url) as connection:
        connection.execute("LOCK TABLE chat_tool_calls IN EXCLUSIVE MODE")
        blocked = "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%chat_tool_calls%'"
        with psycopg.connect(database_url, autocommit=True) as observer:
            yield lambda: bool(observer.execute(f"SELECT count(*) {blocked}").fetchone()[0])  # type: ignore[index]
            # The process was killed before its write could run: so the write never runs. (A
            # statement in autocommit would otherwise run, and commit, once the lock is gone.)
            observer.execute(f"SELECT pg_terminate_backend(pid) {blocked}")
        connection.rollback()


async def test_a_process_killed_after_the_call_before_its_result_is_stored_does_not_send_it_again(
    tmp_path: Path, database_url: str, hanging: tuple[HangingShop, str]
) -> None:
    shop, shop_url = hanging
    replies = call_tools(("createOrder", {"item": 2})), reply("It may or may not have gone through.")
    with scripted(*replies) as (model, model_url):
        with server_process(tmp_path, database_url, "first") as (first, process, out):
            auth = owner_token(first, out)
            async with httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as a:
                conversation = await shop_conversation(a, shop_url, model_url)
                events = stream(a, conversation)
                await a.post(f"/api/conversations/{conversation}/messages", json={"text": "Order item 2"})
                paused = await asyncio.wait_for(until(events, "turn_done", outcome="paused"), 30)
                await events.aclose()
                (card,) = [e["data"] for e in paused if e["type"] == "confirm"]
                path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
                assert (await a.post(path, json={"decision": "allow"})).status_code == 200
                assert await asyncio.to_thread(shop.arrived.wait, 20)
                with database_write_lock(database_url) as writer_waiting:
                    shop.release.set()  # the API answers; the process cannot store the result
                    assert await asyncio.to_thread(shop.answered.wait, 20)
                    for _ in range(200):  # PostgreSQL shows the blocked UPDATE; readiness, not timing
                        if writer_waiting():
                            break
                        await asyncio.sleep(0.05)
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=10)
        with server_process(tmp_path, database_url, "second") as (second, _, _):
            async with httpx.AsyncClient(base_url=second, headers=auth, timeout=30) as b:
                events = stream(b, conversation)
                recovered = await asyncio.wait_for(until(events, "turn_done", outcome="done"), 60)
                await events.aclose()
    notices = [e["data"]["text"] for e in recovered if e["type"] == "notice"]
    assert any("may or may not have happened" in n for n in notices)
    assert shop.orders == 1
    told = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert len(told) == 1


async def test_stop_asked_on_another_process_ends_the_turn_where_it_runs(
    tmp_path: Path, database_url: str
) -> None:
    with (
        hanging_model(reply("Later.")) as (door, model_url),
        server_process(tmp_path, database_url, "first") as (first, _, out),
        server_process(tmp_path, database_url, "second") as (second, _, _),
    ):
        auth = owner_token(first, out)
        async with (
            httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as a,
            httpx.AsyncClient(base_url=second, headers=auth, timeout=30) as b,
        ):
            conversation = await shop_conversation(a, "http://127.0.0.1:9", model_url)
            events = stream(a, conversation)
            await a.post(f"/api/conversations/{conversation}/messages", json={"text": "Hello"})
            assert await asyncio.to_thread(door.arrived.wait, 20)  # the first process awaits the model
            assert (await b.post(f"/api/conversations/{conversation}/stop")).status_code == 202
            seen = await asyncio.wait_for(until(events, "turn_done"), 30)
            await events.aclose()
            assert seen[-1]["data"] == {"outcome": "stopped"}
            assert (await b.get(f"/api/conversations/{conversation}")).json()["state"] == "idle"
