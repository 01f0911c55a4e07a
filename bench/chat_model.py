"""The model and the upstream API of bench/chat.py, in one process of their own:

    .venv/bin/python -m uvicorn chat_model:app --port PORT    (from bench/)

``/v1/chat/completions`` streams as the OpenAI API does (the scripted model's chunks) and decides
by the conversation, so any number of them can run at once: after a tool result it answers in
text, otherwise it calls ``getItem`` with the turn's number, read from the last user message
("turn 17"). ``/items/{n}`` is the upstream. Each records how long it took, by turn, in the
server (``/timings``), so the bench can subtract model and upstream time from a turn's total.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from actionforge.testing import call_tools, say
from actionforge.testing.payloads import Envelope, stream_chunks

timings: dict[str, dict[int, float]] = {"model": defaultdict(float), "upstream": defaultdict(float)}


def turn_of(messages: list[dict[str, Any]]) -> int:
    last_user = next(m for m in reversed(messages) if m["role"] == "user")
    found = re.search(r"turn (\d+)", str(last_user["content"]))
    return int(found.group(1)) if found else -1


async def completions(request: Request) -> StreamingResponse:
    started = time.perf_counter()
    body = await request.json()
    turn = turn_of(body["messages"])
    answered = body["messages"][-1]["role"] == "tool"
    reply = say(f"Item {turn} is here.") if answered else call_tools(("getItem", {"id": turn}))
    envelope = Envelope(f"chatcmpl-bench-{turn}", int(time.time()), str(body.get("model", "")))

    async def chunks() -> AsyncIterator[str]:
        for chunk in stream_chunks(reply, envelope, turn, body):
            yield f"data: {json.dumps(chunk)}\n\n"
        yield "data: [DONE]\n\n"
        timings["model"][turn] += time.perf_counter() - started

    return StreamingResponse(chunks(), media_type="text/event-stream")


async def item(request: Request) -> JSONResponse:
    started = time.perf_counter()
    turn = int(request.path_params["id"])
    answer = JSONResponse({"id": turn, "name": f"Item {turn}"})
    timings["upstream"][turn] += time.perf_counter() - started
    return answer


async def read_timings(_request: Request) -> JSONResponse:
    return JSONResponse({kind: {str(k): v for k, v in found.items()} for kind, found in timings.items()})


async def reset(_request: Request) -> JSONResponse:
    for found in timings.values():
        found.clear()
    return JSONResponse({})


app = Starlette(routes=[
    Route("/v1/chat/completions", completions, methods=["POST"]), Route("/items/{id}", item),
    Route("/timings", read_timings), Route("/reset", reset, methods=["POST"]),
])  # fmt: skip
