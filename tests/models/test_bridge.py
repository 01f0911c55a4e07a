"""Provider traffic through an httpx transport (the egress guard) via the httpx2 bridge."""

from __future__ import annotations

import socket

import httpx
import pytest

from actionforge import DomainPolicy, Settings
from actionforge.egress.transport import GuardedAsyncTransport
from actionforge.models import (
    ChatRequest,
    ModelRateLimited,
    ModelUnreachable,
    ToolCall,
    UserMessage,
    bridged_client,
    collect,
    open_model,
)
from actionforge.testing import ScriptedModel, call_tools, fail
from tests.models.scripted import registry_for

HELLO = ChatRequest([UserMessage("Hello")])
LOOPBACK_OK = Settings(allow_loopback=True, allow_http=True, allow_any_port=True)


async def test_a_stream_and_an_error_pass_through_the_egress_guard_when_it_allows_them() -> None:
    scripted = ScriptedModel(
        [call_tools(("getPetById", {"petId": 7}), text="Looking.", chunk_size=3), fail(429, "x")]
    )
    with scripted.serve() as base_url:
        transport = GuardedAsyncTransport(DomainPolicy.allow_all(), LOOPBACK_OK)
        async with bridged_client(transport) as client:
            model = open_model(registry_for(base_url), "local/scripted", http_client=client)
            completion = await collect(model.stream(HELLO))
            with pytest.raises(ModelRateLimited):
                await collect(model.stream(HELLO))
    assert completion.text == "Looking."
    assert completion.tool_calls == (ToolCall("call_1_0", "getPetById", '{"petId": 7}'),)


async def test_the_guard_refusing_a_provider_url_is_unreachable_with_its_reason() -> None:
    scripted = ScriptedModel([])
    with scripted.serve() as base_url:
        async with bridged_client(GuardedAsyncTransport(DomainPolicy.allow_all(), Settings())) as client:
            model = open_model(registry_for(base_url), "local/scripted", http_client=client)
            with pytest.raises(ModelUnreachable) as caught:
                await collect(model.stream(HELLO))
    assert "loopback" in caught.value.detail  # the guard's reason, for the admin
    assert scripted.requests == []  # nothing reached the server


async def test_a_refused_connection_through_the_bridge_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with bridged_client(httpx.AsyncHTTPTransport()) as client:
        model = open_model(registry_for(f"http://127.0.0.1:{port}/v1"), "local/scripted", http_client=client)
        with pytest.raises(ModelUnreachable):
            await collect(model.stream(HELLO))


class RecordingTransport(httpx.AsyncBaseTransport):
    """The guard, noting which connection (httpcore's network stream) served each request."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.streams: list[object] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.streams.append(response.extensions["network_stream"])
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_streamed_completions_reuse_one_connection() -> None:
    """The SDK stops at [DONE] and drains the rest; the drain must reach the end of the body, or
    the connection is closed and every model request pays a new one."""
    scripted = ScriptedModel([call_tools(("getPetById", {"petId": 7}), text="One."), call_tools(text="Two.")])
    with scripted.serve() as base_url:
        transport = RecordingTransport(GuardedAsyncTransport(DomainPolicy.allow_all(), LOOPBACK_OK))
        async with bridged_client(transport) as client:
            model = open_model(registry_for(base_url), "local/scripted", http_client=client)
            first = await collect(model.stream(HELLO))
            second = await collect(model.stream(HELLO))
    assert (first.text, second.text) == ("One.", "Two.")
    assert len(transport.streams) == 2
    assert transport.streams[0] is transport.streams[1]
