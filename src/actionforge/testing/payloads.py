"""A scripted `Reply` as the OpenAI chat completions API sends it: streamed chunks or one body.

Written by hand because this is the thing under imitation: the chunk shapes follow the API's
reference (a role delta first, text deltas, each tool call's id and name in its first delta and
its arguments split over the following ones, the finish reason, then the usage chunk with empty
``choices`` when ``stream_options.include_usage`` is set).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from actionforge.testing.script import Reply, ScriptedError, ScriptedToolCall


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every chunk or body of one reply shares."""

    id: str
    created: int
    model: str

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return self.base("chat.completion.chunk") | {"choices": [choice]}

    def base(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def call_id(reply_number: int, index: int, call: ScriptedToolCall) -> str:
    return call.id or f"call_{reply_number}_{index}"


def usage(reply: Reply, request: dict[str, Any]) -> dict[str, int]:
    """The script's counts, or a stable estimate: one token per word sent and received."""
    if reply.usage is not None:
        prompt, completion = reply.usage.prompt_tokens, reply.usage.completion_tokens
    else:
        prompt = len(json.dumps(request.get("messages", [])).split())
        completion = len(reply.text.split()) + sum(len(c.arguments_text().split()) for c in reply.tool_calls)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def stream_chunks(
    reply: Reply, envelope: Envelope, number: int, request: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The chunks of a streamed reply, in order."""
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    extra: dict[str, Any] = {"usage": None} if include_usage else {}
    yield envelope.chunk({"role": "assistant", "content": ""}) | extra
    for piece in _pieces(reply.text, reply.chunk_size):
        yield envelope.chunk({"content": piece}) | extra
    for index, call in enumerate(reply.tool_calls):
        for delta in _tool_call_deltas(index, call_id(number, index, call), call, reply.chunk_size):
            yield envelope.chunk({"tool_calls": [delta]}) | extra
    if reply.interrupt is not None:
        yield error_body(reply.interrupt)
        return
    yield envelope.chunk({}, reply.finish()) | extra
    if include_usage:
        yield envelope.base("chat.completion.chunk") | {"choices": [], "usage": usage(reply, request)}


def _tool_call_deltas(index: int, id_: str, call: ScriptedToolCall, size: int) -> Iterator[dict[str, Any]]:
    function = {"name": call.name, "arguments": ""}
    yield {"index": index, "id": id_, "type": "function", "function": function}
    for piece in _pieces(call.arguments_text(), size):
        yield {"index": index, "function": {"arguments": piece}}


def completion_body(reply: Reply, envelope: Envelope, number: int, request: dict[str, Any]) -> dict[str, Any]:
    """The body of a non-streamed reply."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id(number, i, c),
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments_text()},
            }
            for i, c in enumerate(reply.tool_calls)
        ]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish()}
    return envelope.base("chat.completion") | {"choices": [choice], "usage": usage(reply, request)}


def error_body(error: ScriptedError) -> dict[str, Any]:
    kind = error.type or ("rate_limit_error" if error.status == 429 else "invalid_request_error")
    return {"error": {"message": error.message, "type": kind, "param": None, "code": error.code}}
