"""The OpenAI-compatible provider through the real openai SDK against the scripted model server."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import httpx2
import openai
import pytest

import actionforge
from actionforge.models import (
    AssistantMessage,
    ChatRequest,
    ContextOverflow,
    Finish,
    Message,
    ModelAuthFailed,
    ModelEvent,
    ModelInfo,
    ModelNotFound,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
    ModelUnreachable,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolCallDone,
    ToolResultMessage,
    Usage,
    UserMessage,
    collect,
    open_model,
    registry_from_environment,
    tool_definitions,
)
from actionforge.testing import Reply, ScriptedError, ScriptedModel, ScriptedUsage, call_tools, fail, say
from tests.models.scripted import KEY, openai_on, registry_for

HELLO = ChatRequest([UserMessage("Hello")])


async def test_text_streams_as_deltas_then_usage_and_finish() -> None:
    async with openai_on([say("Hello there, friend!", chunk_size=5)]) as bound:
        events = [e async for e in bound.model.stream(HELLO)]
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts == ["Hello", " ther", "e, fr", "iend!"]
    assert events[-1] == Finish("stop")
    assert isinstance(events[-2], Usage)


async def test_a_tool_call_split_across_chunks_is_assembled_whole() -> None:
    arguments = {"petId": 7, "note": "a long note that spans several chunks"}
    async with openai_on([call_tools(("getPetById", arguments), chunk_size=4)]) as bound:
        events = [e async for e in bound.model.stream(HELLO)]
    fragments = [e for e in events if isinstance(e, ToolCallDelta)]
    assert len(fragments) > 5
    assert (fragments[0].id, fragments[0].name) == ("call_1_0", "getPetById")
    done = [e for e in events if isinstance(e, ToolCallDone)]
    assert [d.call for d in done] == [ToolCall("call_1_0", "getPetById", json.dumps(arguments))]
    assert events[-1] == Finish("tool_calls")


async def test_parallel_tool_calls_keep_their_own_ids_and_arguments() -> None:
    reply = call_tools(("a", {"x": 1}), ("b", {"y": "two"}), ("c", {}), text="Checking.", chunk_size=3)
    async with openai_on([reply]) as bound:
        completion = await collect(bound.model.stream(HELLO))
    assert completion.text == "Checking."
    assert [(c.name, json.loads(c.arguments)) for c in completion.tool_calls] == [
        ("a", {"x": 1}),
        ("b", {"y": "two"}),
        ("c", {}),
    ]
    assert len({c.id for c in completion.tool_calls}) == 3


async def test_usage_counts_come_from_the_provider() -> None:
    async with openai_on([say("ok", usage=ScriptedUsage(prompt_tokens=123, completion_tokens=45))]) as bound:
        completion = await collect(bound.model.stream(HELLO))
    assert completion.usage == Usage(123, 45)


async def test_the_conversation_and_tools_reach_the_model_in_openai_form() -> None:
    action = actionforge.load_action(actionforge.example_text("petstore"))
    call = ToolCall("call_9", "getPetById", '{"petId": 7}')
    messages: list[Message] = [
        SystemMessage("You are a pet shop."),
        UserMessage("Find pet 7"),
        AssistantMessage("", (call,)),
        ToolResultMessage("call_9", '{"name": "Rex"}'),
    ]
    async with openai_on([say("Rex.")]) as bound:
        tools = tool_definitions(bound.model, [action])
        await collect(bound.model.stream(ChatRequest(messages, tools=tools, parallel_tool_calls=False)))
        sent = bound.scripted.requests[0].body
    assert sent["messages"] == [
        {"role": "system", "content": "You are a pet shop."},
        {"role": "user", "content": "Find pet 7"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": "getPetById", "arguments": '{"petId": 7}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_9", "content": '{"name": "Rex"}'},
    ]
    assert sent["tools"] == json.loads(json.dumps(action.tools(dialect="openai")))
    assert sent["parallel_tool_calls"] is False
    assert sent["model"] == "scripted"
    assert sent["stream"] is True


async def test_a_429_is_the_rate_limit_error_with_retry_after() -> None:
    async with openai_on([fail(429, "Rate limit reached", headers={"retry-after": "7"})]) as bound:
        with pytest.raises(ModelRateLimited) as caught:
            await collect(bound.model.stream(HELLO))
    assert caught.value.retry_after == 7.0
    assert caught.value.status == 429
    assert caught.value.detail == "Rate limit reached"
    assert str(caught.value) == "local is rate limiting requests right now; wait a moment and try again."


async def test_a_401_is_the_auth_error_and_never_shows_the_key() -> None:
    message = f"Incorrect API key provided: {KEY}"
    async with openai_on([fail(401, message, code="invalid_api_key")]) as bound:
        with pytest.raises(ModelAuthFailed) as caught:
            await collect(bound.model.stream(HELLO))
    error = caught.value
    assert "refused the API key" in str(error)
    assert KEY not in str(error) + repr(error) + error.detail
    assert error.__cause__ is None  # the SDK's exception, which holds the request, is not chained


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            fail(400, "This model's maximum context length is 8192 tokens", code="context_length_exceeded"),
            ContextOverflow,
        ),
        (fail(404, "The model `x` does not exist", code="model_not_found"), ModelNotFound),
        (fail(503, "Overloaded"), ModelUnavailable),
    ],
)
async def test_provider_refusals_map_to_one_error_each(reply: Reply, kind: type[Exception]) -> None:
    async with openai_on([reply]) as bound:
        with pytest.raises(kind):
            await collect(bound.model.stream(HELLO))


async def test_a_refused_connection_is_unreachable() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = open_model(registry_for(f"http://127.0.0.1:{port}/v1"), "local/scripted")
    with pytest.raises(ModelUnreachable) as caught:
        await collect(model.stream(HELLO))
    assert "Could not connect to local" in str(caught.value)
    await model.aclose()


async def test_the_callers_http_client_carries_the_requests_and_stays_open() -> None:
    seen: list[str] = []

    async def note(request: httpx2.Request) -> None:
        seen.append(str(request.url))

    scripted = ScriptedModel([say("hi")])
    with scripted.serve() as base_url:
        async with httpx2.AsyncClient(event_hooks={"request": [note]}) as client:
            model = open_model(registry_for(base_url), "local/scripted", http_client=client)
            await collect(model.stream(HELLO))
            await model.aclose()
            assert not client.is_closed
    assert seen == [f"{base_url}/chat/completions"]


async def test_the_scripted_model_in_process_through_an_asgi_transport() -> None:
    scripted = ScriptedModel([say("in process")])
    transport = httpx2.ASGITransport(app=scripted.app)
    async with httpx2.AsyncClient(transport=transport) as client:
        info = ModelInfo("local", "scripted")
        model = open_model(
            registry_for("http://scripted.test/v1", info=info), "local/scripted", http_client=client
        )
        completion = await collect(model.stream(HELLO))
    assert completion.text == "in process"


async def test_a_reader_that_stops_early_frees_the_connection_at_once() -> None:
    """With one connection in the pool, the second request gets it only if Stop closed the first."""
    scripted = ScriptedModel([say("word " * 2000, chunk_size=1), say("second")])
    with scripted.serve() as base_url:
        limits, timeout = httpx2.Limits(max_connections=1), httpx2.Timeout(10, pool=2)
        async with httpx2.AsyncClient(limits=limits, timeout=timeout) as client:
            model = open_model(registry_for(base_url), "local/scripted", http_client=client)
            events = model.stream(HELLO)
            assert isinstance(await anext(events), TextDelta)
            await events.aclose()
            assert (await collect(model.stream(HELLO))).text == "second"


async def test_tool_calls_finished_with_stop_count_as_tool_calls() -> None:
    """Older compatible servers say "stop" after tool calls; the loop must still run them."""
    async with openai_on([call_tools(("a", {}), finish_reason="stop")]) as bound:
        completion = await collect(bound.model.stream(HELLO))
    assert completion.finish_reason == "tool_calls"


async def test_a_keyless_compatible_server_from_the_environment() -> None:
    scripted = ScriptedModel([say("no key needed")])
    with scripted.serve() as base_url:
        registry = registry_from_environment({"OPENAI_BASE_URL": base_url})
        registry.add_model(ModelInfo("openai", "llama"))
        model = open_model(registry, "openai/llama")
        assert (await collect(model.stream(HELLO))).text == "no key needed"
        await model.aclose()
    assert scripted.requests[0].body["model"] == "llama"


def test_the_sdks_timeout_is_the_timeout_error() -> None:
    model = open_model(registry_for("http://127.0.0.1:9/v1"), "local/scripted")
    error = model.translate(openai.APITimeoutError(request=httpx2.Request("POST", "http://127.0.0.1:9/v1")))
    assert isinstance(error, ModelTimeout)
    assert str(error) == "local did not answer in time; try again."


async def test_an_error_inside_the_stream_comes_after_the_text_already_sent() -> None:
    interrupt = ScriptedError(status=500, message="The server had an error", type="server_error")
    async with openai_on([say("Partial answer", chunk_size=7, interrupt=interrupt)]) as bound:
        received: list[ModelEvent] = []
        with pytest.raises(ModelUnavailable) as caught:
            await read_into(bound.model.stream(HELLO), received)
    assert received == [TextDelta("Partial"), TextDelta(" answer")]
    assert caught.value.detail == "The server had an error"


async def read_into(events: AsyncIterator[ModelEvent], received: list[ModelEvent]) -> None:
    async for event in events:
        received.append(event)


LENIENT_CHUNKS: list[dict[str, object]] = [
    {"choices": [{"delta": {"role": "assistant", "content": None}, "finish_reason": None}]},
    {"choices": [{"delta": None}]},  # a keep-alive some servers send
    {"choices": [{"delta": {"content": "Looking"}}], "usage": None},
    {"choices": [{"delta": {"tool_calls": [
        {"id": "c1", "function": {"name": "getItem", "arguments": None}},  # no index: the first call
    ]}}]},
    {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"id": 7}'}}]}}]},
    {"choices": "junk"},
    {"choices": [{"delta": {}, "finish_reason": "tool_calls"}]},
    {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": None}},
]  # fmt: skip


def lenient_server(chunks: list[dict[str, object]]) -> httpx2.MockTransport:
    """A compatible server that streams chunks with the nulls and gaps real servers send."""

    def reply(request: httpx2.Request) -> httpx2.Response:
        body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, text=body)

    return httpx2.MockTransport(reply)


async def test_chunks_with_nulls_and_gaps_read_as_absent_fields() -> None:
    async with httpx2.AsyncClient(transport=lenient_server(LENIENT_CHUNKS)) as client:
        model = open_model(registry_for("http://lenient.test/v1"), "local/scripted", http_client=client)
        events = [event async for event in model.stream(HELLO)]
    done = [e for e in events if isinstance(e, ToolCallDone)]
    assert [e.call for e in done] == [ToolCall("c1", "getItem", '{"id": 7}')]
    assert events[0] == TextDelta("Looking")
    assert Usage(12, 0) in events
    assert events[-1] == Finish("tool_calls")
