"""The scripted model speaks chat completions as the API does, and records what it is sent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from actionforge.testing import ScriptedModel, call_tools, fail, say

ASK = {"model": "m", "messages": [{"role": "user", "content": "Find pet 7, key sk-not-for-models"}]}


def sse_chunks(response: httpx.Response) -> list[Any]:
    lines = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_a_streamed_tool_call_sends_id_and_name_first_then_argument_pieces() -> None:
    scripted = ScriptedModel(
        [call_tools(("getPetById", {"petId": 7}), chunk_size=5)], clock=lambda: 1_700_000_000
    )
    with scripted.serve() as base_url:
        response = httpx.post(f"{base_url}/chat/completions", json=ASK | {"stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(response)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0] == {"role": "assistant", "content": ""}
    calls = [d["tool_calls"][0] for d in deltas if "tool_calls" in d]
    assert calls[0] == {
        "index": 0,
        "id": "call_1_0",
        "type": "function",
        "function": {"name": "getPetById", "arguments": ""},
    }
    pieces = [c["function"]["arguments"] for c in calls[1:]]
    assert len(pieces) > 1
    assert "".join(pieces) == '{"petId": 7}'
    assert all(set(c) == {"index", "function"} for c in calls[1:])
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert {c["created"] for c in chunks} == {1_700_000_000}
    assert "usage" not in chunks[-1]  # only with stream_options.include_usage


def test_usage_comes_last_with_empty_choices_when_asked_for() -> None:
    scripted = ScriptedModel([say("two words")])
    with scripted.serve() as base_url:
        body = ASK | {"stream": True, "stream_options": {"include_usage": True}}
        chunks = sse_chunks(httpx.post(f"{base_url}/chat/completions", json=body))
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 2
    assert all(c["usage"] is None for c in chunks[:-1])


def test_a_non_streamed_reply_parses_in_the_sdk() -> None:
    scripted = ScriptedModel([call_tools(("a", {"x": 1}), ("b", "not json"), text="Both.")])
    with scripted.serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        completion = client.chat.completions.create(model="m", messages=ASK["messages"])  # type: ignore[arg-type]
        client.close()
    message = completion.choices[0].message
    assert message.content == "Both."
    assert [
        (c.function.name, c.function.arguments) for c in message.tool_calls or [] if c.type == "function"
    ] == [
        ("a", '{"x": 1}'),
        ("b", "not json"),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"


def test_models_are_listed() -> None:
    with ScriptedModel([], models=("one", "two")).serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        assert [m.id for m in client.models.list()] == ["one", "two"]
        client.close()


def test_an_error_reply_has_its_status_headers_and_openai_body() -> None:
    scripted = ScriptedModel([fail(429, "Slow down", headers={"retry-after": "3"})])
    with scripted.serve() as base_url:
        response = httpx.post(f"{base_url}/chat/completions", json=ASK)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json() == {
        "error": {"message": "Slow down", "type": "rate_limit_error", "param": None, "code": None}
    }


def test_every_request_is_recorded_and_searchable() -> None:
    scripted = ScriptedModel([say("one"), say("two")])
    with scripted.serve() as base_url:
        httpx.post(f"{base_url}/chat/completions", json=ASK, headers={"authorization": "Bearer sk-provider"})
        httpx.post(f"{base_url}/chat/completions", json=ASK | {"stream": True})
    first, second = scripted.requests
    assert first.messages == ASK["messages"]
    assert first.headers["authorization"] == "Bearer sk-provider"
    assert "sk-provider" not in repr(first)
    assert second.body["stream"] is True
    assert scripted.saw("sk-not-for-models")
    assert not scripted.saw("sk-provider")  # headers are not what the model reads
    assert scripted.remaining == 0


def test_a_request_past_the_end_of_the_script_fails_loudly() -> None:
    scripted = ScriptedModel([say("only one")])
    with scripted.serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        client.chat.completions.create(model="m", messages=ASK["messages"])  # type: ignore[arg-type]
        with pytest.raises(openai.InternalServerError, match="no reply left: its script had 1"):
            client.chat.completions.create(model="m", messages=ASK["messages"])  # type: ignore[arg-type]
        client.close()
    assert len(scripted.requests) == 2


def test_a_body_that_is_not_json_is_a_400() -> None:
    with ScriptedModel([say("x")]).serve() as base_url:
        response = httpx.post(
            f"{base_url}/chat/completions", content=b"{", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
