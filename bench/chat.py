"""Chat benchmark: turns with one tool call each, through the chat layer (persisted turns, leases,
events) against the same loop written directly with the openai SDK and httpx, without persistence.

    .venv/bin/python bench/chat.py [--turns 200] [--levels 1,10,100] [--skip-postgres]

The model (a scripted OpenAI-compatible stream with no delay) and the upstream API run in a process
of their own (``chat_model.py``) and time themselves per turn, so a turn's overhead is its total
minus the model's and the upstream's time, for both sides alike. Ours runs in this process through
``ChatService`` (the HTTP API's work minus HTTP) on SQLite and, when ACTIONFORGE_TEST_POSTGRES_URL is
set, on PostgreSQL, as published-GPT conversations (no Preview debug entries). ``--levels`` are how
many conversations run at once. ``cpu/turn`` is this process's CPU time per turn (the model and the
upstream run elsewhere): on a shared machine, where wall times are mostly waiting for a core, the
figure to compare. Both sides run on the event loop ``actionforge serve`` runs on (uvicorn's
``loop="auto"``: uvloop when it is installed, as it is with actionforge). Target: overhead under
10 ms p50 on SQLite, under 15 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from api import free_port, fresh_postgres, process

HERE = Path(__file__).resolve().parent
for _name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
    os.environ[f"ACTIONFORGE_{_name}"] = "true"  # the loopback upstream, as an operator would allow it
os.environ["ACTIONFORGE_MODELS_LOCAL_NETWORK"] = "true"  # and the loopback model, as for a local Ollama

import actionforge  # noqa: E402  (after the egress settings above)
from actionforge.platform.settings import ServerSettings  # noqa: E402
from actionforge.store.tables import User  # noqa: E402
from actionforge.web.app import create_app  # noqa: E402

WARM_UP = 10
COLUMNS = (("convs", 6), ("side", -9), ("turns/s", 8), ("total p50", 10), ("over p50", 10), ("over p99", 10))
HEADER = " ".join(f"{n:<{-w}}" if w < 0 else f"{n:>{w}}" for n, w in (*COLUMNS, ("cpu/turn", 9)))
Turn = Callable[[int, int], Awaitable[float]]  # (conversation index, turn number) -> seconds


def document(base_url: str) -> str:
    operation = {
        "operationId": "getItem", "summary": "Read one item",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok"}},
    }  # fmt: skip
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Shop", "version": "1", "description": "Items."},
        "servers": [{"url": base_url}], "paths": {"/items/{id}": {"get": operation}},
    })  # fmt: skip


async def ours(app: Any, servers: str, conversations: int) -> tuple[Turn, Callable[[], Awaitable[None]]]:
    """A published GPT on the upstream, the model registered, and a conversation open for each turn
    number below ``conversations`` (each turn is a conversation's first, as each of the baseline's
    is: the prompt is the same size on both sides); a turn function."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    svc = app.state.services
    link = await svc.accounts.setup_link()
    body = {
        "token": link.split("token=")[1],
        "email": "b@example.com",
        "display_name": "B",
        "password": "bench pw 1",
    }
    client.headers["X-CSRF-Token"] = (await client.post("/api/setup", json=body)).json()["csrf_token"]
    ws = (await client.get("/api/workspaces")).json()["items"][0]["id"]
    gpt = (await client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Bench"})).json()["id"]
    await client.post(f"/api/gpts/{gpt}/actions", json={"schema": document(servers)})
    provider = {"name": "bench", "kind": "openai", "base_url": f"{servers}/v1"}
    provider_id = (await client.post(f"/api/workspaces/{ws}/model-providers", json=provider)).json()["id"]
    await client.post(f"/api/model-providers/{provider_id}/models", json={"name": "scripted"})
    await client.post(f"/api/gpts/{gpt}/publish", json={"visibility": "private"})
    await client.put(f"/api/gpts/{gpt}/consents", json={"domain": "127.0.0.1", "choice": "always"})
    ids = [
        (await client.post(f"/api/gpts/{gpt}/conversations", json={"preview": False})).json()["id"]
        for _ in range(conversations)
    ]
    async with svc.platform.db.session() as s:
        user = (await s.scalars(select(User))).one()
    chat = svc.chat

    async def turn(conversation: int, number: int) -> float:
        started = time.perf_counter()
        run_id = await chat.send(user, ids[number], f"turn {number}", None)
        await chat.finished(run_id)
        return time.perf_counter() - started

    return turn, client.aclose


async def baseline(servers: str) -> tuple[Turn, Callable[[], Awaitable[None]]]:
    """The same turn with the openai SDK and httpx: prompt, stream, call, stream again; nothing stored."""
    import openai

    model = openai.AsyncOpenAI(base_url=f"{servers}/v1", api_key="bench", max_retries=2)  # as ours
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
    tools = actionforge.load_action(document(servers)).tools(dialect="openai")

    async def stream(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        # Plain JSON messages and tools, as our provider sends them; the SDK's TypedDict overloads
        # would need a cast per message shape.
        create: Any = model.chat.completions.create
        response = await create(model="scripted", messages=messages, tools=tools, stream=True)
        async for chunk in response:
            for choice in chunk.choices:
                text.append(choice.delta.content or "")
                for call in choice.delta.tool_calls or ():
                    found = calls.setdefault(call.index, {"id": call.id, "name": "", "arguments": ""})
                    found["name"] += (call.function.name or "") if call.function else ""
                    found["arguments"] += (call.function.arguments or "") if call.function else ""
        return "".join(text), list(calls.values())

    async def turn(conversation: int, number: int) -> float:
        started = time.perf_counter()
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "Items."},
            {"role": "user", "content": f"turn {number}"},
        ]
        _, calls = await stream(messages)
        (call,) = calls
        args = json.loads(call["arguments"])
        result = (await http.get(f"{servers}/items/{args['id']}")).text
        function = {"name": call["name"], "arguments": call["arguments"]}
        made = {"id": call["id"], "type": "function", "function": function}
        messages.append({"role": "assistant", "content": "", "tool_calls": [made]})
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        text, _ = await stream(messages)
        assert text, "the model answered nothing"
        return time.perf_counter() - started

    async def close() -> None:
        await http.aclose()
        await model.close()

    return turn, close


async def level(
    turn: Turn, conversations: int, turns: int, first: int
) -> tuple[float, float, dict[int, float]]:
    """``turns`` turns spread over ``conversations`` running at once; (wall seconds, this process's
    CPU seconds, totals by turn)."""
    totals: dict[int, float] = {}
    numbers = iter(range(first, first + turns))

    async def one(conversation: int) -> None:
        for number in numbers:
            totals[number] = await turn(conversation, number)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(c) for c in range(conversations)))
    return time.perf_counter() - started, time.process_time() - cpu, totals


def overheads(totals: dict[int, float], timings: dict[str, dict[str, float]]) -> list[float]:
    model, upstream = timings["model"], timings["upstream"]
    missing = [n for n in totals if str(n) not in upstream]
    if missing:
        sys.exit(f"turns without their upstream call: {missing[:5]}")
    return [totals[n] - model[str(n)] - upstream[str(n)] for n in totals]


def report(
    name: str, side: str, wall: float, cpu: float, totals: dict[int, float], extra: list[float]
) -> None:
    ordered = sorted(extra)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    total, per_turn = statistics.median(totals.values()) * 1000, cpu / len(totals) * 1000
    figures = f"{len(totals) / wall:>8.0f} {total:>10.2f} {p50:>10.2f} {p99:>10.2f} {per_turn:>9.2f}"
    print(f"{name:>6} {side:<9} {figures}")


async def run(database: str, url: str, args: argparse.Namespace, servers: str) -> None:
    levels = [int(n) for n in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        settings = ServerSettings(data_dir=Path(tmp), database_url=url)
        app = create_app(settings, environ={})
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(app.router.lifespan_context(app))
            sizes = [max(args.turns, 2 * conversations) for conversations in levels]
            ours_turn, close_ours = await ours(app, servers, WARM_UP + sum(sizes))
            base_turn, close_base = await baseline(servers)
            stack.push_async_callback(close_ours)
            stack.push_async_callback(close_base)
            async with httpx.AsyncClient(base_url=servers) as control:
                print(f"\n{database}: turns with one tool call; overhead = total - model - upstream; ms")
                print(HEADER)
                await level(ours_turn, 1, WARM_UP, 0)  # warm up both sides: imports, pools, caches
                await level(base_turn, 1, WARM_UP, 0)
                first = WARM_UP
                for conversations, turns in zip(levels, sizes, strict=True):
                    for side, turn in (("ours", ours_turn), ("baseline", base_turn)):
                        await control.post("/reset")
                        wall, cpu, totals = await level(turn, conversations, turns, first)
                        timings = (await control.get("/timings")).json()
                        report(str(conversations), side, wall, cpu, totals, overheads(totals, timings))
                    first += turns


def event_loop() -> asyncio.Runner:
    """The loop uvicorn's ``loop="auto"`` would give the server: uvloop when installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--turns", type=int, default=200, help="turns per level (at least 2 per conversation)"
    )
    parser.add_argument("--levels", default="1,10,100", help="conversations at once, comma-separated")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    port = free_port()
    servers = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "chat_model:app", "--port", str(port), "--log-level", "error"]
    with (
        tempfile.TemporaryDirectory() as tmp,
        process(cmd, dict(os.environ), Path(tmp) / "model.out", f"{servers}/timings"),
    ):
        with event_loop() as loop:
            loop.run(run("sqlite", f"sqlite:///{tmp}/bench.db", args, servers))
        postgres = os.environ.get("ACTIONFORGE_TEST_POSTGRES_URL")
        if postgres and not args.skip_postgres:
            with fresh_postgres(postgres) as url, event_loop() as loop:
                loop.run(run("postgresql", url, args, servers))
        else:
            print("\n(PostgreSQL skipped: set ACTIONFORGE_TEST_POSTGRES_URL, e.g. from ./scripts/postgres)")


if __name__ == "__main__":
    main()
