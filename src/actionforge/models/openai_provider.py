"""Any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp,
LM Studio, OpenRouter, Groq, ...) through the official ``openai`` SDK."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any, ClassVar

import httpx2
import openai
from openai.types.chat import ChatCompletion

from actionforge.models.assembly import ToolCallAssembler
from actionforge.models.events import Finish, FinishReason, ModelEvent, TextDelta, ToolCallDelta, Usage
from actionforge.models.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolResultMessage,
    UserMessage,
)
from actionforge.models.provider import ChatModel, ChatRequest, Dialect, SdkErrors
from actionforge.models.registry import ModelInfo, ProviderConfig

OPENAI_BASE_URL = "https://api.openai.com/v1"
# The SDK refuses to start without a key; a server that needs none (Ollama, llama.cpp) ignores the
# Authorization header this puts on its requests.
KEYLESS = "no-key"

_FINISH: Mapping[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def _assistant(message: AssistantMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": "assistant", "content": message.text or None}
    if message.tool_calls:
        wire["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    return wire


_WIRE: Mapping[type, Callable[[Any], dict[str, Any]]] = {
    SystemMessage: lambda m: {"role": "system", "content": m.text},
    UserMessage: lambda m: {"role": "user", "content": m.text},
    AssistantMessage: _assistant,
    ToolResultMessage: lambda m: {"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content},
}


def wire_messages(messages: list[Message] | tuple[Message, ...]) -> list[dict[str, Any]]:
    """The messages as chat completions takes them."""
    return [_WIRE[type(m)](m) for m in messages]


class OpenAIChatModel(ChatModel):
    dialect: ClassVar[Dialect] = "openai"
    errors: ClassVar[SdkErrors] = SdkErrors(
        openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError, openai.APIError
    )

    def __init__(
        self, provider: ProviderConfig, info: ModelInfo, *, http_client: httpx2.AsyncClient | None = None
    ) -> None:
        super().__init__(provider, info, http_client=http_client)
        # Every setting explicit, so the SDK reads no OPENAI_* variable behind the registry's back.
        self._client = openai.AsyncOpenAI(
            api_key=provider.api_key.reveal() or KEYLESS,
            base_url=provider.base_url or OPENAI_BASE_URL,
            timeout=provider.timeout,
            max_retries=provider.max_retries,
            http_client=http_client,
        )

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.info.name,
            "messages": wire_messages(tuple(request.messages)),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            params["tools"] = list(request.tools)
            if request.parallel_tool_calls is not None:
                params["parallel_tool_calls"] = request.parallel_tool_calls
        if request.max_output_tokens is not None:
            params["max_tokens"] = request.max_output_tokens
        return params

    async def _stream(self, request: ChatRequest) -> AsyncGenerator[ModelEvent, None]:
        assembler = ToolCallAssembler()
        finish: Finish | None = None
        # The SDK's documented ``post``, in plain JSON both ways: ``chat.completions.create`` walks
        # every message and tool through its typed-parameter transform, and each streamed chunk
        # becomes a ``ChatCompletionChunk`` model tree (typing introspection per field, about a
        # millisecond a turn each), where a few dictionary lookups are all we read. Retries, errors,
        # headers and the SSE parsing (an ``error`` event raises) are the SDK's either way.
        stream = self._client.post(
            "/chat/completions", body=self._params(request), cast_to=ChatCompletion,
            stream=True, stream_cls=openai.AsyncStream[object],
        )  # fmt: skip
        async with await stream as chunks:
            async for chunk in chunks:
                for event in _chunk_events(chunk, assembler):
                    if isinstance(event, Finish):
                        finish = event  # last, after the usage chunk that follows it
                    else:
                        yield event
        for done in assembler.done():  # a server that ended the stream without a finish_reason
            yield done
        if finish is not None:
            yield finish

    async def list_model_names(self) -> list[str]:
        """The ids ``/v1/models`` lists, in its order."""
        try:
            return [model.id async for model in self._client.models.list()]
        except self.errors.api as error:
            raise self.translate(error) from None

    async def _close(self) -> None:
        await self._client.close()


def _chunk_events(chunk: object, assembler: ToolCallAssembler) -> list[ModelEvent]:
    """The events in one streamed chunk (JSON as the server sent it; a field a lenient server
    leaves out or sends as null reads as absent)."""
    if not isinstance(chunk, dict):
        return []
    events: list[ModelEvent] = []
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):  # we ask for n=1
        events.extend(_choice_events(choices[0], assembler))
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        events.append(Usage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0))
    return events


def _choice_events(choice: dict[str, Any], assembler: ToolCallAssembler) -> list[ModelEvent]:
    events: list[ModelEvent] = []
    delta = _object(choice.get("delta"))
    if content := delta.get("content"):
        events.append(TextDelta(str(content)))
    for sent in delta.get("tool_calls") or ():
        call = _object(sent)
        function = _object(call.get("function"))
        fragment = ToolCallDelta(
            call.get("index") or 0, call.get("id"), function.get("name"), function.get("arguments") or ""
        )
        assembler.add(fragment)
        events.append(fragment)
    if reason := choice.get("finish_reason"):
        finished = assembler.done()
        events.extend(finished)
        said = _FINISH.get(reason, "stop")
        # Some compatible servers (older Ollama, vLLM) say "stop" after tool calls.
        events.append(Finish("tool_calls" if finished and said == "stop" else said))
    return events


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
