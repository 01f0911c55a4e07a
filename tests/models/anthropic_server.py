"""A small Anthropic-compatible Messages endpoint on loopback, for the Anthropic provider's tests.

No real provider is reachable from the tests, so this speaks the Messages API's streaming format
(``message_start``, ``content_block_start`` / ``_delta`` / ``_stop``, ``message_delta``,
``message_stop``, and ``error`` events) as the API reference describes it. Each POST takes the
next scripted response: a list of events, or an ``(status, body)`` error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Event = dict[str, Any]
Scripted = list[Event] | tuple[int, dict[str, Any]]


def message_start(input_tokens: int = 10) -> Event:
    usage = {"input_tokens": input_tokens, "output_tokens": 1}
    message: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    return {"type": "message_start", "message": message}


def text_block(index: int, *pieces: str) -> list[Event]:
    start = {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
    deltas = [
        {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": p}}
        for p in pieces
    ]
    return [start, *deltas, {"type": "content_block_stop", "index": index}]


def tool_block(index: int, id_: str, name: str, *json_pieces: str) -> list[Event]:
    block = {"type": "tool_use", "id": id_, "name": name, "input": {}}
    start = {"type": "content_block_start", "index": index, "content_block": block}
    deltas = [
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "input_json_delta", "partial_json": p},
        }
        for p in json_pieces
    ]
    return [start, *deltas, {"type": "content_block_stop", "index": index}]


def message_end(stop_reason: str, output_tokens: int = 20) -> list[Event]:
    delta = {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}}
    return [delta | {"usage": {"output_tokens": output_tokens}}, {"type": "message_stop"}]


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


class AnthropicServer:
    def __init__(self, responses: list[Scripted]) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])])

    async def _messages(self, request: Request) -> Response:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        response = self.responses.pop(0)
        if isinstance(response, tuple):
            status, body = response
            return JSONResponse(body, status)
        return StreamingResponse(_sse(response), media_type="text/event-stream")


async def _sse(events: list[Event]) -> AsyncIterator[str]:
    for event in events:
        yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
