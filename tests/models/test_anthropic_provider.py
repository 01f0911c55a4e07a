"""The Anthropic provider through the real anthropic SDK against a Messages-API stream on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

import actionforge
from actionforge.models import (
    AssistantMessage,
    ChatModel,
    ChatRequest,
    ContextOverflow,
    Finish,
    Message,
    ModelAuthFailed,
    ModelEvent,
    ModelInfo,
    ModelRateLimited,
    ModelRegistry,
    ModelUnavailable,
    ProviderConfig,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolResultMessage,
    Usage,
    UserMessage,
    collect,
    open_model,
    tool_definitions,
)
from tests.models.anthropic_server import (
    AnthropicServer,
    Scripted,
    error_body,
    message_end,
    message_start,
    text_block,
    tool_block,
)
from tests.servers.threaded import serve

KEY = "sk-ant-test-key-0987654321"
HELLO = ChatRequest([UserMessage("Hello")])


@asynccontextmanager
async def anthropic_on(responses: list[Scripted]) -> AsyncIterator[tuple[AnthropicServer, ChatModel]]:
    server = AnthropicServer(responses)
    with serve(server.app) as base_url:
        registry = ModelRegistry()
        key = actionforge.SecretValue(KEY)
        registry.add_provider(
            ProviderConfig("claude", "anthropic", api_key=key, base_url=base_url, max_retries=0)
        )
        registry.add_model(ModelInfo("claude", "claude-test", max_output_tokens=321))
        model = open_model(registry, "claude/claude-test")
        try:
            yield server, model
        finally:
            await model.aclose()


async def test_text_streams_with_usage_and_finish() -> None:
    events = [message_start(11), *text_block(0, "Hel", "lo!"), *message_end("end_turn", 5)]
    async with anthropic_on([events]) as (server, model):
        received = [e async for e in model.stream(HELLO)]
    assert [e.text for e in received if isinstance(e, TextDelta)] == ["Hel", "lo!"]
    assert received[-2:] == [Usage(11, 5), Finish("stop")]
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"  # how this SDK version sends the key


async def test_parallel_tool_uses_with_split_json_are_assembled() -> None:
    events = [
        message_start(),
        *text_block(0, "Looking."),
        *tool_block(1, "toolu_a", "getPetById", '{"pet', 'Id": ', "7}"),
        *tool_block(2, "toolu_b", "listPets", ""),
        *message_end("tool_use"),
    ]
    async with anthropic_on([events]) as (_, model):
        received = [e async for e in model.stream(HELLO)]
    completion = await _collected(received)
    assert completion == (
        "Looking.",
        (ToolCall("toolu_a", "getPetById", '{"petId": 7}'), ToolCall("toolu_b", "listPets", "{}")),
        "tool_calls",
    )
    assert sum(isinstance(e, ToolCallDelta) for e in received) == 6


async def _collected(events: list[ModelEvent]) -> tuple[str, tuple[ToolCall, ...], str | None]:
    async def replay() -> AsyncIterator[ModelEvent]:
        for event in events:
            yield event

    completion = await collect(replay())
    return completion.text, completion.tool_calls, completion.finish_reason


async def test_the_conversation_and_tools_reach_anthropic_in_its_form() -> None:
    action = actionforge.load_action(actionforge.example_text("petstore"))
    calls = (ToolCall("toolu_a", "getPetById", '{"petId": 7}'), ToolCall("toolu_b", "listPets", "not json"))
    messages: list[Message] = [
        SystemMessage("You are a pet shop."),
        UserMessage("Find pet 7"),
        AssistantMessage("Looking.", calls),
        ToolResultMessage("toolu_a", '{"name": "Rex"}'),
        ToolResultMessage("toolu_b", "Error: 500", is_error=True),
    ]
    events = [message_start(), *text_block(0, "Rex."), *message_end("end_turn")]
    async with anthropic_on([events]) as (server, model):
        tools = tool_definitions(model, [action])
        await collect(model.stream(ChatRequest(messages, tools=tools, parallel_tool_calls=False)))
    sent = server.requests[0]
    assert sent["system"] == "You are a pet shop."
    assert sent["max_tokens"] == 321
    assert sent["messages"] == [
        {"role": "user", "content": "Find pet 7"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Looking."},
                {"type": "tool_use", "id": "toolu_a", "name": "getPetById", "input": {"petId": 7}},
                {"type": "tool_use", "id": "toolu_b", "name": "listPets", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": '{"name": "Rex"}'},
                {"type": "tool_result", "tool_use_id": "toolu_b", "content": "Error: 500", "is_error": True},
            ],
        },
    ]
    assert sent["tools"] == json.loads(json.dumps(action.tools(dialect="anthropic")))
    assert sent["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (
            (429, error_body("rate_limit_error", "Number of requests has exceeded your rate limit")),
            ModelRateLimited,
        ),
        ((401, error_body("authentication_error", "invalid x-api-key")), ModelAuthFailed),
        (
            (400, error_body("invalid_request_error", "prompt is too long: 210000 tokens > 200000")),
            ContextOverflow,
        ),
        ((529, error_body("overloaded_error", "Overloaded")), ModelUnavailable),
    ],
)
async def test_error_responses_map_to_the_layers_errors(response: Scripted, kind: type[Exception]) -> None:
    async with anthropic_on([response]) as (_, model):
        with pytest.raises(kind):
            await collect(model.stream(HELLO))


async def test_an_error_event_inside_the_stream_is_a_model_error() -> None:
    overloaded = error_body("overloaded_error", "Overloaded")
    events = [message_start(), *text_block(0, "Hal"), overloaded]
    async with anthropic_on([events]) as (_, model):
        with pytest.raises(ModelUnavailable) as caught:
            await collect(model.stream(HELLO))
    assert caught.value.detail == "Overloaded"
